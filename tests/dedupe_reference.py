"""The row-by-row blocking that `crm dedupe` used before it blocked distinct name cores (crm_cli/dedupe.py at
947fc12, unchanged but for names): tests/test_dedupe_batch.py checks that the fast blocking finds the same pairs."""
# ruff: noqa

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from crm_cli import normalize
from crm_cli.dedupe import NAME_BLOCK_MAX, STRONG_BLOCK_MAX
from crm_cli.matching import DEFAULT_MIN_SCORE

_NUMBERS = re.compile(r"\d+")


def _codes(values: list[str | None]) -> Any:
    import numpy as np

    seen: dict[str, int] = {}
    return np.fromiter((-1 if not v else seen.setdefault(v, len(seen)) for v in values), dtype=np.int32,
                       count=len(values))


class _OldPruner:
    """Vectorised upper bounds of ``matching.score_pair``: drops pairs that cannot reach the threshold (another
    city or another street without a shared identifier, a weak name without any shared key) before the exact,
    per-pair scoring. Every rule here mirrors a cap in ``score_pair``, and applies only when that cap is below
    the threshold."""

    def __init__(self, rows: list[Any], threshold: int, cutoff: int) -> None:
        import numpy as np

        self.np = np
        self.threshold, self.cutoff = threshold, cutoff
        self.phone = _codes([r.phone_key for r in rows])
        self.email = _codes([r.email_key for r in rows])
        self.credit = _codes([r.credit_key for r in rows])
        self.city = _codes([r.city_key for r in rows])
        self.address = _codes([r.address_key for r in rows])
        self.domain = _codes([normalize.email_domain(r.email_key) for r in rows])
        self.addresses = [r.address_key or "" for r in rows]
        numbers = [_NUMBERS.findall(a) for a in self.addresses]
        self.number = _codes([n[0] if len(n) == 1 else None for n in numbers])  # the house number, when alone
        self.streets = [_NUMBERS.sub(" ", a) for a in self.addresses]

    def __call__(self, ii: Any, jj: Any, name: Any, *, addresses: bool = False) -> Any:
        """A boolean mask of the pairs worth scoring exactly."""
        from rapidfuzz import fuzz
        from rapidfuzz.process import cpdist

        np = self.np

        def same(codes: Any) -> Any:
            a, b = codes[ii], codes[jj]
            return (a >= 0) & (a == b)

        same_id = same(self.email) | same(self.credit)
        strong = same_id | same(self.phone)
        shared = strong | same(self.domain) | same(self.address)
        keep = (name >= self.cutoff) | shared
        if self.threshold > 70:
            ca, cb = self.city[ii], self.city[jj]
            keep &= ~((ca >= 0) & (cb >= 0) & (ca != cb) & ~strong)
        if addresses and self.threshold > 75:
            both = keep & (self.address[ii] >= 0) & (self.address[jj] >= 0) & ~same_id & ~same(self.address)
            idx = np.nonzero(both)[0]
            if len(idx):
                left = [self.addresses[x] for x in ii[idx].tolist()]
                right = [self.addresses[x] for x in jj[idx].tolist()]
                best = np.maximum(cpdist(left, right, scorer=fuzz.ratio, dtype=np.uint8, workers=-1),
                                  cpdist(left, right, scorer=fuzz.token_sort_ratio, dtype=np.uint8, workers=-1))
                # matching.address_similarity: another house number on another street is another place.
                na, nb = self.number[ii[idx]], self.number[jj[idx]]
                other_number = np.nonzero((na >= 0) & (nb >= 0) & (na != nb))[0]
                if len(other_number):
                    pick = idx[other_number]
                    street = cpdist([self.streets[x] for x in ii[pick].tolist()],
                                    [self.streets[x] for x in jj[pick].tolist()],
                                    scorer=fuzz.token_sort_ratio, dtype=np.uint8, workers=-1)
                    best[other_number] = np.where(street >= 85, 60, np.minimum(best[other_number], 30))
                keep[idx[best < 50]] = False
        return keep


