"""Normalisation: names to their distinctive core, phones to E.164, e-mails, credit codes, addresses."""

from __future__ import annotations

import functools

import pytest

from crm_cli import normalize
from crm_cli.matching import Features, name_similarity, score_pair

MINGDA_VARIANTS = [
    "深圳市明达电子科技有限公司", "明达电子科技（深圳）有限公司", "深圳市明達電子科技有限公司", "明达电子科技",
    "广东省深圳市南山区明达电子科技有限公司", "ＭＩＮＧ深圳市明达电子科技有限公司"[4:],
]  # fmt: skip


@pytest.mark.parametrize("name", MINGDA_VARIANTS)
def test_chinese_variants_share_one_core(name: str) -> None:
    assert normalize.name_parts(name).core == "明达电子科技"


def test_city_and_legal_form_are_split_off() -> None:
    parts = normalize.name_parts("明达电子科技（深圳）股份有限公司")
    assert (parts.core, parts.city, parts.legal) == ("明达电子科技", "深圳", "股份有限公司")


@pytest.mark.parametrize("name", ["ACME Widgets, Inc.", "Acme Widgets Inc", "The Acme Widgets Company",
                                  "ＡＣＭＥ　Ｗｉｄｇｅｔｓ Ltd."])
def test_english_legal_forms_case_and_width_are_ignored(name: str) -> None:
    assert normalize.name_parts(name).core == "acme widgets"


def test_a_city_that_is_the_name_is_kept() -> None:
    assert normalize.name_parts("中山大学").core == "中山大学"


def test_person_names_drop_honorifics_and_keep_word_order_free() -> None:
    assert normalize.name_parts("王强先生").core == "王强"
    assert name_similarity(normalize.name_key("Smith, John") or "", normalize.name_key("Mr John Smith") or "") == 100


@pytest.mark.parametrize("text", ["0755-86001234", "+86 755 8600 1234", "(0755) 8600-1234", "86-755-86001234"])
def test_phones_become_e164(text: str) -> None:
    assert normalize.phone_key(text, "CN") == "+8675586001234"


def test_phone_region_comes_from_the_caller() -> None:
    assert normalize.phone_key("(312) 555-0199", "US") == "+13125550199"


def test_several_phones_in_one_field() -> None:
    assert normalize.phone_keys("0755-86001234 / 138 1234 5678") == ["+8675586001234", "+8613812345678"]


def test_free_mail_domains_are_no_evidence() -> None:
    assert normalize.email_domain("wang@qq.com") is None
    assert normalize.email_domain("Wang@MingDa.com.cn".lower()) == "mingda.com.cn"


def test_credit_code_is_compacted() -> None:
    assert normalize.credit_key(" 91350100-m000100y43 ") == "91350100M000100Y43"


def test_addresses_expand_abbreviations() -> None:
    assert normalize.address_key("27 Washington St., Suite 5") == normalize.address_key("27 washington street ste 5")
    assert normalize.address_key("深圳市南山区科技园 12 號 3 樓") == normalize.address_key("科技园12号3层")


def test_same_brand_different_business_is_not_a_match() -> None:
    a = Features.from_values({"name": "深圳市明达电子科技有限公司"})
    b = Features.from_values({"name": "深圳市明达机械设备有限公司"})
    assert score_pair(a, b)[0] < 60


def test_same_core_different_city_is_not_a_match() -> None:
    a = Features.from_values({"name": "深圳市明达电子科技有限公司"})
    b = Features.from_values({"name": "广州市明达电子科技有限公司"})
    score, reasons = score_pair(a, b)
    assert score < 80 and "different city (深圳 ≠ 广州)" in reasons


def test_shared_phone_links_names_in_two_languages() -> None:
    a = Features.from_values({"name": "华为技术有限公司", "phone": "0755-28780808"})
    b = Features.from_values({"name": "Huawei Technologies Co., Ltd.", "phone": "+86 755 2878 0808"})
    score, reasons = score_pair(a, b)
    assert score >= 85 and reasons[0] == "same phone"


def test_typo_still_matches_with_a_percentage_reason() -> None:
    a = Features.from_values({"name": "深圳市明达电子科技有限公司"})
    b = Features.from_values({"name": "深圳市明达电于科技有限公司"})
    score, reasons = score_pair(a, b)
    assert score >= 80 and reasons == ["name 85% after normalising"]


def test_different_credit_codes_mean_different_companies() -> None:
    a = Features.from_values({"name": "明达电子科技", "credit_code": "91350100M000100Y43"})
    b = Features.from_values({"name": "明达电子科技", "credit_code": "91110108MA01KPGP6N"})
    assert score_pair(a, b)[0] < 80


