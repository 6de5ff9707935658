"""Precision and recall of `crm dedupe` on the labelled set in tests/data (see make_dedupe_labelled.py)."""

from __future__ import annotations

import csv
import itertools
import json
from collections import defaultdict
from pathlib import Path

DATA = Path(__file__).parent / "data" / "dedupe_labelled.csv"


def test_dedupe_precision_and_recall_on_the_labelled_set(db, make_user, clock, cli) -> None:
    from crm_cli.customers import add_customer
    from crm_cli.users import get_user

    make_user()
    rows = list(csv.DictReader(DATA.open(encoding="utf-8")))
    assert len(rows) >= 300
    entity_of: dict[int, str] = {}
    with db.write() as session:
        boss = get_user(session, "boss")
        for row in rows:
            data = {k: row[k] for k in ("name", "phone", "email", "address") if row[k]}
            customer = add_customer(session, user=boss, clock=clock, data=data, force=True)
            entity_of[customer.id] = row["entity"]  # type: ignore[index]
    result = cli("dedupe", "--json")
    assert result.exit_code == 0, result.stderr
    found = set()
    for cluster in json.loads(result.stdout)["clusters"]:
        found.update(itertools.combinations(sorted(cluster["customers"]), 2))
    members = defaultdict(list)
    for cid, entity in entity_of.items():
        members[entity].append(cid)
    truth = {pair for ids in members.values() for pair in itertools.combinations(sorted(ids), 2)}
    true_positives = len(found & truth)
    precision = true_positives / len(found)
    recall = true_positives / len(truth)
    wrong = sorted(found - truth)[:5]
    assert precision >= 0.95, f"precision {precision:.3f}, e.g. {wrong}"
    assert recall >= 0.95, f"recall {recall:.3f}, missed e.g. {sorted(truth - found)[:5]}"
