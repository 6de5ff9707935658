"""Duplicate detection: the keys and blocking tokens kept on every write, the entry-time check, the batch search.

- ``customer_keys(values)`` computes the normalised keys stored in indexed columns of ``customers``
  (name_key = the name's distinctive core, city_key, phone_key in E.164, email_key, credit_key, address_key).
- ``index_customer`` keeps the customer's document in the token index (crm_cli.db.tokens: name bigrams/words, phone,
  e-mail, domain, credit code, address) in step with it; ``rebuild_index`` rebuilds everything (after bulk loads).
- ``check_entry`` is the entry-time check behind ``customers.find_duplicates``: candidates come from the token index
  (rarest tokens first), then each is scored with crm_cli.matching.
- ``find_clusters`` searches the whole database: blocking on tokens, a vectorised rapidfuzz pre-filter over whole
  blocks, full scoring of the survivors only, then union-find clustering. It never compares every pair.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col
from sqlmodel import select as sm_select

from crm_cli import normalize, settings
from crm_cli.db import tokens as token_index
from crm_cli.db.models import Customer, User
from crm_cli.dedupe_keys import (  # noqa: F401  (the keys and tokens kept on every write, re-exported)
    KEY_COLUMNS,
    _tokens_of_row,
    customer_keys,
    index_customer,
    phone_region,
    term_token,
    token_term,
    token_terms,
    tokens_for,
)
from crm_cli.matching import (
    DEFAULT_MIN_SCORE,
    FeatureColumns,
    Features,
    cpdist_chunked,
    score_many,
    score_pair,
)

settings.register(  # (dedupe.phone_region is registered by crm_cli.dedupe_keys)
    settings.SettingSpec("dedupe.min_score", int, DEFAULT_MIN_SCORE,
                         "score (0–100) from which a customer counts as a likely duplicate", 1),
)  # fmt: skip

STRONG_BLOCK_MAX = 50  # a phone or domain shared by more customers than this is a placeholder, not evidence
NAME_BLOCK_MAX = 2000  # name tokens more frequent than this are too common to block on
ENTRY_TOKEN_MAX = 5000  # the entry check ignores tokens this frequent when rarer ones exist
ENTRY_CANDIDATES = 200

_NUMBERS = re.compile(r"\d+")

def min_score_setting(session: Session) -> int:
    return int(settings.get_setting(session, "dedupe.min_score"))


def rebuild_keys_and_index(conn: Any, *, recompute_keys: bool = True, index: bool = True,
                           chunk: int = 50000) -> int:
    """Recompute every customer's keys (optional) and rebuild the token index from them (optional), in bulk,
    ``chunk`` customers at a time (a million rows at once held 1.3 GiB). Returns the customer count. Tokens come
    from the stored keys as ``index_ids`` makes them (every phone of the phone column), for every customer, deleted
    ones too (a soft-deleted customer keeps its document)."""
    from sqlalchemy import bindparam, update

    region = phone_region(Session(bind=conn))
    table = Customer.__table__  # type: ignore[attr-defined]
    columns = [table.c.id, table.c.phone, *[table.c[k] for k in KEY_COLUMNS]]
    if recompute_keys:
        columns += [table.c.name, table.c.region, table.c.email, table.c.credit_code, table.c.address]
    set_keys = update(table).where(table.c.id == bindparam("_id")).values(**{k: bindparam(k) for k in KEY_COLUMNS})
    if index:
        token_index.recreate(conn)
    count, last = 0, 0
    while rows := conn.execute(select(*columns).where(table.c.id > last).order_by(table.c.id).limit(chunk)).all():
        count, last = count + len(rows), rows[-1].id
        if recompute_keys:
            updates = [{"_id": row.id, **customer_keys(row._asdict(), phone_region=region)} for row in rows]
            conn.execute(set_keys, updates)
            rows = [_Keys(u["_id"], row.phone, *(u[k] for k in KEY_COLUMNS)) for u, row in zip(updates, rows, strict=True)]
        if index:
            token_index.insert_docs(conn, [(row.id, terms) for row in rows
                                           if (terms := token_terms(_tokens_of_row(row, region)))])
    return count


@dataclass
class _Keys:
    """A customer's phone and freshly computed keys, in the shape ``_tokens_of_row`` reads."""

    id: int
    phone: str | None
    name_key: str | None
    city_key: str | None
    phone_key: str | None
    email_key: str | None
    credit_key: str | None
    address_key: str | None


