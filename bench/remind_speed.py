"""Speed of `crm remind`: the steady-state cron run, and a sweep that returns 10% of the customers to the pool.

    python bench/make_db.py 100000 --db bench/out/100k.db
    python bench/make_db.py 1000000 --db bench/out/1m.db
    python bench/remind_speed.py --db bench/out/100k.db [--runs 7] [--sweep-db bench/out/1m.db] [--fraction 0.1]
        [--sweep-runs 3]

Works on copies of the given files. Prints, for the CLI as a whole (a fresh process per run, as cron starts it):
wall time and CPU time (user+sys of the child), median over the runs, beside the stack's import floor
(`python -c "import sqlmodel, typer, rich"`) measured the same way in the same run — the machine is shared, so the
CPU figures are the steadier ones. Targets (issue 3): steady-state remind on 100k ≤ 1 s median wall; a sweep
returning 10% of 1M customers ≤ 5 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ADMIN = "zhang.wei"  # an admin of the demo data: sees every user's alerts


def run_child(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the child, stdout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def medians(cmd: list[str], env: dict[str, str], runs: int) -> tuple[float, float]:
    samples = [run_child(cmd, env)[:2] for _ in range(runs)]
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


def copy_db(src: Path, work: Path) -> Path:
    target = work / src.name
    shutil.copy(src, target)
    return target


def env_for(db: Path, work: Path) -> dict[str, str]:
    return dict(os.environ, CRM_DB=str(db), CRM_USER=ADMIN, CRM_CONFIG=str(work / "none.toml"),
                CRM_TZ="Asia/Shanghai")


def steady_state(src: Path, runs: int, work: Path) -> None:
    from crm_cli.db.engine import Database

    db = copy_db(src, work)
    env = env_for(db, work)
    py = sys.executable
    n = _customer_count(Database(db))
    floor = medians([py, "-c", "import sqlmodel, typer, rich"], env, runs)
    print(f"floor: python -c 'import sqlmodel, typer, rich'   wall {floor[0]:6.3f} s   cpu {floor[1]:6.3f} s")
    wall, cpu, out = run_child([py, "-m", "crm_cli", "remind", "--json"], env)
    import json

    data = json.loads(out)
    print(f"first run on {n} customers (sweeps the demo data, delivers every alert): wall {wall:6.3f} s   "
          f"cpu {cpu:6.3f} s   swept {len(data['swept'])}, alerts {len(data['alerts'])}")
    all_wall, all_cpu = medians([py, "-m", "crm_cli", "remind", "--all", "--dry-run", "--no-sweep", "--json"], env,
                                max(3, runs // 2))
    wall, cpu = medians([py, "-m", "crm_cli", "remind"], env, runs)
    print(f"crm remind, steady state (nothing new), median of {runs}: wall {wall:6.3f} s   cpu {cpu:6.3f} s   "
          f"(target ≤ 1 s wall; {wall - floor[0]:+.3f} s wall beyond the import floor)")
    print(f"crm remind --all --dry-run --no-sweep (re-lists {len(data['alerts'])} alerts): wall {all_wall:6.3f} s   "
          f"cpu {all_cpu:6.3f} s")


def _customer_count(db) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from crm_cli.db.models import Customer

    with db.read() as session:
        return int(session.execute(select(func.count()).select_from(Customer)).scalar_one())


def _sweep_count(db, clock) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import and_, func, or_, select

    from crm_cli.remind import owned_customers, sweep_conditions

    with db.read() as session:
        base, idle, unwon, _ = sweep_conditions(session, clock)
        rules = [r for r in (idle, unwon) if r is not None]
        stmt = select(func.count()).select_from(owned_customers()).where(and_(base, or_(*rules)))
        return int(session.execute(stmt).scalar_one())


def big_sweep(src: Path, fraction: float, work: Path, sweep_runs: int = 3) -> None:
    from crm_cli.dates import Clock, get_tz
    from crm_cli.db.engine import Database
    from crm_cli.settings import set_setting

    db_path = copy_db(src, work)
    db = Database(db_path)
    clock = Clock(tz=get_tz("Asia/Shanghai"))
    total = _customer_count(db)
    want = int(total * fraction)
    # Only the idle rule, with the number of days that makes about `fraction` of all customers due for the sweep.
    with db.write() as session:
        set_setting(session, "pool.unwon_days", 0)
    lo, hi = 1, 3650
    while lo < hi:
        mid = (lo + hi) // 2
        with db.write() as session:
            set_setting(session, "pool.idle_days", mid)
        if _sweep_count(db, clock) > want:
            lo = mid + 1
        else:
            hi = mid
    with db.write() as session:
        set_setting(session, "pool.idle_days", lo)
    due = _sweep_count(db, clock)
    db.dispose()
    env = env_for(db_path, work)
    # Deliver the standing alerts first (without sweeping), so that the timed run is a cron run that sweeps.
    wall0, cpu0, _ = run_child([sys.executable, "-m", "crm_cli", "remind", "--no-sweep", "--json"], env)
    print(f"(delivering the standing alerts first, `crm remind --no-sweep`: wall {wall0:6.3f} s   cpu {cpu0:6.3f} s)")
    import json
    import sqlite3

    # That state, with its WAL folded in, is the start of every timed sweep (each on a fresh copy, the file's pages
    # written to disk first, so that no run pays for flushing the copy).
    with sqlite3.connect(db_path) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    ready = work / "ready.db"
    shutil.copy(db_path, ready)
    samples = []
    for _ in range(sweep_runs):
        for suffix in ("-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        shutil.copy(ready, db_path)
        os.sync()
        wall, cpu, out = run_child([sys.executable, "-m", "crm_cli", "remind", "--json"], env)
        samples.append((wall, cpu))
    data = json.loads(out)
    walls = sorted(w for w, _ in samples)
    wall, cpu = statistics.median(walls), statistics.median(c for _, c in samples)
    print(f"sweep on {total} customers, pool.idle_days={lo}: {len(data['swept'])} returned to the pool "
          f"({100 * len(data['swept']) / total:.1f}%; {due} were due), whole `crm remind` run incl. alerts, median "
          f"of {sweep_runs} (each on a fresh copy): wall {wall:6.3f} s   cpu {cpu:6.3f} s   (target ≤ 5 s; "
          f"walls {', '.join(f'{w:.2f}' for w in walls)})")
    wall2, cpu2, out2 = run_child([sys.executable, "-m", "crm_cli", "remind", "--json"], env)
    print(f"the next run on the same file (sweeps {len(json.loads(out2)['swept'])}): wall {wall2:6.3f} s   cpu {cpu2:6.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="database for the steady-state runs (100k customers)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--sweep-db", type=Path, help="database for the big sweep (1M customers)")
    parser.add_argument("--fraction", type=float, default=0.10)
    parser.add_argument("--sweep-runs", type=int, default=3, help="timed sweeps, each on a fresh copy (median)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="remind-bench-"))
    try:
        if args.db:
            steady_state(args.db, args.runs, work)
        if args.sweep_db:
            big_sweep(args.sweep_db, args.fraction, work, args.sweep_runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
