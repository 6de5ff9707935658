"""The batch search's fast paths give exactly what the pair-by-pair code gives."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from crm_cli.dedupe import customer_keys
from crm_cli.matching import (
    FeatureColumns,
    Features,
    address_similarity,
    address_similarity_many,
    name_similarity,
    name_similarity_many,
    score_many,
    score_pair,
)

DATA = Path(__file__).parent / "data" / "dedupe_labelled.csv"

TRICKY = [
    {"name": "深圳市明达电子科技有限公司", "credit_code": "91350100M000100Y43", "address": "科技园12号3层"},
    {"name": "明达电子科技", "credit_code": "91110108MA01KPGP6N", "address": "科技园12号5层"},
    {"name": "明达电子科技（广州）有限公司", "credit_code": "91350100M000100Y43"},
    {"name": "明达电子", "phone": "0755-28780808", "address": "科技园 15 号"},
    {"name": "明达电于科技", "phone": "0755-28780808", "email": "sales@mingda.cn"},
    {"name": "Mingda Electronics", "email": "sales@mingda.cn", "address": "12 King Road"},
    {"name": "Mingda Electronic Technology", "email": "info@mingda.cn", "address": "12 King Rd."},
    {"name": "Electronics Mingda", "email": "info@gmail.com", "address": "159 King Street"},
    {"name": "Mingda", "email": "x@gmail.com", "address": "95 King Street"},
    {"name": "Acme Widgets, Inc.", "address": "27 Washington St., Suite 5", "region": "上海"},
    {"name": "Acme Widget Works", "address": "27 washington street ste 7", "region": "北京"},
    {"name": "Widgets Acme", "address": "4 Other Avenue", "phone": "+1 312 555 0100"},
    {"name": "AcmeWidgets", "phone": "+1 312 555 0100", "address": "27 Washington Street Suite 5"},
    {"name": "Inc."},
    {"name": "华为技术有限公司", "phone": "0755-28780808"},
    {"name": "Huawei Technologies Co., Ltd.", "phone": "+86 755 2878 0808", "email": "a@huawei.com"},
    {"name": "Huawei", "email": "a@huawei.com", "credit_code": "91440300192203821C"},
    {"name": "华为", "credit_code": "91440300192203821C", "address": "坂田华为基地"},
    {"name": "广州市华为技术有限公司", "address": "坂田华为基地 1 号"},
]


def _rows() -> list[SimpleNamespace]:
    records = [{k: r[k] for k in ("name", "phone", "email", "address") if r[k]}
               for r in csv.DictReader(DATA.open(encoding="utf-8"))]
    return [SimpleNamespace(**customer_keys(values)) for values in [*records, *TRICKY]]


def _features(row: SimpleNamespace) -> Features:
    return Features.from_keys(row.name_key, row.city_key, row.phone_key, row.email_key, row.credit_key,
                              row.address_key)


def test_score_many_gives_score_pair_on_every_pair_of_the_labelled_set() -> None:
    rows = _rows()
    feats = [_features(r) for r in rows]
    pairs = list(itertools.combinations(range(len(rows)), 2))
    pairs += [(j, i) for i, j in pairs[::7]]  # both orders
    ii = np.array([p[0] for p in pairs])
    jj = np.array([p[1] for p in pairs])
    keep, scores, reasons = score_many(FeatureColumns(rows), ii, jj, threshold=-100)  # scores can go below 0
    assert keep.tolist() == list(range(len(pairs)))
    expected = [score_pair(feats[i], feats[j]) for i, j in pairs]
    assert [(int(s), r) for s, r in zip(scores.tolist(), reasons, strict=True)] == expected


def test_score_many_keeps_exactly_the_pairs_at_the_threshold() -> None:
    rows = _rows()
    feats = [_features(r) for r in rows]
    pairs = list(itertools.combinations(range(len(rows)), 2))
    keep, scores, _ = score_many(FeatureColumns(rows), np.array([p[0] for p in pairs]),
                                 np.array([p[1] for p in pairs]), threshold=80)
    expected = [k for k, (i, j) in enumerate(pairs) if score_pair(feats[i], feats[j])[0] >= 80]
    assert keep.tolist() == expected and min(scores.tolist()) >= 80


def test_name_and_address_similarity_many_match_the_single_versions() -> None:
    rows = _rows()
    names = sorted({r.name_key or "" for r in rows})
    addresses = sorted({r.address_key for r in rows if r.address_key})
    left, right = zip(*itertools.product(names, names[::3]), strict=True)
    assert name_similarity_many(list(left), list(right)).tolist() == [
        name_similarity(a, b) for a, b in zip(left, right, strict=True)]
    left, right = zip(*itertools.product(addresses, addresses), strict=True)
    similarity, _ = address_similarity_many(list(left), list(right))
    assert similarity.tolist() == [address_similarity(a, b) for a, b in zip(left, right, strict=True)]


def test_dedupe_json_writer_prints_what_json_dumps_prints() -> None:
    import io
    import json

    from crm_cli.commands.dedupe import write_json
    from crm_cli.dedupe import Cluster, Pair

    clusters = [
        Cluster([3, 7, 12], [Pair(3, 7, 100, ["same phone", "name 94% after normalising"]),
                             Pair(7, 12, 81, ['different city (深圳 ≠ 广州)', 'say "hi" \\ tab\t'])]),
        Cluster([1, 2], [Pair(1, 2, 80, [])]),
        Cluster([5], []),
        Cluster([], []),
    ]
    for data in (clusters, clusters[:1], []):
        out = io.StringIO()
        write_json(out, data)
        expected = json.dumps({"clusters": [
            {"customers": c.customers,
             "pairs": [{"a": p.a, "b": p.b, "score": p.score, "reasons": p.reasons} for p in c.pairs]}
            for c in data]}, ensure_ascii=False, indent=2) + "\n"  # fmt: skip
        assert out.getvalue() == expected


def _synthetic_rows(n: int, seed: int) -> list[SimpleNamespace]:
    """Many customers sharing few names (blocks above 64 and above NAME_BLOCK_MAX customers), cities, streets,
    e-mail domains and the odd shared phone: the shapes that the blocking treats differently."""
    import random

    rng = random.Random(seed)
    brands = ["明达", "明达电", "华信", "鼎盛", "金康", "远锦", "联方"]
    trades = ["电子科技", "机械设备", "贸易", "物流", "电于科技"]
    latin = ["harbor", "harbour", "nimbus", "orion", "redwood", "acme", "widgets", "trading", "robotics", "foods"]
    cities = ["深圳", "广州", "上海", None]
    streets = ["南山路", "北山路", "king road", "queen road"]
    rows = []
    for _ in range(n):
        if rng.random() < 0.6:
            name = (rng.choice(cities) or "") + "市" * rng.randint(0, 1) + rng.choice(brands) + rng.choice(trades) \
                + "有限公司"
        else:
            name = " ".join(rng.sample(latin, rng.randint(1, 3))) + rng.choice(["", " Inc.", " 47"])
        street = rng.choice(streets)
        number = str(rng.randint(1, 40))
        values = {
            "name": name if rng.random() > 0.01 else "有限公司",
            "phone": f"0755-{rng.randint(2800000, 2800400)}" if rng.random() < 0.5 else None,
            "email": f"info{rng.randint(1, 300)}@{rng.choice(['a.com', 'b.cn', 'qq.com'])}" if rng.random() < 0.4
            else None,
            "address": (f"{number} {street}" if street.isascii() else f"{street}{number}号") if rng.random() < 0.7
            else None,
            "region": rng.choice(cities),
        }  # fmt: skip
        rows.append(SimpleNamespace(**customer_keys(values)))
    return rows


@pytest.mark.parametrize("block_max", [2000, 150])  # 150: many names have only too common tokens
def test_blocking_on_distinct_cores_finds_the_pairs_of_row_by_row_blocking(monkeypatch, block_max: int) -> None:
    import dedupe_reference
    from dedupe_reference import reference_candidate_pairs

    from crm_cli import dedupe
    from crm_cli.dedupe import candidate_pairs

    monkeypatch.setattr(dedupe, "NAME_BLOCK_MAX", block_max)
    monkeypatch.setattr(dedupe_reference, "NAME_BLOCK_MAX", block_max)
    for n, seed, threshold in ((400, 1, 80), (2600, 2, 80), (2600, 3, 70), (900, 4, 90)):
        rows = _synthetic_rows(n, seed)
        cutoff = max(threshold - 20, 30)
        fast = candidate_pairs(rows, cutoff, threshold)
        slow = reference_candidate_pairs(rows, cutoff, threshold)
        assert len(fast[0]) > n  # a real workload, not an empty one
        for got, expected in zip(fast, slow, strict=True):
            assert got.tolist() == expected.tolist()


def test_latin_names_many_match_name_similarity_with_typos_repeats_and_joined_words() -> None:
    import random

    rng = random.Random(5)
    vocabulary = ["acme", "acne", "widgets", "widget", "works", "gist", "brocades", "gistbrocades", "alcatel",
                  "amsterdam", "v", "beacon", "falcon", "logistics", "logistic", "x", "intl", "holding", "holdings"]
    names = {"gist brocades", "gistbrocades", "acme acme widgets"}
    while len(names) < 160:
        words = rng.choices(vocabulary, k=rng.randint(1, 4))
        if rng.random() < 0.3:
            w = rng.randrange(len(words))
            i = rng.randrange(len(words[w]))
            words[w] = words[w][:i] + rng.choice("aeiouz") + words[w][i + 1:]
        names.add(" ".join(words))
    left, right = zip(*itertools.product(sorted(names), sorted(names)), strict=True)
    assert name_similarity_many(list(left), list(right)).tolist() == [
        name_similarity(a, b) for a, b in zip(left, right, strict=True)]
