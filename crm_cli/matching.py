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
    from rapidfuzz import fuzz, process

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