def index_ids(session: Session, ids: Any, *, chunk: int = 5000) -> int:
    """Replace the token documents of the given customers in bulk, from their stored keys: for bulk writes (the
    importer, its undo) that bypass add/edit. Returns how many tokens were written."""
    wanted = sorted({int(i) for i in ids})
    if not wanted:
        return 0
    region = phone_region(session)
    table = Customer.__table__  # type: ignore[attr-defined]
    conn = session.connection()
    written = 0
    for start in range(0, len(wanted), chunk):
        part = wanted[start : start + chunk]
        token_index.delete_docs(conn, part)
        rows = conn.execute(select(table.c.id, table.c.phone, *[table.c[k] for k in KEY_COLUMNS])
                            .where(table.c.id.in_(part), table.c.deleted_at.is_(None))).all()
        docs = []
        for row in rows:
            tokens = _tokens_of_row(row, region)
            if tokens:
                docs.append((row.id, token_terms(tokens)))
                written += len(tokens)
        token_index.insert_docs(conn, docs)
    return written


def rebuild_index(session: Session, *, recompute_keys: bool = True) -> int:
    """Rebuild keys and tokens of all customers (after a bulk load that bypassed add_customer)."""
    return rebuild_keys_and_index(session.connection(), recompute_keys=recompute_keys)


# ------------------------------------------------------------------------------------------- entry-time check


@dataclass
class Candidate:
    customer: Customer
    score: int
    reasons: list[str]


def check_entry(session: Session, values: dict[str, Any], *, exclude_id: int | None = None,
                min_score: int | None = None, limit: int = 10) -> list[Candidate]:
    """Existing live customers (all of them, whoever owns them) that look like ``values``, best first."""
    region = phone_region(session)
    feats = Features.from_values(values, phone_region=region)
    threshold = min_score_setting(session) if min_score is None else min_score
    tokens = tokens_for(feats.core, feats.phones, feats.email, feats.credit, feats.address)
    if not tokens:
        return []
    ids = _candidate_ids(session, tokens)
    ids.discard(exclude_id)  # type: ignore[arg-type]
    if not ids:
        return []
    table = Customer.__table__  # type: ignore[attr-defined]
    rows = session.connection().execute(
        select(table.c.id, table.c.phone, *[table.c[k] for k in KEY_COLUMNS])
        .where(table.c.id.in_(ids), table.c.deleted_at.is_(None))).all()
    scored: list[tuple[int, int, list[str]]] = []
    for row in rows:
        other = Features.from_keys(row.name_key, row.city_key, row.phone_key, row.email_key, row.credit_key,
                                   row.address_key)
        if feats.phones and row.phone and not set(feats.phones) & set(other.phones) \
                and len(normalize.split_phones(row.phone)) > 1:  # the stored key holds only the first phone
            other = Features(other.core, other.city, tuple(normalize.phone_keys(row.phone, region)),
                             other.email, other.domain, other.credit, other.address)
        score, reasons = score_pair(feats, other)
        if score >= threshold:
            scored.append((row.id, score, reasons))
    scored.sort(key=lambda t: (-t[1], t[0]))
    scored = scored[:limit]
    if not scored:
        return []
    found = {c.id: c for c in session.exec(sm_select(Customer).where(col(Customer.id).in_([t[0] for t in scored])))}
    out = [Candidate(found[i], score, reasons) for i, score, reasons in scored]
    return out


