"""Wall and CPU time of every report on a big database (target: each ≤ 1 s on 100k customers, 1M follow-ups).

    python bench/make_db.py 100000 --db bench/out/100k.db --followups 12     # ~1M follow-ups
    python bench/reports_speed.py --db bench/out/100k.db [--runs 5]

Runs each registered report through ``crm_cli.reports.run_report`` (the SQL aggregation and the row building that
the CLI does before rendering) as an admin (sees everything), a manager and a rep, with the default window and with
a whole year, and prints the median wall time and CPU time (time.process_time) of each. The machine is shared: a
wall time far above the CPU time means the process waited, not that the query was slow.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", help="only this report")
    parser.add_argument("--no-copy", action="store_true", help="use the file in place (it is upgraded if old)")
    parser.add_argument("--cli", action="store_true",
                        help="also time `crm report NAME --json` end to end (start-up included), as an admin")
    args = parser.parse_args()

    from sqlmodel import func, select

    from crm_cli.dates import Clock, get_tz
    from crm_cli.db.engine import Database
    from crm_cli.db.models import Customer, FollowUp
    from crm_cli.reports import REPORTS, ReportOptions, run_report
    from crm_cli.users import get_user

    path = args.db
    work = None
    if not args.no_copy:
        work = Path(tempfile.mkdtemp())
        path = work / args.db.name
        shutil.copy(args.db, path)
    db = Database(path).open()
    clock = Clock(tz=get_tz("Asia/Shanghai"))
    with db.read() as session:
        n_customers = session.exec(select(func.count()).select_from(Customer)).one()
        n_follow = session.exec(select(func.count()).select_from(FollowUp)).one()
    print(f"{path.name}: {n_customers:,} customers, {n_follow:,} follow-ups; {args.runs} runs each, median")
    year = ReportOptions(start=date(clock.today.year - 1, clock.today.month, 1), end=clock.today)
    cases: list[tuple[str, str, ReportOptions, str]] = []
    for name, spec in REPORTS.items():
        if args.only and name != args.only:
            continue
        cases.append((name, "zhang.wei", ReportOptions(), "admin, this month"))
        cases.append((name, "zhang.wei", ReportOptions(start=year.start, end=year.end), "admin, 12 months"))
        cases.append((name, "li.na", ReportOptions(), "manager, this month"))
        cases.append((name, "wang.fang", ReportOptions(), "rep, this month"))
        if name in ("customers", "sales"):
            cases.append((name, "zhang.wei", ReportOptions(period="month"), "admin, per month (12)"))
        for by in spec.by:
            cases.append((name, "zhang.wei", ReportOptions(by=by), f"admin, --by {by}"))
    worst = (0.0, "")
    for name, username, options, label in cases:
        walls, cpus = [], []
        for _ in range(args.runs):
            w0, c0 = time.perf_counter(), time.process_time()
            with db.read() as session:
                report = run_report(name, session=session, user=get_user(session, username), clock=clock,
                                    options=options)
            walls.append(time.perf_counter() - w0)
            cpus.append(time.process_time() - c0)
        wall, cpu = statistics.median(walls), statistics.median(cpus)
        worst = max(worst, (wall, f"{name} ({label})"))
        print(f"report {name:10s} {label:28s} {len(report.rows):4d} rows  wall {wall * 1000:6.0f} ms  "
              f"cpu {cpu * 1000:6.0f} ms")
    print(f"slowest: {worst[1]} {worst[0] * 1000:.0f} ms wall (target ≤ 1000 ms)")
    if args.cli:
        time_cli(path, [n for n in REPORTS if not args.only or n == args.only], args.runs)
    db.dispose()
    if work is not None:
        shutil.rmtree(work)


def time_cli(path: Path, names: list[str], runs: int) -> None:
    """Wall and child CPU time of the whole command (python start-up and imports included)."""
    import os
    import resource
    import subprocess

    env = dict(os.environ, CRM_DB=str(path), CRM_USER="zhang.wei", CRM_TZ="Asia/Shanghai",
               CRM_CONFIG=str(path.with_suffix(".toml")))
    for name in names:
        walls, cpus = [], []
        for _ in range(runs):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            w0 = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "crm_cli", "report", name, "--json"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            walls.append(time.perf_counter() - w0)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
            if done.returncode != 0:
                raise SystemExit(f"crm report {name} failed: {done.stderr}")
        print(f"crm report {name:10s} --json (whole command)      wall {statistics.median(walls) * 1000:6.0f} ms  "
              f"cpu {statistics.median(cpus) * 1000:6.0f} ms")


if __name__ == "__main__":
    main()
