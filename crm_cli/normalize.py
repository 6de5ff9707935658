"""Normalisation of names, phones, e-mails, credit codes and addresses for duplicate detection.

One module used by add, edit, import, ``crm dedupe`` and the dashboard, so that every check compares the same keys:

- text: Unicode NFKC (full-width → half-width), case folding, punctuation and brackets, Traditional → Simplified
  Chinese with OpenCC (opencc-python-reimplemented, imported only when a name holds a Traditional character);
- company names: Chinese legal forms (有限公司, 股份有限公司, 集团…), English/European ones (Inc, Ltd, LLC, GmbH,
  N.V., "The"…), region prefixes (广东省深圳市…) and bracketed regions (（深圳）), honorifics of person names. What is
  left is the *core* (明达电子科技, "acme widgets"): the distinctive part that matching compares;
- phones parsed with ``phonenumbers`` into E.164 (default region from the setting ``dedupe.phone_region``);
- e-mails lower-cased; the domain counts as evidence unless it is a free-mail domain;
- 统一社会信用代码 validated with python-stdnum;
- addresses: NFKC, case, common abbreviations (St → street, Rd → road…), 号/弄/室 and unit/room parts.

Nothing heavy is imported at module import time.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

# ------------------------------------------------------------------------------------------------------- regions

PROVINCES = (
    "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 海南 四川 贵州 "
    "云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门"
).split()
CITIES = (
    "深圳 广州 东莞 佛山 珠海 中山 惠州 江门 汕头 湛江 肇庆 茂名 揭阳 梅州 清远 韶关 潮州 汕尾 河源 阳江 云浮 "
    "杭州 宁波 温州 嘉兴 湖州 绍兴 金华 台州 舟山 衢州 丽水 义乌 南京 苏州 无锡 常州 南通 扬州 镇江 泰州 徐州 "
    "盐城 淮安 连云港 宿迁 昆山 江阴 张家港 常熟 合肥 芜湖 蚌埠 安庆 马鞍山 滁州 阜阳 福州 厦门 泉州 漳州 莆田 "
    "宁德 龙岩 三明 南平 南昌 赣州 九江 上饶 济南 青岛 烟台 潍坊 淄博 威海 临沂 济宁 泰安 日照 德州 聊城 东营 "
    "郑州 洛阳 开封 新乡 许昌 南阳 安阳 武汉 宜昌 襄阳 荆州 十堰 黄石 长沙 株洲 湘潭 衡阳 岳阳 常德 成都 绵阳 "
    "德阳 宜宾 南充 乐山 泸州 贵阳 遵义 昆明 大理 丽江 西安 咸阳 宝鸡 兰州 西宁 银川 乌鲁木齐 呼和浩特 包头 南宁 "
    "柳州 桂林 北海 海口 三亚 拉萨 石家庄 唐山 保定 廊坊 邯郸 秦皇岛 沧州 太原 大同 沈阳 大连 鞍山 长春 哈尔滨 "
    "大庆 台北 高雄 台中 新竹"
).split()
_REGION_NAMES = sorted(set(PROVINCES) | set(CITIES), key=len, reverse=True)
_REGION_SUFFIX = "(?:特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区|省|市)?"


@lru_cache(maxsize=1)
def _region_prefix() -> re.Pattern[str]:  # compiled on first use (~2 ms): only a name starting with a region needs it
    return re.compile("^(?:(?:中国)?(?:" + "|".join(_REGION_NAMES) + ")" + _REGION_SUFFIX + ")+")


_REGION_STARTS = frozenset("中" + "".join(name[0] for name in _REGION_NAMES))  # a match starts with one of these
_CITY_SET = frozenset(CITIES)


@lru_cache(maxsize=1)
def _region_any() -> re.Pattern[str]:  # compiled on first use: only names that start with a region need it
    return re.compile("|".join(_REGION_NAMES))


@lru_cache(maxsize=1)
def _district() -> re.Pattern[str]:
    return re.compile(r"^[\u4e00-\u9fff]{1,3}?(?:新区|区|县)")


LATIN_REGIONS = {
    "china", "prc", "hong kong", "hk", "hongkong", "macau", "taiwan", "shanghai", "beijing", "shenzhen",
    "guangzhou", "singapore", "usa", "us", "uk", "europe", "asia", "international", "intl", "japan", "germany",
    "netherlands", "holland", "france", "canada", "australia",
}
LEGAL_ZH = (
    "集团股份有限公司", "集团有限责任公司", "集团有限公司", "股份有限公司", "有限责任公司", "集团公司", "有限公司",
    "股份公司", "总公司", "有限合伙", "合伙企业", "集团", "公司",
)
LEGAL_EN = {
    "inc", "incorporated", "ltd", "limited", "llc", "llp", "lp", "co", "corp", "corporation", "company", "gmbh",
    "plc", "the", "ag", "sa", "nv", "bv", "kg", "oy", "ab", "spa", "srl", "sarl", "pte", "pty", "kk", "pvt",
    "sas", "se", "mbh", "cie", "et", "of", "and",
}
HONORIFICS = {"mr", "mrs", "ms", "miss", "dr", "prof", "sir", "madam"}
HONORIFICS_ZH = ("先生", "女士", "小姐", "老师", "总")
FREE_MAIL = {
    "qq.com", "vip.qq.com", "foxmail.com", "163.com", "126.com", "yeah.net", "vip.163.com", "sina.com", "sina.cn",
    "sohu.com", "aliyun.com", "139.com", "189.cn", "wo.cn", "tom.com", "21cn.com", "gmail.com", "googlemail.com",
    "hotmail.com", "outlook.com", "live.com", "msn.com", "yahoo.com", "yahoo.com.hk", "icloud.com", "me.com",
    "mac.com", "aol.com", "proton.me", "protonmail.com", "gmx.com", "gmx.de", "web.de", "mail.com", "yandex.ru",
    "zoho.com", "hushmail.com",
}
ADDRESS_WORDS = {
    "st": "street", "str": "street", "rd": "road", "ave": "avenue", "av": "avenue", "blvd": "boulevard",
    "dr": "drive", "ln": "lane", "ct": "court", "pl": "place", "sq": "square", "hwy": "highway", "pkwy": "parkway",
    "n": "north", "s": "south", "e": "east", "w": "west", "fl": "floor", "flr": "floor", "ste": "suite",
    "apt": "unit", "rm": "room", "bldg": "building", "no": "", "number": "",
}
# CJK ideographs are U+3400–U+9FFF. Compiling a regular expression class over that range costs ~5 ms (the re module
# visits each of its 27,000 code points, twice when a pattern starts with it): a command normalising one name would
# spend more on compiling than on the name. So the checks below are written without such a class where that is
# simple, and tests/test_normalize.py checks each against the regular expression it stands for, character by character.
_CJK_LO, _CJK_HI = "\u3400", "\u9fff"
# r"[^\w\u3400-\u9fff]+|_": every ideograph in the range is a word character (\w) except the 64 Yijing hexagram
# symbols U+4DC0–U+4DFF, so the class is written with those alone.
_PUNCT = re.compile(r"[^\w\u4dc0-\u4dff]+|_")
_NON_DIGIT = re.compile(r"\D")
_OPENING_BRACKETS = "([{（【〔「『"


@lru_cache(maxsize=1)
def _brackets() -> re.Pattern[str]:  # compiled on first use: only a name with a bracket needs it
    return re.compile(r"[(\[{（【〔「『]([^)\]}）】〕」』]*)[)\]}）】〕」』]")



def has_cjk(text: str) -> bool:
    """Whether ``text`` holds a CJK ideograph: ``re.search(r"[\u3400-\u9fff]", text)``."""
    return not text.isascii() and any(_CJK_LO <= char <= _CJK_HI for char in text)


def _drop_cjk_gaps(text: str) -> str:
    """``re.sub(r"(?<=[\u3400-\u9fff]) (?=[\u3400-\u9fff])", "", text)``: a space between two ideographs goes."""
    if " " not in text or text.isascii():
        return text
    last = len(text) - 1
    return "".join(char for i, char in enumerate(text)
                   if not (char == " " and 0 < i < last and _CJK_LO <= text[i - 1] <= _CJK_HI
                           and _CJK_LO <= text[i + 1] <= _CJK_HI))


@lru_cache(maxsize=1)
def _cjk_run_re() -> re.Pattern[str]:
    return re.compile(r"[\u3400-\u9fff]+|[a-z0-9]+")


_RUN_SCANS = [0]  # cores split by the scan in Python; from _RUN_SCAN_LIMIT on, the compiled pattern does it (batches)
_RUN_SCAN_LIMIT = 64


def _cjk_runs(core: str) -> list[str]:
    """``re.findall(r"[\u3400-\u9fff]+|[a-z0-9]+", core)``: the maximal runs of ideographs and of ASCII letters and
    digits. A command splitting a few names scans them in Python; a batch compiles the pattern once."""
    if _RUN_SCANS[0] >= _RUN_SCAN_LIMIT:
        return _cjk_run_re().findall(core)
    _RUN_SCANS[0] += 1
    runs: list[str] = []
    start = kind = 0
    for i, char in enumerate(core):
        now = 1 if _CJK_LO <= char <= _CJK_HI else 2 if ("a" <= char <= "z" or "0" <= char <= "9") else 0
        if now != kind:
            if kind:
                runs.append(core[start:i])
            start, kind = i, now
    if kind:
        runs.append(core[start:])
    return runs

# ------------------------------------------------------------------------------------------------------ text


@lru_cache(maxsize=1)
def _ts_dictionary() -> str:
    """OpenCC's TSCharacters.txt (lines ``<Traditional>\t<Simplified> …``), after a newline."""
    import opencc

    folder = Path(opencc.__file__).parent / "dictionary"
    return "\n" + (folder / "TSCharacters.txt").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _traditional_chars() -> frozenset[str]:
    chars: set[str] = set()
    for line in _ts_dictionary().splitlines():
        key, _, values = line.partition("\t")
        if key and key not in values.split():
            chars.add(key)  # only characters that really change (many are the same in both scripts)
    return frozenset(chars)