def _candidate_ids(session: Session, tokens: list[str]) -> set[int]:
    """Customers sharing the most (rarest) tokens with the new record; strong tokens always count."""
    conn = session.connection()
    terms = {t: token_term(t) for t in tokens}
    found = token_index.frequencies(conn, list(terms.values()))
    freq = {t: found.get(terms[t], 0) for t in tokens}
    strong = [t for t in tokens if not t.startswith("n:") and 0 < freq[t] <= STRONG_BLOCK_MAX * 20]
    names = sorted((t for t in tokens if t.startswith("n:") and freq[t]), key=lambda t: freq[t])
    usable = [t for t in names if freq[t] <= ENTRY_TOKEN_MAX] or names[:1]
    chosen = strong + usable
    if not chosen:
        return set()
    ids = {i for i, _ in token_index.sharing_most(conn, [terms[t] for t in chosen], ENTRY_CANDIDATES)}
    if strong:  # every customer sharing a phone/e-mail/credit code, even beyond the candidate limit
        ids.update(token_index.sharing_any(conn, [terms[t] for t in strong], 1000))
    return ids


# ---------------------------------------------------------------------------------------------- batch search


@dataclass
class Pair:
    a: int
    b: int
    score: int
    reasons: list[str]


@dataclass
class Cluster:
    customers: list[int]
    pairs: list[Pair] = field(default_factory=list)

    @property
    def best(self) -> int:
        return max((p.score for p in self.pairs), default=0)


@dataclass
class SearchStats:
    customers: int = 0
    candidate_pairs: int = 0
    scored_pairs: int = 0
    matched_pairs: int = 0


def find_clusters(session: Session, *, user: User | None = None, min_score: int | None = None,
                  owners: list[str] | None = None, stats: SearchStats | None = None) -> list[Cluster]:
    """Clusters of likely duplicates among the live customers ``user`` may see (all when ``user`` is None).

    ``owners``: keep only clusters with at least one customer owned by one of these ("me", a user name, "pool").
    """
    from crm_cli.access import visible_clause

    threshold = min_score_setting(session) if min_score is None else min_score
    table = Customer.__table__  # type: ignore[attr-defined]
    stmt = select(table.c.id, *[table.c[k] for k in KEY_COLUMNS]).where(
        table.c.deleted_at.is_(None))
    if user is not None:
        stmt = stmt.where(visible_clause(user))
    rows = session.connection().execute(stmt.order_by(table.c.id)).all()
    stats = stats if stats is not None else SearchStats()
    stats.customers = len(rows)
    pairs = score_rows(rows, threshold, stats)
    clusters = cluster_pairs(pairs)
    if owners:
        wanted = _owner_ids(session, owners, user)
        owner_of = _owners_of(session, [i for c in clusters for i in c.customers])
        clusters = [c for c in clusters if any(owner_of.get(i) in wanted for i in c.customers)]
    return clusters


def _owners_of(session: Session, ids: list[int]) -> dict[int, int | None]:
    """The owner (None: the pool) of each of these customers, read from ``customer_owners`` by primary key."""
    from crm_cli.access import OWNERS

    out: dict[int, int | None] = {}
    for n in range(0, len(ids), 500):
        chunk = ids[n:n + 500]
        stmt = select(OWNERS.c.customer_id, OWNERS.c.owner_id).where(OWNERS.c.customer_id.in_(chunk))
        out.update({int(cid): owner for cid, owner in session.connection().execute(stmt)})
    return out


def _owner_ids(session: Session, owners: list[str], user: User | None) -> set[int | None]:
    from crm_cli.users import get_user

    out: set[int | None] = set()
    for name in owners:
        for part in name.split(","):
            part = part.strip()
            if not part:
                continue
            if part == "me":
                out.add(user.id if user else None)
            elif part in ("pool", "公海"):
                out.add(None)
            else:
                out.add(get_user(session, part).id)
    return out


