"""Start-up and command latency of `crm`, against the stack's own import floor, measured in the same run.

    python bench/cli_speed.py --db bench/out/100k.db [--runs 7]

Prints, for each command, the median wall time and the median CPU time (user+sys of the child process, which a
busy machine disturbs much less than wall time) of: bare python; `python -c "import sqlmodel, typer, rich"` (the
floor); `crm --help`; and on the given database `crm customer list --limit 50`, `crm customer show`, `crm today`,
`crm customer add` and Chinese searches, each as a ratio of the floor.
Targets (issue 2): --help ≤ 0.15 s; commands ≤ 1.3 × floor; search ≤ 0.5 s beyond the floor.
The cases run round robin (one run of each per round, --runs rounds), so that a passing load on a shared machine
weighs on the floor and the commands alike.

crm_cli's modules are byte-compiled first (as ``pip install`` does; the floor's packages in site-packages are):
with PYTHONDONTWRITEBYTECODE set, as on the helpers' machine, every run would otherwise compile crm_cli's
modules from source (~60-120 ms CPU) and measure that instead of the command. ``--no-compile`` skips it.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def run_once(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _random_name(rng: random.Random) -> str:
    return "".join(rng.choice(_NAME_CHARS) for _ in range(6)) + "有限公司"


_NAME_CHARS = "嘉禾北辰青松蓝鲸金穗云栖赤城白鹭紫荆银杏黄鹤翠竹丹枫墨石海棠星河远山清泉明月朝阳春雨秋实"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--user", default="wang.fang")
    parser.add_argument("--no-compile", action="store_true", help="Do not byte-compile crm_cli first")
    args = parser.parse_args()
    if not args.no_compile:
        import compileall

        import crm_cli

        compileall.compile_dir(Path(crm_cli.__file__).parent, quiet=1)
    work = Path(tempfile.mkdtemp())
    db = work / "bench.db"
    shutil.copy(args.db, db)
    from crm_cli.db.engine import Database

    Database(db).open().dispose()  # a copy at an older schema is upgraded here, not in the first timed run
    with sqlite3.connect(db) as raw:
        row = raw.execute(
            "SELECT o.customer_id FROM customer_owners o JOIN users u ON u.id = o.owner_id WHERE u.username = ? "
            "ORDER BY o.customer_id LIMIT 1", (args.user,),
        ).fetchone()
    if row is None:
        raise SystemExit(f"{args.user} owns no customer in {args.db}")
    show_id = str(row[0])
    env = dict(os.environ, CRM_DB=str(db), CRM_USER=args.user, CRM_CONFIG=str(work / "none.toml"))
    py = sys.executable
    crm = [py, "-m", "crm_cli"]
    counter = iter(range(10**6))
    rng = random.Random(20261127)
    cases: dict[str, Callable[[], list[str]]] = {
        "bare": lambda: [py, "-c", "pass"],
        "floor": lambda: [py, "-c", "import sqlmodel, typer, rich"],
        "help": lambda: [*crm, "--help"],
        "customer list --limit 50": lambda: [*crm, "customer", "list", "--limit", "50"],
        f"customer show {show_id}": lambda: [*crm, "customer", "show", show_id],
        "today": lambda: [*crm, "today"],
        "customer add": lambda: [*crm, "customer", "add", f"基准测试公司{next(counter)}号", "--force"],
        # The path a salesperson takes: a phone to normalise and the duplicate check at entry (names drawn at random
        # from common characters, so they rarely look like an existing customer; a refusal runs the same check).
        "customer add --phone (checked)": lambda: [*crm, "customer", "add", _random_name(rng), "--phone",
                                                   f"139{rng.randrange(10**8):08d}", "--region", "杭州"],
        "customer list --search 明达": lambda: [*crm, "customer", "list", "--search", "明达", "--limit", "50"],
        "customer list --search 明达电子": lambda: [*crm, "customer", "list", "--search", "明达电子", "--limit", "50"],
    }
    # Round robin (each case once per round) rather than all runs of one case in a row: a load that comes and goes
    # on a shared machine then weighs on the floor and on every command alike, and the ratios stay comparable.
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    for _ in range(args.runs):
        for name, make in cases.items():
            samples[name].append(run_once(make(), env))
    med = {name: (statistics.median(s[0] for s in got), statistics.median(s[1] for s in got))
           for name, got in samples.items()}
    bare, floor, help_t = med.pop("bare"), med.pop("floor"), med.pop("help")
    print(f"{'':40s} {'wall':>8s} {'cpu':>8s}   wall/floor cpu/floor")
    print(f"{'bare python':40s} {bare[0] * 1000:6.0f}ms {bare[1] * 1000:6.0f}ms")
    print(f"{'floor (import sqlmodel, typer, rich)':40s} {floor[0] * 1000:6.0f}ms {floor[1] * 1000:6.0f}ms")
    print(f"{'crm --help':40s} {help_t[0] * 1000:6.0f}ms {help_t[1] * 1000:6.0f}ms   (target ≤ 150 ms)")
    for name, (wall, cpu) in med.items():
        print(
            f"{'crm ' + name:40s} {wall * 1000:6.0f}ms {cpu * 1000:6.0f}ms   "
            f"{wall / floor[0]:5.2f}×     {cpu / floor[1]:5.2f}×"
        )
    print("targets: commands ≤ 1.30 × floor; searches ≤ floor + 500 ms")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