def _listed_traditional(char: str) -> bool:
    """``char in _traditional_chars()``, by finding its lines in the dictionary instead of building the whole set."""
    data = _ts_dictionary()
    needle = f"\n{char}\t"
    start = data.find(needle)
    while start >= 0:
        end = data.find("\n", start + 1)
        if char not in data[start + len(needle): end if end >= 0 else len(data)].split():
            return True
        start = data.find(needle, start + 1)
    return False


_LOOKUPS = [0]  # texts answered by _listed_traditional; from _LOOKUP_LIMIT on, the whole set is built (batches)
_LOOKUP_LIMIT = 32


def _has_traditional(text: str) -> bool:
    """Whether ``text`` holds a character that Traditional → Simplified changes. A command handling a few texts
    looks their characters up in the dictionary (building the set of 4,000 characters costs ~2 ms); a batch
    builds the set once. tests/test_normalize.py checks both answers agree on every character of the dictionary."""
    if _LOOKUPS[0] < _LOOKUP_LIMIT and not _traditional_chars.cache_info().currsize:
        _LOOKUPS[0] += 1
        return any(_listed_traditional(char) for char in set(text))
    return not _traditional_chars().isdisjoint(text)


@lru_cache(maxsize=1)
def _converter() -> object:
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional → Simplified with OpenCC; texts without a Traditional character skip the (slow) converter."""
    if not _has_traditional(text):
        return text
    return str(_converter().convert(text))  # type: ignore[attr-defined]


def fold(text: str | None) -> str:
    """NFKC (full-width → half-width), case folding, Traditional → Simplified, whitespace collapsed."""
    if not text:
        return ""
    out = unicodedata.normalize("NFKC", str(text)).casefold()
    if has_cjk(out):
        out = to_simplified(out)
    return " ".join(out.split())


# ------------------------------------------------------------------------------------------------------ names


@dataclass(frozen=True)
class NameParts:
    core: str  # the distinctive part: "明达电子科技", "acme widgets"
    city: str | None  # a region found in the name ("深圳"), if any
    legal: str | None  # the legal form removed, if any


def _strip_region_prefix(text: str) -> tuple[str, str | None]:
    match = _region_prefix().match(text) if text[:1] in _REGION_STARTS else None
    if not match or match.end() == len(text):
        return text, None
    found = match.group(0)
    rest = text[match.end():]
    has_suffix = found[-1] in "省市区" or found.endswith("自治区") or found.endswith("特别行政区")
    if not has_suffix and len(rest.strip()) < 4:
        return text, None  # 中山大学 is a name, not 中山 + 大学
    district = _district().match(rest)
    if district and district.end() < len(rest) - 1:
        rest = rest[district.end():]
    names = _region_any().findall(found)
    city = names[0] if names else None
    for name in reversed(names):
        if name in _CITY_SET:
            city = name
            break
    return rest, city


def _region_of(text: str) -> str | None:
    t = text.strip()
    for suffix in ("特别行政区", "自治区", "省", "市", "区", "县"):
        if t.endswith(suffix) and len(t) > len(suffix):
            t = t[: -len(suffix)]
            break
    if t in _REGION_NAMES:
        return t
    if t in LATIN_REGIONS:
        return t
    return None


@lru_cache(maxsize=65536)
def name_parts(name: str | None) -> NameParts:
    """Split a company or person name into its distinctive core, the city it names and its legal form."""
    text = fold(name)
    if not text:
        return NameParts("", None, None)
    city: str | None = None
    legal: str | None = None

    def bracket(match: re.Match[str]) -> str:
        nonlocal city, legal
        inner = match.group(1).strip()
        region = _region_of(inner)
        if region:
            city = city or region
            return " "
        if inner in LEGAL_ZH or inner in LEGAL_EN:
            legal = legal or inner
            return " "
        return f" {inner} "

    if any(b in text for b in _OPENING_BRACKETS):  # else nothing to replace
        text = _brackets().sub(bracket, text)
    text = text.replace("&", " and ").replace("'s ", "s ").replace("’s ", "s ")
    # Chinese: legal forms at the end, region prefixes at the start.
    compact = _PUNCT.sub(" ", text).strip()
    if has_cjk(compact):
        while (stripped := compact.rstrip()).endswith(LEGAL_ZH):  # one C-level test of all forms first
            for form in LEGAL_ZH:
                if stripped.endswith(form) and len(stripped) > len(form):
                    compact = stripped[: -len(form)]
                    legal = legal or form
                    break
            else:
                break
        head, found = _strip_region_prefix(compact.lstrip())
        compact = head
        city = city or found
        for honorific in HONORIFICS_ZH:
            if compact.endswith(honorific) and len(compact) > len(honorific) + 1:
                compact = compact[: -len(honorific)]
    words = compact.split()
    kept = [w for w in words if w not in LEGAL_EN and w not in HONORIFICS and not (len(w) == 1 and w.isascii())]
    if kept and len(kept) < len(words):
        legal = legal or next((w for w in words if w in LEGAL_EN), None)
        words = kept
    # Dots and hyphens inside words were punctuation: "s.a." became "s a" above; join CJK runs without spaces.
    core = " ".join(words)
    core = _drop_cjk_gaps(core)
    return NameParts(core, city, legal)


def name_key(name: str | None) -> str | None:
    return name_parts(name).core or None


# --------------------------------------------------------------------------------------- phones, e-mails, codes


def split_phones(text: str | None) -> list[str]:
    if not text:
        return []
    return [p for p in re.split(r"[,;/、，；|]+|\s{2,}", unicodedata.normalize("NFKC", text)) if p.strip()]


@lru_cache(maxsize=65536)
def phone_key(text: str | None, region: str = "CN") -> str | None:
    """The first phone in ``text`` in E.164 (+8675586001234); digits only when it cannot be parsed."""
    for part in split_phones(text):
        key = _one_phone(part, region)
        if key:
            return key
    return None


def phone_keys(text: str | None, region: str = "CN") -> list[str]:
    return [k for k in (_one_phone(p, region) for p in split_phones(text)) if k]


@lru_cache(maxsize=4096)  # keys and blocking tokens parse the same phone one after the other
def _one_phone(text: str, region: str) -> str | None:
    digits = _NON_DIGIT.sub("", text)
    if len(digits) < 5:
        return None
    fast = _plain_e164(text.strip(), region.upper() if region else "")
    if fast is not None:
        return digits if fast is _NOT_POSSIBLE else str(fast)
    return _parsed_phone(text, region, digits)


def _parsed_phone(text: str, region: str, digits: str) -> str | None:
    import phonenumbers

    cleaned = re.split(r"(?i)\s*(?:ext\.?|x|转|分机)\s*\d+$", text.strip())[0]
    try:
        number = phonenumbers.parse(cleaned, region.upper() if region else None)
    except phonenumbers.NumberParseException:
        return digits
    if not phonenumbers.is_possible_number(number):
        return digits
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


# A phone written the plain way — digits in groups separated by single spaces or hyphens, perhaps after a "+" —
# is what nearly every sheet and form holds. For those ``_plain_e164`` follows the steps of phonenumbers' ``parse``
# + ``is_possible_number`` + E.164 format with phonenumbers' own metadata (the region's international and national
# prefixes, its general number pattern and possible lengths), about 15x faster than the general parser, which
# spends its time on shapes these strings do not have (letters, extensions, RFC 3966, Unicode digits). Any other
# shape, and every branch of parse that this does not follow (an international prefix such as 00 or 17951...00, a
# national number that begins with the country code, a national prefix with a transform rule), goes to
# phonenumbers itself. tests/test_normalize.py checks both ways give the same key on many tricky numbers.
_PLAIN_PHONE = re.compile(r"\+?[0-9]+(?:[ -][0-9]+)*")
_NOT_POSSIBLE = "not possible"  # a sentinel: phonenumbers parses it but is_possible_number says no


@dataclass(frozen=True)
class _Numbering:
    code: int
    general: re.Pattern[str]  # the national number pattern of all numbers
    prefix: re.Pattern[str] | None  # national prefix (and carrier code) for parsing
    transform: bool  # the national prefix has a transform rule (not followed here)
    lengths: tuple[int, ...]
    local_lengths: tuple[int, ...]


def _numbering(meta: object) -> _Numbering | None:
    desc = getattr(meta, "general_desc", None)
    pattern = getattr(desc, "national_number_pattern", None)
    lengths = tuple(getattr(desc, "possible_length", None) or ())
    if meta is None or not pattern or not lengths:
        return None
    prefix = getattr(meta, "national_prefix_for_parsing", None)
    return _Numbering(code=int(meta.country_code), general=re.compile(pattern),  # type: ignore[attr-defined]
                      prefix=re.compile(prefix) if prefix else None,
                      transform=bool(getattr(meta, "national_prefix_transform_rule", None)), lengths=lengths,
                      local_lengths=tuple(getattr(desc, "possible_length_local_only", None) or ()))


@lru_cache(maxsize=512)
def _numbering_for_code(code: int) -> _Numbering | None:
    from phonenumbers import region_code_for_country_code
    from phonenumbers.phonemetadata import PhoneMetadata

    return _numbering(PhoneMetadata.metadata_for_region_or_calling_code(code, region_code_for_country_code(code)))


@lru_cache(maxsize=64)
def _numbering_for_region(region: str) -> tuple[_Numbering, _Numbering, re.Pattern[str] | None] | None:
    """(the region's plan for parsing, the plan is_possible_number checks against, its international prefix)."""
    from phonenumbers.phonemetadata import PhoneMetadata

    meta = PhoneMetadata.metadata_for_region(region, None) if region else None
    plan = _numbering(meta)
    if plan is None:
        return None
    checked = _numbering_for_code(plan.code)
    idd = getattr(meta, "international_prefix", None)
    if checked is None:
        return None
    return plan, checked, re.compile(idd) if idd else None


def _length_check(number: str, plan: _Numbering) -> str:
    """phonenumbers' _test_number_length for the general description: possible, local, short, long or invalid."""
    n = len(number)
    if n in plan.local_lengths:
        return "local"
    if n == plan.lengths[0]:
        return "possible"
    if n < plan.lengths[0]:
        return "short"
    if n > plan.lengths[-1]:
        return "long"
    return "possible" if n in plan.lengths[1:] else "invalid"


def _plain_e164(text: str, region: str) -> str | None:
    """The E.164 key of a plainly written phone (see above), ``_NOT_POSSIBLE``, or None: ask phonenumbers."""
    if len(text) > 250 or not _PLAIN_PHONE.fullmatch(text):
        return None
    found = _numbering_for_region(region)
    if found is None:
        return None
    home, home_checked, idd = found
    digits = text.replace(" ", "").replace("-", "")
    if digits[0] == "+":
        digits = digits[1:]
        if len(digits) <= 2 or digits[0] == "0":
            return None
        from phonenumbers import COUNTRY_CODE_TO_REGION_CODE

        for size in (1, 2, 3):
            if int(digits[:size]) in COUNTRY_CODE_TO_REGION_CODE:
                break
        else:
            return None
        plan = checked = _numbering_for_code(int(digits[:size]))  # type: ignore[assignment]
        if plan is None:
            return None
        national = digits[size:]
    else:
        if idd is not None and (m := idd.match(digits)) and (m.end() == len(digits) or digits[m.end()] != "0"):
            return None  # dialled with an international prefix
        if digits.startswith(str(home.code)):
            return None  # perhaps the country code without "+"
        plan, checked, national = home, home_checked, digits
    if len(national) < 2:
        return None
    if plan.prefix is not None and (m := plan.prefix.match(national)):
        if plan.transform or m.end() == 0:
            return None
        rest = national[m.end():]
        if not (plan.general.fullmatch(national) and not plan.general.fullmatch(rest)) \
                and _length_check(rest, plan) not in ("short", "local", "invalid"):
            national = rest
    if len(national) > 17:
        return None
    if _length_check(national, checked) in ("possible", "local"):
        return f"+{checked.code}{national}"
    return _NOT_POSSIBLE


def email_key(text: str | None) -> str | None:
    if not text:
        return None
    email = unicodedata.normalize("NFKC", text).strip().lower()
    return email or None


def email_domain(email: str | None) -> str | None:
    """The e-mail's domain unless it is a free-mail one (qq.com, 163.com, gmail.com…)."""
    if not email or "@" not in email:
        return None
    domain = email.rsplit("@", 1)[1].strip().lower()
    if not domain or domain in FREE_MAIL:
        return None
    return domain


def credit_key(text: str | None) -> str | None:
    """统一社会信用代码 in its compact upper-case form; invalid codes are kept as typed (upper-case, no spaces)."""
    if not text:
        return None
    from stdnum.cn import uscc

    compact = re.sub(r"[\s-]", "", unicodedata.normalize("NFKC", text)).upper()
    if not compact:
        return None
    try:
        return str(uscc.compact(compact))
    except Exception:  # pragma: no cover - compact only cleans
        return compact


# ------------------------------------------------------------------------------------------------------ addresses

_ZH_ADDR = [(re.compile(r"(\d+)\s*(?:号楼|栋|幢|座)"), r"\1栋 ", ("号楼", "栋", "幢", "座")),
            (re.compile(r"(\d+)\s*(?:号|號)"), r"\1号 ", ("号", "號")), (re.compile(r"(\d+)\s*弄"), r"\1弄 ", ("弄",)),
            (re.compile(r"(\d+)\s*(?:室|房)"), r"\1室 ", ("室", "房")),
            (re.compile(r"(\d+)\s*(?:楼|层)"), r"\1层 ", ("楼", "层"))]  # fmt: skip
# (pattern, replacement, the words one of which a match must contain: the others cannot match, so are skipped)


@lru_cache(maxsize=65536)
def address_key(text: str | None) -> str | None:
    """NFKC, case, abbreviations (St → street), Chinese 号/弄/室 parts tidied; region prefixes dropped."""
    folded = fold(text)
    if not folded:
        return None
    if has_cjk(folded):
        folded, _ = _strip_region_prefix(folded.replace(" ", ""))
        for pattern, repl, words in _ZH_ADDR:
            for w in words:
                if w in folded:
                    folded = pattern.sub(repl, folded)
                    break
    words = []
    for word in _PUNCT.sub(" ", folded).split():
        word = ADDRESS_WORDS.get(word, word)
        if word:
            words.append(word)
    return " ".join(words) or None


# ------------------------------------------------------------------------------------------------------ tokens


def name_tokens(core: str | None) -> list[str]:
    """Blocking tokens of a name core: Chinese character bigrams, Latin words and 4-letter word prefixes."""
    if not core:
        return []
    out: list[str] = []
    for run in _cjk_runs(core):
        if _CJK_LO <= run[0] <= _CJK_HI:
            if len(run) == 1:
                out.append(run)
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            out.append(run)
            if len(run) > 4:
                out.append(run[:4] + "~")
    return list(dict.fromkeys(out))
