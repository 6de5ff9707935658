"""Speed of duplicate detection on a big database: `crm dedupe` over all customers and the entry-time check.

    python bench/make_db.py 100000 --db bench/out/100k.db      # once
    python bench/dedupe_speed.py --db bench/out/100k.db [--queries 300]

Prints, for `crm dedupe --json` run as a real command in a child process: wall time, CPU time (user + sys of the
child) and peak memory (max RSS of the child, from getrusage(RUSAGE_CHILDREN)); the in-process search split into
loading, blocking, scoring and clustering (wall and CPU); and the latency of
``customers.find_duplicates`` (what add/edit/import call) for variants of existing names and for new names.
Targets (issue 4): dedupe over 100k ≤ 30 s wall and ≤ 1.5 GiB; entry check ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def cli_dedupe(db: Path) -> None:
    env = {**os.environ, "CRM_DB": str(db), "CRM_USER": "zhang.wei"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "crm_cli", "dedupe", "--json"], env=env, capture_output=True,
                         text=True, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    clusters = json.loads(out.stdout)["clusters"]
    pairs = sum(len(c["pairs"]) for c in clusters)
    print(f"crm dedupe --json: {wall:.1f} s wall, {cpu:.1f} s CPU, peak RSS {after.ru_maxrss / 1024:.0f} MiB; "
          f"{len(clusters)} clusters, {pairs} pairs")


def in_process(db: Path) -> None:
    """The search of ``dedupe.find_clusters`` phase by phase (wall and CPU; CPU counts both cores, since
    rapidfuzz's cdist/cpdist run with workers=-1)."""
    from crm_cli import dedupe
    from crm_cli.db.engine import Database

    database = Database(db)
    phases: list[str] = []
    clock = [time.perf_counter(), time.process_time()]

    def lap(label: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        phases.append(f"{label} {wall - clock[0]:.1f} s / {cpu - clock[1]:.1f} s CPU")
        clock[:] = [wall, cpu]

    start, cpu0 = time.perf_counter(), time.process_time()
    with database.read() as session:
        table = dedupe.Customer.__table__  # type: ignore[attr-defined]
        rows = session.connection().execute(
            dedupe.select(table.c.id, *[table.c[k] for k in dedupe.KEY_COLUMNS])
            .where(table.c.deleted_at.is_(None)).order_by(table.c.id)).all()
    lap("load")
    threshold = 80
    ii, jj, _pre = dedupe.candidate_pairs(rows, max(threshold - 20, 30), threshold)
    lap(f"blocking ({len(ii)} candidate pairs)")
    keep, scores, reasons = dedupe.score_many(dedupe.FeatureColumns(rows), ii, jj, threshold)
    lap(f"scoring ({len(keep)} matched)")
    ids = [r.id for r in rows]
    pairs = [dedupe.Pair(ids[i], ids[j], s, why) for i, j, s, why
             in zip(ii[keep].tolist(), jj[keep].tolist(), scores.tolist(), reasons, strict=True)]
    clusters = dedupe.cluster_pairs(pairs)
    lap(f"clustering ({len(clusters)} clusters)")
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"in-process: {len(rows)} customers; " + "; ".join(phases)
          + f"; total {wall:.1f} s wall / {cpu:.1f} s CPU; peak RSS of this process so far {peak:.0f} MiB")
    database.dispose()


def entry_check(db: Path, queries: int, seed: int) -> None:
    from sqlmodel import func, select

    from crm_cli.customers import find_duplicates
    from crm_cli.db.engine import Database
    from crm_cli.db.models import Customer

    rng = random.Random(seed)
    database = Database(db)
    with database.read() as session:
        n = session.exec(select(func.max(Customer.id))).one()
        samples = [session.get(Customer, rng.randint(1, n)) for _ in range(queries)]
        cases: list[tuple[str, dict[str, str]]] = []
        for c in samples:
            assert c is not None
            name = c.name
            kind = rng.choice(["same", "bracket", "typo", "new"])
            if kind == "bracket" and "市" in name:
                city, rest = name.split("市", 1)
                name = rest.replace("有限公司", f"（{city}）有限公司")
            elif kind == "typo":
                i = rng.randrange(len(name))
                name = name[:i] + rng.choice("德兴盛华远") + name[i + 1:]
            elif kind == "new":
                name = "".join(rng.choice("安邦昌达鼎丰富贵豪杰佳俊凯乐隆茂")
                               for _ in range(2)) + rng.choice(["光学仪器", "化工", "纺织", "家具"]) + "有限公司"
            cases.append((kind, {"name": name, "phone": c.phone if rng.random() < 0.3 else None}))
        find_duplicates(session, cases[0][1])  # warm caches (settings, OpenCC tables, phonenumbers metadata)
        times: dict[str, list[float]] = {}
        cpu_all: list[float] = []
        found = 0
        for kind, values in cases:
            t, c = time.perf_counter(), time.process_time()
            matches = find_duplicates(session, values)
            times.setdefault(kind, []).append((time.perf_counter() - t) * 1000)
            cpu_all.append((time.process_time() - c) * 1000)
            found += bool(matches)
    everything = sorted(x for v in times.values() for x in v)
    p95 = everything[int(len(everything) * 0.95) - 1]
    print(f"entry check (find_duplicates) over {n} customers, {queries} queries: median "
          f"{statistics.median(everything):.1f} ms, p95 {p95:.1f} ms, max {everything[-1]:.1f} ms wall; "
          f"median CPU {statistics.median(cpu_all):.1f} ms; {found} queries found a likely duplicate")
    for kind, values in sorted(times.items()):
        print(f"  {kind:8} n={len(values):3}  median {statistics.median(values):.1f} ms  max {max(values):.1f} ms")
    database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("bench/out/100k.db"))
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--skip-cli", action="store_true")
    parser.add_argument("--skip-in-process", action="store_true")
    args = parser.parse_args()
    if not args.db.exists():
        sys.exit(f"{args.db} does not exist: build it with python bench/make_db.py 100000 --db {args.db}")
    if not args.skip_cli:  # first, so that its peak RSS is its own
        cli_dedupe(args.db)
    entry_check(args.db, args.queries, args.seed)
    if not args.skip_in_process:
        in_process(args.db)


if __name__ == "__main__":
    main()
