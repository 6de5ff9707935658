"""Import and export speed against the targets of the Excel issue (wall and CPU time, peak memory).

    python bench/import_export_speed.py [--rows 100000] [--out bench/out] [--only create dryrun ...] [--stages]

Scenarios; each runs the real command line (``crm import FILE --json ...``, ``crm export customers FILE``) as a
child process, and reports its wall time, its CPU time (user + system) and its peak memory (max RSS), measured
by the parent with ``os.wait4`` — start-up, reading, checking, writing, commit and ANALYZE all included:
  create   import a ROWS x 15 sheet into an empty database with --on-duplicate create     (target <= 10 s)
  dryrun   --dry-run of the same sheet against a database of ROWS customers              (target <= 30 s)
  import   import it into that database, duplicate check included (skip)               (target <= 60 s, 1.5 GiB)
  export   export the ROWS customers of that database with contacts and follow-ups      (target <= 20 s)
  readers  (with --only) CPU of python-calamine against openpyxl read-only on the sheet
  export_xlsxwriter  (with --only) the export written by xlsxwriter instead of our streaming writer

``--stages`` runs the import scenarios in-process instead (through crm_cli.importer, not the CLI) and adds the
wall and CPU seconds of each stage (read, checking rows, matching duplicates, writing, commit). The CPU seconds
are this process's, its threads included (the search-index fill), the forked child's not (the keys of a long
sheet's later rows): compare stages by wall time. ``peak_mib`` is the largest process's peak RSS; the importer's
forked child adds up to ~300 MiB more (copy-on-write pages of the parent it touched) while it runs.
The big database is ``OUT/big-ROWS.db`` (built with crm_cli.demo if missing; a copy of bench/out/100k.db will do).

The sheet is generated like a real export of another CRM: phones and mobiles stored as numbers, dates as Excel
serials, a level column in Chinese; 30% of its rows are customers that the big database already holds (same
name and phone), so the duplicate check finds real matches.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

HEADERS = ["客户名称", "客户编号", "电话", "联系人", "手机", "职务", "邮箱", "客户类别", "星级", "地区", "行业", "客户来源",
           "地址", "下次跟进日期", "备注"]


def make_sheet(path: Path, rows: int, db: Path | None) -> None:
    import sqlite3

    import xlsxwriter

    from crm_cli.demo import CITIES, LEVELS, SOURCES, _company

    rng = random.Random(11)
    existing: list[tuple[str, str | None]] = []
    if db is not None:
        con = sqlite3.connect(db)
        existing = con.execute("SELECT name, phone FROM customers ORDER BY random() LIMIT ?", (int(rows * 0.3),)).fetchall()
        con.close()
    zh = {"potential": "潜在", "intent": "意向", "key": "重点", "won": "成交", "invalid": "无效"}
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False})
    ws = book.add_worksheet("客户")
    for c, h in enumerate(HEADERS):
        ws.write_string(0, c, h)
    for r in range(1, rows + 1):
        comp = _company(rng, r)
        name, phone = comp["name"] + f"{r}", comp["phone"]
        if r <= len(existing):
            name, phone = existing[r - 1][0], existing[r - 1][1] or phone
        ws.write_string(r, 0, name)
        ws.write_string(r, 1, f"IMP{r:07d}")
        ws.write_string(r, 2, phone)
        ws.write_string(r, 3, "张" + "伟芳娜敏静强"[r % 6])
        ws.write_number(r, 4, float(f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"))
        ws.write_string(r, 5, "采购经理")
        ws.write_string(r, 6, f"user{r}@example.com")
        ws.write_string(r, 7, zh[rng.choice(LEVELS)])
        ws.write_number(r, 8, rng.randint(0, 5))
        ws.write_string(r, 9, rng.choice(CITIES))
        ws.write_string(r, 10, comp["industry"])
        ws.write_string(r, 11, rng.choice(SOURCES))
        ws.write_string(r, 12, comp["address"])
        ws.write_number(r, 13, 46361 + rng.randint(0, 60))
        ws.write_string(r, 14, "从旧系统导入")
    book.close()


def scenario(name: str, sheet: Path, db: Path, out: Path) -> dict[str, float]:
    from crm_cli import importer
    from crm_cli.customers import CustomerQuery
    from crm_cli.dates import Clock
    from crm_cli.db.engine import Database
    from crm_cli.users import current_user

    database = Database(db).open()
    clock = Clock()
    wall, cpu = time.perf_counter(), time.process_time()
    info: dict[str, float] = {}
    if name == "readers":
        import openpyxl
        import python_calamine

        t = time.process_time()
        book = python_calamine.CalamineWorkbook.from_path(str(sheet))
        n = len(book.get_sheet_by_index(0).to_python())
        info["calamine_cpu_s"] = round(time.process_time() - t, 2)
        t = time.process_time()
        wb = openpyxl.load_workbook(sheet, read_only=True, data_only=True)
        ws = wb.worksheets[0]
        ws.reset_dimensions()
        m = sum(1 for _ in ws.iter_rows(values_only=True))
        wb.close()
        info["openpyxl_readonly_cpu_s"] = round(time.process_time() - t, 2)
        info["rows"] = min(n, m)
    elif name in ("export", "export_xlsxwriter"):
        from crm_cli import exporter

        with database.read() as session:
            user = current_user(session, "zhang.wei", clock=clock)
            counts = exporter.export_customers(session, user=user, clock=clock,
                                               query=CustomerQuery(limit=None), path=out / "export.xlsx",
                                               engine="xlsxwriter" if name == "export_xlsxwriter" else "stream")
        info.update(counts)
    else:
        stages: dict[str, float] = {}
        last: list[Any] = [time.perf_counter(), time.process_time(), "read"]

        def progress(stage: str, done: int, total: int) -> None:
            if stage != last[2]:
                wall, cpu = time.perf_counter(), time.process_time()
                key = str(last[2]).replace(" ", "_")
                stages[f"wall_{key}"] = round(wall - last[0], 2)
                stages[f"cpu_{key}"] = round(cpu - last[1], 2)
                last[:] = [wall, cpu, stage]

        source = importer.read_source(sheet)
        options = importer.ImportOptions(on_duplicate="create" if name == "create" else "skip",
                                         dry_run=name == "dryrun")
        with (database.read() if name == "dryrun" else database.write()) as session:
            user = current_user(session, "zhang.wei", clock=clock)
            result = importer.import_source(session, user=user, clock=clock, source=source, options=options,
                                            progress=progress)
            progress("commit", 0, 0)
        progress("done", 0, 0)
        info.update(stages)
        info.update(created=result.created, skipped=result.skipped, errors=len(result.errors),
                    duplicates=len(result.duplicates))
    info["wall_s"] = round(time.perf_counter() - wall, 2)
    info["cpu_s"] = round(time.process_time() - cpu, 2)
    info["peak_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    database.dispose()
    return info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=Path("bench/out"))
    parser.add_argument("--only", nargs="*", default=["create", "dryrun", "import", "export"])
    parser.add_argument("--stages", action="store_true", help="run the import scenarios in-process, CPU per stage")
    parser.add_argument("--scenario", help=argparse.SUPPRESS)
    parser.add_argument("--sheet", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scenario:
        print(json.dumps(scenario(args.scenario, args.sheet, args.db, args.out)))
        return
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    big = out / f"big-{args.rows}.db"
    if not big.exists():
        t = time.perf_counter()
        from crm_cli.demo import build_demo

        build_demo(big, customers=args.rows, replace=True, followups_per_customer=2.0)
        print(f"built {big} ({args.rows} customers) in {time.perf_counter() - t:.1f} s")
    from crm_cli.db.engine import Database

    Database(big).open().dispose()  # a file built by an older crm is upgraded once here, not in every timed run
    sheet = out / f"sheet-{args.rows}.xlsx"
    if not sheet.exists():
        t = time.perf_counter()
        make_sheet(sheet, args.rows, big)
        print(f"wrote {sheet} ({args.rows} rows x {len(HEADERS)} columns) in {time.perf_counter() - t:.1f} s")
    for name in args.only:
        target = out / "work.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        if name == "create":
            from crm_cli.demo import build_demo

            build_demo(target, customers=0, replace=True)
        else:
            import shutil

            shutil.copy(big, target)
        if args.stages or name in ("readers", "export_xlsxwriter"):
            cmd = [sys.executable, __file__, "--scenario", name, "--sheet", str(sheet), "--db", str(target),
                   "--out", str(out)]
        else:
            cmd = cli_command(name, sheet, out)
        code, stdout, stderr, measured = run_child(cmd, env=cli_env(target, out))
        if code:
            print(stderr)
            raise SystemExit(f"{name} failed")
        info = summarise(name, stdout, stderr) if cmd[1] != __file__ else json.loads(stdout)
        info.update(measured)
        if name in TARGETS:
            info["target_wall_s"] = TARGETS[name]
        print(f"{name:7s} {json.dumps(info)}")


TARGETS = {"create": 10, "dryrun": 30, "import": 60, "export": 20}


def cli_command(name: str, sheet: Path, out: Path) -> list[str]:
    crm = [sys.executable, "-m", "crm_cli"]
    if name == "export":
        return [*crm, "export", "customers", str(out / "export.xlsx")]
    extra = {"create": ["--on-duplicate", "create"], "dryrun": ["--dry-run"], "import": []}[name]
    return [*crm, "import", str(sheet), "--json", *extra]


def cli_env(db: Path, out: Path) -> dict[str, str]:
    import os

    env = dict(os.environ, CRM_DB=str(db), CRM_USER="zhang.wei", CRM_CONFIG=str(out / "bench-config.toml"),
               CRM_TZ="Asia/Shanghai")
    env.pop("NO_COLOR", None)
    return env


def run_child(cmd: list[str], env: dict[str, str]) -> tuple[int, str, str, dict[str, float]]:
    """Run ``cmd``; its exit code, output and its own wall time, CPU time (user + sys) and peak RSS."""
    import os
    import tempfile

    with tempfile.TemporaryFile("w+") as fout, tempfile.TemporaryFile("w+") as ferr:
        wall = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=fout, stderr=ferr, env=env, text=True)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - wall
        proc.returncode = os.waitstatus_to_exitcode(status)
        fout.seek(0)
        ferr.seek(0)
        stdout, stderr = fout.read(), ferr.read()
    return proc.returncode, stdout, stderr, {
        "wall_s": round(wall, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "user_s": round(usage.ru_utime, 2), "sys_s": round(usage.ru_stime, 2),
        "peak_mib": round(usage.ru_maxrss / 1024),  # Linux: KiB
    }  # fmt: skip


def summarise(name: str, stdout: str, stderr: str) -> dict[str, Any]:
    if name == "export":
        return {"output": (stdout + stderr).strip()[-120:]}
    data = json.loads(stdout)
    return {k: data[k] if not isinstance(data[k], list) else len(data[k])
            for k in ("created", "updated", "skipped", "errors", "duplicates", "rows_read")}


if __name__ == "__main__":
    main()
