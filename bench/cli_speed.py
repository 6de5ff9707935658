"""Start-up and command latency of `crm`, against the stack's own import floor, measured in the same run.

    python bench/cli_speed.py --db bench/out/100k.db [--runs 7]

Prints the median wall time of: bare python; `python -c "import sqlmodel, typer, rich"` (the floor);
`crm --help`; and on the given database `crm customer list --limit 50`, `crm customer show`, `crm today`,
`crm customer add` and a two-character Chinese search, each as a ratio of the floor and as ms beyond it.
Targets (issue 2): --help ≤ 0.15 s; commands ≤ 1.3 × floor; search ≤ 0.5 s beyond the floor.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(cmd: list[str], env: dict[str, str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        samples.append(time.perf_counter() - start)
        if done.returncode not in (0,):
            raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr}")
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp())
    db = work / "bench.db"
    shutil.copy(args.db, db)
    env = dict(os.environ, CRM_DB=str(db), CRM_USER="wang.fang", CRM_CONFIG=str(work / "none.toml"))
    py = sys.executable
    crm = [py, "-m", "crm_cli"]
    bare = timed([py, "-c", "pass"], env, args.runs)
    floor = timed([py, "-c", "import sqlmodel, typer, rich"], env, args.runs)
    print(f"bare python                       {bare * 1000:7.0f} ms")
    print(f"floor (import sqlmodel,typer,rich) {floor * 1000:7.0f} ms")
    help_t = timed([*crm, "--help"], env, args.runs)
    print(f"crm --help                         {help_t * 1000:7.0f} ms   (target ≤ 150 ms)")
    counter = iter(range(10**6))
    cases = {
        "customer list --limit 50": lambda: [*crm, "customer", "list", "--limit", "50"],
        "customer show 12345": lambda: [*crm, "customer", "show", "12345"],
        "today": lambda: [*crm, "today"],
        "customer add": lambda: [*crm, "customer", "add", f"基准测试公司{next(counter)}号", "--force"],
        "customer list --search 明达": lambda: [*crm, "customer", "list", "--search", "明达", "--limit", "50"],
        "customer list --search 明达电子": lambda: [*crm, "customer", "list", "--search", "明达电子", "--limit", "50"],
    }
    for name, make in cases.items():
        samples = []
        for _ in range(args.runs):
            cmd = make()
            start = time.perf_counter()
            done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            samples.append(time.perf_counter() - start)
            if done.returncode != 0:
                raise SystemExit(f"{name} failed: {done.stderr}")
        med = statistics.median(samples)
        print(f"crm {name:32s} {med * 1000:7.0f} ms  = {med / floor:4.2f} × floor, {1000 * (med - floor):+5.0f} ms beyond it")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