def test_address_lifts_a_partly_similar_name() -> None:
    a = Features.from_values({"name": "Acme Widgets", "address": "12 King Road"})
    b = Features.from_values({"name": "Acme Widget Works", "address": "12 King Rd."})
    score, reasons = score_pair(a, b)
    assert score >= 80 and "same address" in reasons


def test_traditional_lookup_without_the_set_agrees_with_the_set_on_every_dictionary_character() -> None:
    chars = normalize._traditional_chars()
    candidates = set(normalize._ts_dictionary()) | set("基准测试公司明達電子abc 1\t") | {"\U00020000", "\u3400"}
    assert len(chars) > 3000
    for char in candidates:
        assert normalize._listed_traditional(char) == (char in chars), repr(char)


def test_a_command_and_a_batch_simplify_the_same_way(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = ["深圳市明達電子科技有限公司", "明达电子", "臺灣積體電路", "ACME 貿易", "後", "后", ""]
    monkeypatch.setattr(normalize, "_LOOKUPS", [0])
    monkeypatch.setattr(normalize, "_LOOKUP_LIMIT", 10**9)
    fresh = functools.lru_cache(maxsize=1)(normalize._traditional_chars.__wrapped__)
    monkeypatch.setattr(normalize, "_traditional_chars", fresh)  # not built yet: the lookups answer
    looked_up = [normalize.to_simplified(t) for t in texts]
    assert fresh.cache_info().currsize == 0
    monkeypatch.setattr(normalize, "_LOOKUP_LIMIT", 0)
    assert [normalize.to_simplified(t) for t in texts] == looked_up
    assert looked_up[0] == "深圳市明达电子科技有限公司" and looked_up[2] == "台湾积体电路"


_ALPHABET = "明达深圳 a1Z9_-·.\t\u33ff\u3400\u4dbf\u4dc0\u4dff\u4e00\u9fff\ua000\uff10é  _（）"


def _random_texts(n: int = 3000) -> list[str]:
    import random

    rng = random.Random(20261127)
    return ["", " ", "明 达", " 明 达 ", "明  达"] + [
        "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(1, 12))) for _ in range(n)]


def test_the_cjk_checks_written_without_a_big_character_class_equal_the_regular_expressions() -> None:
    import re

    cjk = re.compile(r"[\u3400-\u9fff]")
    runs = re.compile(r"[\u3400-\u9fff]+|[a-z0-9]+")
    gap = re.compile(r"(?<=[\u3400-\u9fff]) (?=[\u3400-\u9fff])")
    punct = re.compile(r"[^\w\u3400-\u9fff]+|_")
    for text in _random_texts():
        assert normalize.has_cjk(text) == bool(cjk.search(text)), repr(text)
        assert normalize._drop_cjk_gaps(text) == gap.sub("", text), repr(text)
        assert normalize._PUNCT.sub(" ", text) == punct.sub(" ", text), repr(text)
        assert normalize._cjk_runs(text.lower()) == runs.findall(text.lower()), repr(text)


def test_the_punctuation_class_is_the_same_on_every_code_point() -> None:
    import re

    old, new = re.compile(r"[^\w\u3400-\u9fff]"), re.compile(r"[^\w\u4dc0-\u4dff]")
    text = "".join(map(chr, range(0x110000))).encode("utf-8", "surrogatepass").decode("utf-8", "surrogatepass")
    assert [m.start() for m in old.finditer(text)] == [m.start() for m in new.finditer(text)]


def test_name_runs_are_the_same_scanned_or_compiled(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [t.lower() for t in _random_texts(500)]
    monkeypatch.setattr(normalize, "_RUN_SCANS", [0])
    monkeypatch.setattr(normalize, "_RUN_SCAN_LIMIT", 10**9)
    scanned = [normalize._cjk_runs(t) for t in texts]
    monkeypatch.setattr(normalize, "_RUN_SCAN_LIMIT", 0)
    assert [normalize._cjk_runs(t) for t in texts] == scanned


def test_region_and_bracket_patterns_are_skipped_only_where_they_cannot_match() -> None:
    import random

    rng = random.Random(7)
    pieces = [*normalize._REGION_NAMES[:60], "中国", "中", "省", "市", "自治区", "（深圳）", "(", "【", "】", ")", "明达", "a", " "]
    texts = _random_texts(2000) + ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 5))) for _ in range(3000)]
    for text in texts:
        if text[:1] not in normalize._REGION_STARTS:
            assert normalize._region_prefix().match(text) is None, repr(text)
        if not any(b in text for b in normalize._OPENING_BRACKETS):
            assert normalize._brackets().search(text) is None, repr(text)
    assert normalize.name_parts("广东省深圳市（南山）明达电子有限公司") == normalize.NameParts("南山明达电子", "深圳", "有限公司")
