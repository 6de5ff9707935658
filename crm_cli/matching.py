"""Scoring two customers as possible duplicates, with the reasons that explain the score.

Evidence, strongest first:

- the same credit code (统一社会信用代码) → 99; two *different* valid credit codes → different legal entities;
- the same phone (E.164) or the same e-mail → at least 90 even when the names differ (华为技术 vs Huawei
  Technologies): people do not share a switchboard number by accident;
- the name after normalising (city, legal form, punctuation, script removed, see crm_cli.normalize): the
  distinctive core is compared, so 深圳市明达电子科技有限公司 = 明达电子科技（深圳）有限公司 (100) while
  明达电子科技 vs 明达机械设备 only share the brand (33);
- the same non-free e-mail domain, or the same address, lift a partly similar name;
- a different city named in both names, or clearly different addresses, lower a name-only match (in China the
  same name may be registered once per city: 广州市明达电子 and 深圳市明达电子 are different companies).

``score_pair`` is pure Python on precomputed ``Features``; the batch search (crm_cli.dedupe) pre-filters pairs
with rapidfuzz on whole blocks first and calls it only for the survivors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from crm_cli import normalize

DEFAULT_MIN_SCORE = 80
_NUMBERS = re.compile(r"\d+")
_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True, slots=True)
class Features:
    core: str
    city: str | None = None
    phones: tuple[str, ...] = ()
    email: str | None = None
    domain: str | None = None
    credit: str | None = None
    address: str | None = None

    @classmethod
    def from_values(cls, values: dict[str, Any], *, phone_region: str = "CN") -> Features:
        """From raw customer fields (name, phone, email, credit_code, address, region)."""
        parts = normalize.name_parts(values.get("name"))
        email = normalize.email_key(values.get("email"))
        city = parts.city or _region(values.get("region"))
        return cls(
            core=parts.core, city=city, phones=tuple(normalize.phone_keys(values.get("phone"), phone_region)),
            email=email, domain=normalize.email_domain(email), credit=normalize.credit_key(values.get("credit_code")),
            address=normalize.address_key(values.get("address")),
        )

    @classmethod
    def from_keys(cls, name_key: str | None, city_key: str | None, phone_key: str | None, email_key: str | None,
                  credit_key: str | None, address_key: str | None) -> Features:
        """From the keys stored on a customer row (no normalising again)."""
        return cls(core=name_key or "", city=city_key, phones=(phone_key,) if phone_key else (), email=email_key,
                   domain=normalize.email_domain(email_key), credit=credit_key, address=address_key)


def _region(text: Any) -> str | None:
    if not text:
        return None
    folded = normalize.fold(str(text))
    return normalize._region_of(folded) or None


def name_similarity(a: str, b: str) -> int:
    """0–100 on name cores.

    Chinese cores are compared character by character (one wrong character in four or more still scores 85).
    Latin names are compared word by word: each word finds its best partner in the other name (typos allowed),
    and the two directions are blended (70% the better one), so a different distinctive word costs its share
    (Beacon Logistics vs Falcon Logistics: 50) while word order and extra words cost less (Acme Widgets vs Acme
    Widget Works: 86; Alcatel vs Alcatel Amsterdam: 85).
    """
    if not a or not b:
        return 0
    if a == b:
        return 100
    from rapidfuzz import fuzz
    from rapidfuzz.distance import Levenshtein

    if _CJK.search(a) or _CJK.search(b):
        score = fuzz.ratio(a, b)
        shorter, longer = sorted((a, b), key=len)
        if len(shorter) >= 3 and shorter in longer:
            score = max(score, 90 if len(shorter) >= 4 else 85)
        elif len(shorter) >= 4 and Levenshtein.distance(a, b) == 1:
            score = max(score, 85)
        return int(round(score))
    return int(round(_words_similarity(a.split(), b.split())))


def _words_similarity(wa: list[str], wb: list[str]) -> float:
    if "".join(wa) == "".join(wb):
        return 98.0  # "gist brocades" vs "gistbrocades"
    ab, ba = _cover(wa, wb), _cover(wb, wa)
    return 100 * (0.7 * max(ab, ba) + 0.3 * min(ab, ba))


def _cover(xs: list[str], ys: list[str]) -> float:
    """Share of ``xs`` (weighted by √length) found in ``ys``, exactly or with a typo (word ratio ≥ 75)."""
    fuzz, process = _rapidfuzz()
    present = set(ys)
    total = weight = 0.0
    for x in xs:
        w = _WEIGHTS[len(x)] if len(x) < len(_WEIGHTS) else len(x) ** 0.5
        weight += w
        if x in present:
            total += w
        else:
            best = process.extractOne(x, ys, scorer=fuzz.ratio, score_cutoff=75)
            if best is not None:
                total += w * best[1] / 100
    return total / weight if weight else 0.0


_WEIGHTS = [n**0.5 for n in range(64)]
_RAPIDFUZZ: tuple[Any, Any] | None = None


def _rapidfuzz() -> tuple[Any, Any]:
    """rapidfuzz's fuzz and process, imported on first use (an import statement per call costs microseconds,
    and the batch search calls ``_cover`` hundreds of thousands of times)."""
    global _RAPIDFUZZ
    if _RAPIDFUZZ is None:
        from rapidfuzz import fuzz, process

        _RAPIDFUZZ = (fuzz, process)
    return _RAPIDFUZZ


def address_similarity(a: str | None, b: str | None) -> int | None:
    if not a or not b:
        return None
    if a == b:
        return 100
    from rapidfuzz import fuzz

    score = max(fuzz.ratio(a, b), fuzz.token_sort_ratio(a, b))
    if _numbers_differ(a, b):
        # 95 King Street is not 159 King Street: on the same street the number may be a typo (60, "different
        # house number"), on another street it is another place.
        street = fuzz.token_sort_ratio(_NUMBERS.sub(" ", a), _NUMBERS.sub(" ", b))
        score = 60 if street >= 85 else min(score, 30)
    return int(round(score))


def _numbers_differ(a: str, b: str) -> bool:
    numbers_a, numbers_b = set(_NUMBERS.findall(a)), set(_NUMBERS.findall(b))
    return bool(numbers_a and numbers_b) and not (numbers_a <= numbers_b or numbers_b <= numbers_a)


def _same_id(a: Features, b: Features) -> bool:
    return bool((a.credit and a.credit == b.credit) or (a.email and a.email == b.email))


def score_pair(a: Features, b: Features, name_score: int | None = None) -> tuple[int, list[str]]:
    """(score 0–100, reasons). ``name_score`` may be passed when already computed (batch pre-filter)."""
    reasons: list[str] = []
    ns = name_similarity(a.core, b.core) if name_score is None else name_score
    score = float(ns)
    if ns >= 100 and a.core == b.core:
        reasons.append("same name after normalising")
    elif ns >= 50:
        reasons.append(f"name {ns}% after normalising")
    strong = False
    if a.credit and b.credit:
        if a.credit == b.credit:
            score = max(score, 99)
            reasons.insert(0, "same credit code")
            strong = True
        else:
            return int(min(score, 40)), [*reasons, "different credit codes"]
    if a.phones and b.phones and not set(a.phones).isdisjoint(b.phones):
        score = max(score, 90 + ns / 10)
        reasons.insert(0, "same phone")
        strong = True
    if a.email and a.email == b.email:
        score = max(score, 92 + ns / 12)
        reasons.insert(0, "same e-mail")
        strong = True
    elif a.domain and a.domain == b.domain:
        score = max(score, ns + (100 - ns) * 0.6) if ns >= 50 else score + 15
        reasons.append("same e-mail domain")
    asim = address_similarity(a.address, b.address)
    if asim is not None and asim >= 90:
        reasons.append("same address")
        if ns >= 60:
            score = max(score, 80 + ns / 5)
    elif asim is not None and asim < 50 and not _same_id(a, b):
        # Same name, different address: a branch or another site, not the same customer. A shared phone is
        # then the head office's switchboard.
        score = min(score, 75)
        reasons.append("different address")
    elif asim is not None and not _same_id(a, b) and _numbers_differ(a.address, b.address):  # type: ignore[arg-type]
        score = min(score, 96) - 17 if strong else score - 8
        reasons.append("different house number")
    if not strong and a.city and b.city and a.city != b.city:
        score = min(score, 70)
        reasons.append(f"different city ({a.city} ≠ {b.city})")
    return int(round(min(score, 100))), reasons


# ------------------------------------------------------------------------------------- many pairs at once
# The batch search scores hundreds of thousands of pairs. The functions below give exactly what
# ``name_similarity``, ``address_similarity`` and ``score_pair`` give pair by pair (tests/test_dedupe_batch.py
# compares them on every pair of the labelled set), but compute each distinct pair of names or addresses once,
# let rapidfuzz's ``cpdist`` do the string work in C, and combine the evidence with numpy.


def cpdist_chunked(left: list[str], right: list[str], **kwargs: Any) -> Any:
    """``rapidfuzz.process.cpdist`` in slices: it prepares all its strings before scoring, which for millions of
    pairs costs hundreds of MB at once."""
    import numpy as np
    from rapidfuzz.process import cpdist

    step = 200_000
    if len(left) <= step:
        return cpdist(left, right, workers=-1, **kwargs)
    return np.concatenate([cpdist(left[k : k + step], right[k : k + step], workers=-1, **kwargs)
                           for k in range(0, len(left), step)])


def name_similarity_many(left: list[str], right: list[str]) -> Any:
    """``[name_similarity(a, b) for a, b in zip(left, right)]`` as a numpy int array."""
    import numpy as np
    from rapidfuzz import fuzz
    from rapidfuzz.distance import Levenshtein

    n = len(left)
    out = np.zeros(n, dtype=np.int64)
    cjk_idx: list[int] = []
    latin_idx: list[int] = []
    for k, (a, b) in enumerate(zip(left, right, strict=True)):
        if not a or not b:
            continue
        if a == b:
            out[k] = 100
        elif _CJK.search(a) or _CJK.search(b):
            cjk_idx.append(k)
        else:
            latin_idx.append(k)
    if latin_idx:
        out[np.asarray(latin_idx)] = _words_similarity_many([left[k] for k in latin_idx],
                                                            [right[k] for k in latin_idx])
    if cjk_idx:
        a_s = [left[k] for k in cjk_idx]
        b_s = [right[k] for k in cjk_idx]
        score = cpdist_chunked(a_s, b_s, scorer=fuzz.ratio, dtype=np.float64)
        distance = cpdist_chunked(a_s, b_s, scorer=Levenshtein.distance, score_cutoff=2, dtype=np.int32)
        bonus = np.zeros(len(cjk_idx), dtype=np.float64)
        for x, (a, b) in enumerate(zip(a_s, b_s, strict=True)):
            shorter, longer = (a, b) if len(a) <= len(b) else (b, a)
            if len(shorter) >= 3 and shorter in longer:
                bonus[x] = 90 if len(shorter) >= 4 else 85
            elif len(shorter) >= 4 and distance[x] == 1:
                bonus[x] = 85
        out[np.asarray(cjk_idx)] = np.rint(np.maximum(score, bonus)).astype(np.int64)
    return out


def _words_similarity_many(left: list[str], right: list[str]) -> Any:
    """``round(_words_similarity(a.split(), b.split()))`` for each pair of different Latin names, as numpy: every
    word of one name looks for itself, or its best partner (ratio ≥ 75), among the words of the other; the shares
    are summed word by word in the same order as ``_cover`` (np.bincount adds in order), so the floats are equal."""
    import numpy as np
    from rapidfuzz import fuzz

    vocabulary: dict[str, int] = {}
    name_code: dict[str, int] = {}
    flat: list[int] = []
    starts: list[int] = []
    joined: list[str] = []
    for name in (*left, *right):
        if name not in name_code:
            name_code[name] = len(name_code)
            words = name.split()
            starts.append(len(flat))
            flat.extend(vocabulary.setdefault(w, len(vocabulary)) for w in words)
            joined.append("".join(words))
    words_flat = np.asarray(flat, dtype=np.int64)
    first = np.asarray(starts, dtype=np.int64)
    count = np.diff(np.append(first, len(flat)))
    texts = list(vocabulary)
    weight_of = np.asarray([_WEIGHTS[len(w)] if len(w) < len(_WEIGHTS) else len(w) ** 0.5 for w in texts])
    ia = np.asarray([name_code[a] for a in left], dtype=np.int64)
    ib = np.asarray([name_code[b] for b in right], dtype=np.int64)
    # Covers: 2k is "words of left[k] found in right[k]", 2k + 1 the other way round.
    own = np.stack([ia, ib], axis=1).reshape(-1)
    other = np.stack([ib, ia], axis=1).reshape(-1)
    cover_of = np.repeat(np.arange(len(own)), count[own])  # one entry per word, in word order
    position = np.arange(len(cover_of)) - np.repeat(np.cumsum(count[own]) - count[own], count[own])
    word = words_flat[first[own][cover_of] + position]
    partners = count[other][cover_of]
    entry = np.repeat(np.arange(len(word)), partners)  # one per (word, word of the other name)
    offset = np.arange(len(entry)) - np.repeat(np.cumsum(partners) - partners, partners)
    partner = words_flat[first[other][cover_of][entry] + offset]
    x, y = word[entry], partner
    key, inverse = np.unique(x * len(texts) + y, return_inverse=True)
    ratio = cpdist_chunked([texts[k] for k in (key // len(texts)).tolist()],
                           [texts[k] for k in (key % len(texts)).tolist()], scorer=fuzz.ratio,
                           dtype=np.float64)[inverse.reshape(-1)]
    segments = np.cumsum(partners) - partners
    exact = np.logical_or.reduceat(x == y, segments)
    best = np.maximum.reduceat(np.where(ratio >= 75, ratio, 0.0), segments)
    w = weight_of[word]
    share = np.where(exact, w, np.where(best >= 75, w * best / 100, 0.0))
    total = np.bincount(cover_of, weights=share, minlength=len(own))
    weight = np.bincount(cover_of, weights=w, minlength=len(own))
    cover = np.divide(total, weight, out=np.zeros_like(total), where=weight > 0).reshape(-1, 2)
    high, low = cover.max(axis=1), cover.min(axis=1)
    score = np.rint(100 * (0.7 * high + 0.3 * low)).astype(np.int64)
    same_letters = np.fromiter((joined[a] == joined[b] for a, b in zip(ia.tolist(), ib.tolist(), strict=True)),
                               dtype=bool, count=len(ia))
    return np.where(same_letters, 98, score)


def address_similarity_many(left: list[str], right: list[str]) -> tuple[Any, Any]:
    """(``address_similarity`` of each pair of non-empty addresses, whether their house numbers differ) as numpy
    arrays; ``_numbers_differ`` is what ``score_pair`` asks next, so it is computed here once. Each distinct
    address is prepared once: its numbers, its words sorted (token_sort_ratio is ratio on those) and its street
    (numbers removed, words sorted)."""
    import numpy as np
    from rapidfuzz import fuzz

    n = len(left)
    index: dict[str, int] = {}
    ia = np.fromiter((index.setdefault(a, len(index)) for a in left), dtype=np.int64, count=n)
    ib = np.fromiter((index.setdefault(b, len(index)) for b in right), dtype=np.int64, count=n)
    texts = list(index)
    numbers = [frozenset(_NUMBERS.findall(t)) for t in texts]
    number_code: dict[frozenset[str], int] = {}
    # One number: its code; none: -1; several: -2 (compared as sets below).
    single = np.fromiter((-1 if not ns else number_code.setdefault(ns, len(number_code)) if len(ns) == 1 else -2
                          for ns in numbers), dtype=np.int64, count=len(texts))  # fmt: skip
    sa, sb = single[ia], single[ib]
    differ = (sa >= 0) & (sb >= 0) & (sa != sb)
    for k in np.nonzero(((sa == -2) & (sb != -1)) | ((sb == -2) & (sa != -1)))[0].tolist():
        na, nb = numbers[ia[k]], numbers[ib[k]]
        differ[k] = not (na <= nb or nb <= na)
    out = np.full(n, 100, dtype=np.int64)
    todo = np.nonzero(ia != ib)[0]
    if len(todo):
        a, b = ia[todo].tolist(), ib[todo].tolist()
        words = [" ".join(sorted(t.split())) for t in texts]
        score = np.maximum(
            cpdist_chunked([texts[x] for x in a], [texts[x] for x in b], scorer=fuzz.ratio, dtype=np.float64),
            cpdist_chunked([words[x] for x in a], [words[x] for x in b], scorer=fuzz.ratio, dtype=np.float64))
        pick = np.nonzero(differ[todo])[0]
        if len(pick):
            streets = [" ".join(sorted(_NUMBERS.sub(" ", t).split())) for t in texts]
            chosen = pick.tolist()
            street = cpdist_chunked([streets[a[x]] for x in chosen], [streets[b[x]] for x in chosen], scorer=fuzz.ratio,
                            dtype=np.float64)
            score[pick] = np.where(street >= 85, 60.0, np.minimum(score[pick], 30.0))
        out[todo] = np.rint(score).astype(np.int64)
    return out, differ


def _codes(values: list[str | None]) -> Any:
    """Small integers for equal values (-1 for none), so that equality tests run in numpy."""
    import numpy as np

    seen: dict[str, int] = {}
    return np.fromiter((-1 if not v else seen.setdefault(v, len(seen)) for v in values), dtype=np.int64,
                       count=len(values))


class FeatureColumns:
    """The ``Features`` of many stored rows, column by column (rows carry name_key, city_key, phone_key,
    email_key, credit_key and address_key, as ``Features.from_keys`` reads them)."""

    def __init__(self, rows: list[Any]) -> None:
        self.cores = [r.name_key or "" for r in rows]
        self.cities = [r.city_key for r in rows]
        self.addresses = [r.address_key or "" for r in rows]
        self.name = _codes(self.cores)
        self.city = _codes(self.cities)
        self.phone = _codes([r.phone_key for r in rows])
        self.email = _codes([r.email_key for r in rows])
        self.domain = _codes([normalize.email_domain(r.email_key) for r in rows])
        self.credit = _codes([r.credit_key for r in rows])
        self.address = _codes(self.addresses)

    def _per_distinct(self, codes: Any, ii: Any, jj: Any) -> tuple[Any, Any]:
        """The distinct (code_i, code_j) pairs (codes may be -1), and for each pair its index among them."""
        import numpy as np

        width = int(codes.max(initial=0)) + 2
        key, inverse = np.unique((codes[ii] + 1) * width + codes[jj] + 1, return_inverse=True)
        return np.stack([key // width - 1, key % width - 1]), inverse.reshape(-1)


def _by_code(strings: list[str], codes: Any) -> list[str]:
    """The string of each code (``_codes`` numbers the distinct values 0, 1, 2…)."""
    out = [""] * (int(codes.max(initial=-1)) + 1)
    for text, code in zip(strings, codes.tolist(), strict=True):
        if code >= 0:
            out[code] = text
    return out


def score_many(cols: FeatureColumns, ii: Any, jj: Any, threshold: int) -> tuple[Any, Any, list[list[str]]]:
    """``score_pair`` of rows ``ii[k]`` and ``jj[k]`` for every k: (positions k scoring at least ``threshold``,
    their scores, their reasons). Same results as calling ``score_pair`` on each pair."""
    import numpy as np

    empty = np.zeros(0, dtype=np.int64)
    if len(ii) == 0:
        return empty, empty, []
    ii, jj = np.asarray(ii, dtype=np.int64), np.asarray(jj, dtype=np.int64)

    def same(codes: Any) -> Any:
        a, b = codes[ii], codes[jj]
        return (a >= 0) & (a == b)

    names = [*_by_code(cols.cores, cols.name), ""]  # code -1 (no name) reads the last one
    (na, nb), inverse = cols._per_distinct(cols.name, ii, jj)
    ns = name_similarity_many([names[x] for x in na.tolist()], [names[x] for x in nb.tolist()])[inverse]
    nsf = ns.astype(np.float64)
    score = nsf.copy()
    same_name = (ns >= 100) & (cols.name[ii] == cols.name[jj])
    credit_a, credit_b = cols.credit[ii], cols.credit[jj]
    credit_diff = (credit_a >= 0) & (credit_b >= 0) & (credit_a != credit_b)
    credit_same = same(cols.credit)
    score = np.where(credit_same, np.maximum(score, 99.0), score)
    phone_same = same(cols.phone)
    score = np.where(phone_same, np.maximum(score, 90 + nsf / 10), score)
    email_same = same(cols.email)
    score = np.where(email_same, np.maximum(score, 92 + nsf / 12), score)
    strong = credit_same | phone_same | email_same
    domain_same = ~email_same & same(cols.domain)
    lifted = np.where(ns >= 50, np.maximum(score, nsf + (100 - nsf) * 0.6), score + 15)
    score = np.where(domain_same, lifted, score)
    # Addresses: 0 none, 1 same, 2 different, 3 different house number.
    address_kind = np.zeros(len(ii), dtype=np.int64)
    both = np.nonzero((cols.address[ii] >= 0) & (cols.address[jj] >= 0))[0]
    if len(both):
        addresses = _by_code(cols.addresses, cols.address)
        (aa, ab), inverse = cols._per_distinct(cols.address, ii[both], jj[both])
        similarity, differ = address_similarity_many([addresses[x] for x in aa.tolist()],
                                                     [addresses[x] for x in ab.tolist()])
        asim, differ = similarity[inverse], differ[inverse]
        same_id = credit_same[both] | email_same[both]
        kind = np.where(asim >= 90, 1, np.where((asim < 50) & ~same_id, 2,
                                                np.where(~same_id & differ, 3, 0)))
        address_kind[both] = kind
        s, st, nsb = score[both], strong[both], nsf[both]
        s = np.where((kind == 1) & (nsb >= 60), np.maximum(s, 80 + nsb / 5), s)
        s = np.where(kind == 2, np.minimum(s, 75.0), s)
        s = np.where(kind == 3, np.where(st, np.minimum(s, 96.0) - 17, s - 8), s)
        score[both] = s
    city_a, city_b = cols.city[ii], cols.city[jj]
    city_diff = ~strong & (city_a >= 0) & (city_b >= 0) & (city_a != city_b)
    score = np.where(city_diff, np.minimum(score, 70.0), score)
    final = np.where(credit_diff, np.minimum(ns, 40), np.rint(np.minimum(score, 100.0)).astype(np.int64))
    keep = np.nonzero(final >= threshold)[0]
    # Reasons depend on a few flags only: build each distinct combination once. Packed into one integer: the
    # cities (code + 1, when they differ and count) above 16 bits of name score and flags.
    cities_n = int(cols.city.max(initial=-1)) + 2
    flags = (ns + (same_name << 7) + (credit_diff << 8) + (credit_same << 9) + (phone_same << 10)
             + (email_same << 11) + (domain_same << 12) + (address_kind << 13))
    city_pair = np.where(city_diff, (city_a + 1) * cities_n + city_b + 1, 0)
    distinct, inverse = np.unique((city_pair[keep] << 16) + flags[keep], return_inverse=True)
    cities = _by_code([c or "" for c in cols.cities], cols.city)
    built = []
    for packed in distinct.tolist():
        pair, bits = divmod(packed, 1 << 16)
        row = [bits & 127, *((bits >> shift) & 1 for shift in range(7, 13)), bits >> 13,
               pair // cities_n - 1, pair % cities_n - 1]
        built.append(tuple(_reasons(row, cities)))
    reasons = [list(built[x]) for x in inverse.reshape(-1).tolist()]
    return keep, final[keep], reasons


def _reasons(row: list[int], cities: list[str]) -> list[str]:
    """The reasons ``score_pair`` gives, from the flags ``score_many`` computed (in the same order)."""
    ns, same_name, credit_diff, credit_same, phone, email, domain, address, city_a, city_b = row
    reasons: list[str] = []
    if same_name:
        reasons.append("same name after normalising")
    elif ns >= 50:
        reasons.append(f"name {ns}% after normalising")
    if credit_diff:
        return [*reasons, "different credit codes"]
    if credit_same:
        reasons.insert(0, "same credit code")
    if phone:
        reasons.insert(0, "same phone")
    if email:
        reasons.insert(0, "same e-mail")
    elif domain:
        reasons.append("same e-mail domain")
    if address:
        reasons.append({1: "same address", 2: "different address", 3: "different house number"}[address])
    if city_a >= 0:
        reasons.append(f"different city ({cities[city_a]} ≠ {cities[city_b]})")
    return reasons