def reference_candidate_pairs(rows: list[Any], cutoff: int, threshold: int = DEFAULT_MIN_SCORE) -> tuple[Any, Any, Any]:
    """Candidate pairs (index arrays i < j and a name pre-score) from blocking. Rows need the KEY_COLUMNS."""
    import numpy as np
    from rapidfuzz import fuzz
    from rapidfuzz.process import cdist, cpdist

    n = len(rows)
    cores = [r.name_key or "" for r in rows]
    # Pre-filter on plain ratio (fast, bit-parallel) of names with their words sorted; Latin names get a lower
    # cut-off because a contained name (Alcatel / Alcatel Amsterdam V) scores low on ratio but high in matching.
    keys = [" ".join(sorted(c.split())) if " " in c else c for c in cores]
    latin_cutoff = max(cutoff - 15, 20)
    prune = _OldPruner(rows, threshold, latin_cutoff)
    strong: dict[str, list[int]] = defaultdict(list)
    blocks: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        for key, value in (("t", r.phone_key), ("e", r.email_key), ("c", r.credit_key), ("a", r.address_key)):
            if value:
                strong[f"{key}:{value}"].append(i)
        if r.email_key:
            domain = normalize.email_domain(r.email_key)
            if domain:
                strong["d:" + domain].append(i)
        for t in normalize.name_tokens(cores[i]):
            blocks[t].append(i)
    small_i: list[Any] = []
    small_j: list[Any] = []
    big_i: list[Any] = []
    big_j: list[Any] = []
    big_s: list[Any] = []
    tri_cache: dict[int, tuple[Any, Any]] = {}

    def tri(k: int) -> tuple[Any, Any]:
        if k not in tri_cache:
            tri_cache[k] = np.triu_indices(k, 1)
        return tri_cache[k]

    def add_big(a: Any, b: Any, score: Any) -> None:
        keep = prune(a, b, score)
        big_i.append(a[keep])
        big_j.append(b[keep])
        big_s.append(score[keep])

    for members in strong.values():
        if 2 <= len(members) <= STRONG_BLOCK_MAX:
            arr = np.asarray(members)
            a, b = tri(len(members))
            small_i.append(arr[a])
            small_j.append(arr[b])
    covered = np.zeros(n, dtype=bool)
    for token, members in blocks.items():
        k = len(members)
        if k < 2:
            if k == 1:
                covered[members[0]] = True
            continue
        if k > NAME_BLOCK_MAX:
            continue
        covered[members] = True
        arr = np.asarray(members)
        if k <= 64:
            a, b = tri(k)
            small_i.append(arr[a])
            small_j.append(arr[b])
        else:
            names = [keys[m] for m in members]
            cut = latin_cutoff if token.isascii() else cutoff
            scores = cdist(names, names, scorer=fuzz.ratio, score_cutoff=cut, dtype=np.uint8, workers=-1)
            a, b = np.nonzero(np.triu(scores, 1))
            add_big(arr[a], arr[b], scores[a, b])
    # Records whose every name token is too common: compare them with the block of their rarest token.
    for i in np.nonzero(~covered)[0].tolist():
        toks = normalize.name_tokens(cores[i])
        if not toks:
            continue
        rarest = min(toks, key=lambda t: len(blocks[t]))
        members = np.asarray(blocks[rarest])
        cut = latin_cutoff if rarest.isascii() else cutoff
        scores = cdist([keys[i]], [keys[m] for m in members], scorer=fuzz.ratio, score_cutoff=cut,
                       dtype=np.uint8, workers=-1)[0]
        hit = np.nonzero(scores)[0]
        add_big(np.full(len(hit), i), members[hit], scores[hit])
    empty = np.zeros(0, dtype=np.int64)
    si = np.concatenate(small_i) if small_i else empty
    sj = np.concatenate(small_j) if small_j else empty
    if len(si):
        lo, hi = np.minimum(si, sj), np.maximum(si, sj)
        code = np.unique(lo.astype(np.int64) * n + hi)
        si, sj = code // n, code % n
        ss = cpdist([keys[x] for x in si.tolist()], [keys[x] for x in sj.tolist()],
                    scorer=fuzz.ratio, dtype=np.uint8, workers=-1)
        keep = prune(si, sj, ss)
        si, sj, ss = si[keep], sj[keep], ss[keep]
    else:
        ss = np.zeros(0, dtype=np.uint8)
    bi = np.concatenate(big_i) if big_i else empty
    bj = np.concatenate(big_j) if big_j else empty
    bs = np.concatenate(big_s) if big_s else np.zeros(0, dtype=np.uint8)
    all_i = np.concatenate([si, bi]).astype(np.int64)
    all_j = np.concatenate([sj, bj]).astype(np.int64)
    all_s = np.concatenate([ss, bs])
    lo, hi = np.minimum(all_i, all_j), np.maximum(all_i, all_j)
    keep = lo != hi
    code, first = np.unique(lo[keep] * n + hi[keep], return_index=True)
    ii, jj, ss = code // n, code % n, all_s[keep][first]
    keep = prune(ii, jj, ss, addresses=True)  # once per pair, after the blocks' duplicates are gone
    return ii[keep], jj[keep], ss[keep]