def _codes(values: list[str | None]) -> Any:
    """Small integers for equal keys (-1 for none), so that equality tests run in numpy."""
    import numpy as np

    seen: dict[str, int] = {}
    return np.fromiter((-1 if not v else seen.setdefault(v, len(seen)) for v in values), dtype=np.int32,
                       count=len(values))


class _Pruner:
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
        # Per distinct address (self.address codes): the text, its words sorted (token_sort_ratio is ratio on
        # those), the house number when it is alone, and the street (numbers removed) with its words sorted.
        texts = [""] * (int(self.address.max(initial=-1)) + 1)
        for r, code in zip(rows, self.address.tolist(), strict=True):
            if code >= 0:
                texts[code] = r.address_key
        self.addresses = texts
        self.sorted_words = [" ".join(sorted(a.split())) for a in texts]
        numbers = [_NUMBERS.findall(a) for a in texts]
        self.number = _codes([n[0] if len(n) == 1 else None for n in numbers])
        self.streets = [" ".join(sorted(_NUMBERS.sub(" ", a).split())) for a in texts]

    def __call__(self, ii: Any, jj: Any, name: Any, *, addresses: bool = False) -> Any:
        """A boolean mask of the pairs worth scoring exactly."""

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
                keep[idx[self.address_bound(self.address[ii[idx]], self.address[jj[idx]]) < 50]] = False
        return keep

    def address_bound(self, codes_a: Any, codes_b: Any) -> Any:
        """max(ratio, token_sort_ratio) of two addresses (rounded as rapidfuzz rounds to uint8), and for another
        house number on another street at most 30 (matching.address_similarity), once per distinct pair."""
        from rapidfuzz import fuzz

        np = self.np
        width = len(self.addresses)
        key, inverse = np.unique(codes_a.astype(np.int64) * width + codes_b, return_inverse=True)
        a, b = (key // width).tolist(), (key % width).tolist()
        best = np.maximum(
            cpdist_chunked([self.addresses[x] for x in a], [self.addresses[x] for x in b], scorer=fuzz.ratio,
                   dtype=np.uint8),
            cpdist_chunked([self.sorted_words[x] for x in a], [self.sorted_words[x] for x in b], scorer=fuzz.ratio,
                   dtype=np.uint8))  # fmt: skip
        na, nb = self.number[key // width], self.number[key % width]
        other = np.nonzero((na >= 0) & (nb >= 0) & (na != nb))[0]
        if len(other):
            pick = other.tolist()
            street = cpdist_chunked([self.streets[a[x]] for x in pick], [self.streets[b[x]] for x in pick],
                            scorer=fuzz.ratio, dtype=np.uint8)
            best[other] = np.where(street >= 85, 60, np.minimum(best[other], 30))
        return best[inverse.reshape(-1)]


def _sorted_unique(values: Any) -> Any:
    """``np.unique(values)`` by an in-place sort (numpy 2's hashing ``unique`` was several times slower here)."""
    import numpy as np

    values.sort()
    return values[np.concatenate(([True], values[1:] != values[:-1]))] if len(values) else values


def candidate_pairs(rows: list[Any], cutoff: int, threshold: int = DEFAULT_MIN_SCORE) -> tuple[Any, Any, Any]:
    """Candidate pairs (index arrays i < j and a name pre-score) from blocking. Rows need the KEY_COLUMNS.

    Customers with the same name core have the same name tokens and the same name score against anyone, so the
    name blocks are built and pre-scored over the distinct cores, and only the pairs of cores that pass are
    expanded to pairs of customers (in chunks, each pruned at once)."""
    import numpy as np
    from rapidfuzz import fuzz
    from rapidfuzz.process import cdist

    n = len(rows)
    code_of: dict[str, int] = {}
    core_of = np.fromiter((code_of.setdefault(r.name_key or "", len(code_of)) for r in rows), dtype=np.int64,
                          count=n)
    cores = list(code_of)
    # Pre-filter on plain ratio (fast, bit-parallel) of names with their words sorted; Latin names get a lower
    # cut-off because a contained name (Alcatel / Alcatel Amsterdam V) scores low on ratio but high in matching.
    keys = [" ".join(sorted(c.split())) if " " in c else c for c in cores]
    size = np.bincount(core_of, minlength=len(cores)).astype(np.int64)
    sizes = size.tolist()
    by_core = np.argsort(core_of, kind="stable")
    first = np.zeros(len(cores) + 1, dtype=np.int64)
    first[1:] = np.cumsum(size)
    latin_cutoff = max(cutoff - 15, 20)
    prune = _Pruner(rows, threshold, latin_cutoff)
    strong: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        for key, value in (("t", r.phone_key), ("e", r.email_key), ("c", r.credit_key), ("a", r.address_key)):
            if value:
                strong[f"{key}:{value}"].append(i)
        if r.email_key:
            domain = normalize.email_domain(r.email_key)
            if domain:
                strong["d:" + domain].append(i)
    blocks: dict[str, list[int]] = defaultdict(list)  # name token → cores
    for c, core in enumerate(cores):
        for t in normalize.name_tokens(core):
            blocks[t].append(c)
    block_rows = {t: sum(sizes[c] for c in members) for t, members in blocks.items()}
    small_i: list[Any] = []
    small_j: list[Any] = []
    core_a: list[Any] = []
    core_b: list[Any] = []
    for members in strong.values():
        if 2 <= len(members) <= STRONG_BLOCK_MAX:
            arr = np.asarray(members)
            a, b = np.triu_indices(len(members), 1)
            small_i.append(arr[a])
            small_j.append(arr[b])
    covered = np.zeros(len(cores), dtype=bool)
    for token, members in blocks.items():
        k = block_rows[token]
        if k < 2:
            if k == 1:
                covered[members[0]] = True
            continue
        if k > NAME_BLOCK_MAX:
            continue
        covered[members] = True
        arr = np.asarray(members)
        if k <= 64:  # every pair of customers in the block, including those sharing a core (the diagonal)
            a, b = np.triu_indices(len(members))
        else:
            names = [keys[m] for m in members]
            cut = latin_cutoff if token.isascii() else cutoff
            scores = cdist(names, names, scorer=fuzz.ratio, score_cutoff=cut, dtype=np.uint8, workers=-1)
            a, b = np.nonzero(np.triu(scores))
        core_a.append(arr[a])
        core_b.append(arr[b])
    # Customers whose every name token is too common: compare them with the block of their rarest token.
    for c in np.nonzero(~covered)[0].tolist():
        toks = normalize.name_tokens(cores[c])
        if not toks:
            continue
        rarest = min(toks, key=lambda t: block_rows[t])
        members = np.asarray(blocks[rarest])
        cut = latin_cutoff if rarest.isascii() else cutoff
        scores = cdist([keys[c]], [keys[m] for m in members], scorer=fuzz.ratio, score_cutoff=cut,
                       dtype=np.uint8, workers=-1)[0]
        hit = np.nonzero(scores)[0]
        core_a.append(np.full(len(hit), c))
        core_b.append(members[hit])
    empty = np.zeros(0, dtype=np.int64)
    found: list[tuple[Any, Any, Any]] = []
    if core_a:
        ca, cb = np.concatenate(core_a).astype(np.int64), np.concatenate(core_b).astype(np.int64)
        width = len(cores)
        code = _sorted_unique(np.minimum(ca, cb) * width + np.maximum(ca, cb))
        del ca, cb
        lo, hi = code // width, code % width
        ratio = cpdist_chunked([keys[x] for x in lo.tolist()], [keys[x] for x in hi.tolist()], scorer=fuzz.ratio,
                               dtype=np.uint8)
        count = size[lo] * size[hi]  # a core with itself: both orders and the diagonal, dropped below
        ends = np.cumsum(count)
        begin = 0
        while begin < len(lo):
            stop = int(np.searchsorted(ends, ends[begin] - count[begin] + 1_000_000, side="right"))
            sel = np.arange(begin, max(stop, begin + 1))
            begin = int(sel[-1]) + 1
            cnt = count[sel]
            rep = np.repeat(sel, cnt)
            offset = np.arange(int(cnt.sum())) - np.repeat(np.cumsum(cnt) - cnt, cnt)
            width_b = size[hi[rep]]
            x, y = offset // width_b, offset % width_b
            ok = (lo[rep] != hi[rep]) | (x < y)
            a = by_core[first[lo[rep]] + x][ok]
            b = by_core[first[hi[rep]] + y][ok]
            score = ratio[rep][ok]
            keep = prune(a, b, score)
            found.append((a[keep], b[keep], score[keep]))
    si = np.concatenate(small_i) if small_i else empty
    sj = np.concatenate(small_j) if small_j else empty
    if len(si):
        lo, hi = np.minimum(si, sj), np.maximum(si, sj)
        code = _sorted_unique(lo.astype(np.int64) * n + hi)
        si, sj = code // n, code % n
        ss = cpdist_chunked([keys[x] for x in core_of[si].tolist()], [keys[x] for x in core_of[sj].tolist()],
                            scorer=fuzz.ratio, dtype=np.uint8)
        keep = prune(si, sj, ss)
        found.insert(0, (si[keep], sj[keep], ss[keep]))
    if not found:
        return empty, empty, np.zeros(0, dtype=np.uint8)
    codes = np.concatenate([np.minimum(a, b).astype(np.int64) * n + np.maximum(a, b) for a, b, _ in found])
    scores = np.concatenate([score for _, _, score in found])
    del found
    codes, first_seen = np.unique(codes, return_index=True)
    ii, jj, ss = codes // n, codes % n, scores[first_seen]
    del codes, scores, first_seen
    step = 1_000_000  # once per pair, after the blocks' duplicates are gone; in slices to bound the memory
    keep = np.concatenate([prune(ii[k : k + step], jj[k : k + step], ss[k : k + step], addresses=True)
                           for k in range(0, len(ii), step)])
    return ii[keep], jj[keep], ss[keep]


def score_rows(rows: list[Any], threshold: int, stats: SearchStats | None = None) -> list[Pair]:
    """All pairs of ``rows`` scoring at least ``threshold``, with reasons (``matching.score_pair``, computed for
    all candidate pairs at once by ``matching.score_many``)."""
    if len(rows) < 2:
        return []
    cutoff = max(threshold - 20, 30)
    ii, jj, _pre = candidate_pairs(rows, cutoff, threshold)
    keep, scores, reasons = score_many(FeatureColumns(rows), ii, jj, threshold)
    ids = [r.id for r in rows]
    out = [Pair(ids[i], ids[j], score, why) for i, j, score, why
           in zip(ii[keep].tolist(), jj[keep].tolist(), scores.tolist(), reasons, strict=True)]
    if stats is not None:
        stats.candidate_pairs = len(ii)
        stats.scored_pairs = len(ii)
        stats.matched_pairs = len(out)
    return out


def _shares_strong(a: Features, b: Features) -> bool:
    return bool((a.phones and a.phones == b.phones) or (a.email and a.email == b.email)
                or (a.credit and a.credit == b.credit) or (a.domain and a.domain == b.domain)
                or (a.address and a.address == b.address))


def cluster_pairs(pairs: list[Pair]) -> list[Cluster]:
    """Connected components of the matched pairs (union-find), biggest and surest first."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for p in pairs:
        ra, rb = find(p.a), find(p.b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, Cluster] = {}
    for p in pairs:
        root = find(p.a)
        groups.setdefault(root, Cluster([])).pairs.append(p)
    for root, cluster in groups.items():
        members = {root}
        for p in cluster.pairs:
            members.update((p.a, p.b))
        cluster.customers = sorted(members)
        cluster.pairs.sort(key=lambda p: (-p.score, p.a, p.b))
    return sorted(groups.values(), key=lambda c: (-c.best, c.customers[0]))
