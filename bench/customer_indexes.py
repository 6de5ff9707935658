"""Which index of ``customers`` and ``customer_owners`` the real queries use: runs the commands, reports, imports
and dashboard reads on a copy of a big database, records every SQL statement that touches either table and asks
SQLite for its query plan (EXPLAIN QUERY PLAN, on the same connection, with the same parameters, inside the same
transaction).

    python bench/customer_indexes.py --db bench/out/100k.db [--verbose]

Prints, for each index on the two tables, the scenarios whose statements use it, the statements that scan a whole
table, and the scenarios that were expected to use an index of migration 0010 (``EXPECTED``) but did not. Used to
review the index set (migrations 0009 and 0010): an index no scenario uses only costs writes. A database at an
older schema is upgraded first, outside the recording.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sqlite3
import sys
import tempfile
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ADMIN, MANAGER, REP = "zhang.wei", "li.na", "wang.fang"
CUSTOMERS = re.compile(r"\bcustomer(s|_owners)\b")
TABLES = ("customers", "customer_owners")
# The index set of migration 0010, and scenarios (label prefixes) expected to use each index: the owner and the
# follow-up clock are read from customer_owners (idle and never-contacted customers, alerts, "mine", the pool,
# import caps), the report windows from customers' covering indexes with the owner by primary key. The sweep scans
# customer_owners itself (remind.sweep_where: its dates first, the customer by rowid for qualifying rows only).
EXPECTED: dict[str, tuple[str, ...]] = {
    "ix_customer_owners_clock": ("today", "remind --all --dry-run", "dashboard open+home"),
    "ix_customer_owners_owner": ("customer list --owner me", "pool list", "dashboard mine", "import --round-robin"),
    "ix_customers_report": ("report ",),
    "ix_customers_won": ("report funnel",),
    "ix_customers_due": ("customer list --due overdue",),
    "ix_customers_name_key": ("import --round-robin",),
}


class Recorder:
    def __init__(self) -> None:
        self.scenario = "?"
        self.uses: dict[str, set[str]] = defaultdict(set)  # index → scenarios
        self.scans: dict[str, set[str]] = defaultdict(set)  # statement → scenarios that scan customers with it
        self.plans: list[tuple[str, str, list[str]]] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if executemany or not CUSTOMERS.search(statement):
            return
        head = statement.lstrip().split(None, 1)[0].upper()
        if head not in ("SELECT", "WITH", "UPDATE", "DELETE", "INSERT"):
            return
        try:
            rows = cursor.connection.execute("EXPLAIN QUERY PLAN " + statement, parameters or ()).fetchall()
        except sqlite3.Error as exc:  # e.g. a statement on a temporary table created later
            self.plans.append((self.scenario, statement, [f"(no plan: {exc})"]))
            return
        details = [str(r[-1]) for r in rows]
        self.plans.append((self.scenario, statement, details))
        for d in details:
            m = re.search(r"INDEX (ix_customer(s|_owners)\w*|sqlite_autoindex_customers\w*)", d)
            if m:
                self.uses[m.group(1)].add(self.scenario)
            elif re.match(r"SCAN (customers|customer_owners|c|o)\b(?! USING)", d):
                self.scans[" ".join(statement.split())[:200]].add(self.scenario)
            elif re.match(r"SEARCH (customers|c) USING INTEGER PRIMARY KEY", d):
                self.uses["(rowid)"].add(self.scenario)
            elif re.match(r"SEARCH (customer_owners|o) USING INTEGER PRIMARY KEY", d):
                self.uses["(customer_owners rowid)"].add(self.scenario)


def import_sheet(path: Path, db_path: Path) -> Path:
    """A small sheet for `crm import`: 20 customers of the database (matched by name, updated with a follow-up)
    and 20 new ones (shared among reps with --round-robin, which counts what each owns)."""
    import openpyxl

    con = sqlite3.connect(db_path)
    names = [r[0] for r in con.execute("SELECT name FROM customers WHERE deleted_at IS NULL ORDER BY id LIMIT 20")]
    con.close()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["客户名称", "地区", "跟进时间", "跟进内容"])
    for name in names:
        sheet.append([name, "华东", "2026-11-01 10:00", "导入的回访"])
    for i in range(20):
        sheet.append([f"索引导入测试{i}号公司", "华南", None, None])
    book.save(path)
    return path


def cli(runner: Any, app: Any, args: list[str], env: dict[str, str]) -> Any:
    result = runner.invoke(app, args, env=env, catch_exceptions=False)
    if result.exit_code not in (0,):
        print(f"  ! crm {' '.join(args)} exited {result.exit_code}: {result.output[-300:]}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--verbose", action="store_true", help="print every statement with its plan")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ixbench-"))
    db_path = work / "bench.db"
    shutil.copy(args.db, db_path)

    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from typer.testing import CliRunner

    from crm_cli.commands import app
    from crm_cli.dates import Clock, get_tz
    from crm_cli.db.engine import Database
    from crm_cli.reports import REPORTS, ReportOptions, run_report
    from crm_cli.users import get_user

    Database(db_path).open().dispose()  # upgrade outside the recording
    rec = Recorder()
    event.listen(Engine, "before_cursor_execute", rec)
    runner = CliRunner()
    base_env = dict(os.environ, CRM_DB=str(db_path), CRM_CONFIG=str(work / "none.toml"), CRM_TZ="Asia/Shanghai")
    raw = sqlite3.connect(db_path)
    show_id = str(raw.execute("SELECT o.customer_id FROM customer_owners o JOIN users u ON u.id = o.owner_id "
                              "WHERE u.username = ? ORDER BY o.customer_id LIMIT 1", (REP,)).fetchone()[0])
    raw.close()

    for who in (REP, MANAGER, ADMIN):
        env = dict(base_env, CRM_USER=who)
        commands = {
            "customer list": ["customer", "list", "--limit", "50"],
            "customer list --search 明达": ["customer", "list", "--search", "明达", "--limit", "50"],
            "customer list --search 明达电子": ["customer", "list", "--search", "明达电子", "--limit", "50"],
            "customer list --owner me --level won": ["customer", "list", "--owner", "me", "--level", "won"],
            "customer list --due overdue --sort next": ["customer", "list", "--due", "overdue", "--sort", "next"],
            "customer list --idle-days 60": ["customer", "list", "--idle-days", "60"],
            "customer list --sort name": ["customer", "list", "--sort", "name"],
            "customer list --region/--source": ["customer", "list", "--region", "华东", "--source", "展会"],
            "customer show": ["customer", "show", show_id],
            "today": ["today"],
            "pool list": ["pool", "list", "--limit", "50"],
            "pool list --search 电子": ["pool", "list", "--search", "电子"],
            "remind --all --dry-run": ["remind", "--all", "--dry-run", "--json"],
        }
        for label, argv in commands.items():
            rec.scenario = f"{label} [{who}]"
            cli(runner, app, argv, env)
    rec.scenario = "remind (sweep + deliver) [admin]"
    cli(runner, app, ["remind", "--json"], dict(base_env, CRM_USER=ADMIN))
    rec.scenario = "remind steady [admin]"
    cli(runner, app, ["remind", "--json"], dict(base_env, CRM_USER=ADMIN))
    rec.scenario = "customer add [rep]"
    cli(runner, app, ["customer", "add", "索引测试公司", "--force"], dict(base_env, CRM_USER=REP))
    sheet = import_sheet(work / "import.xlsx", db_path)
    rec.scenario = "import --round-robin --on-duplicate update [admin]"
    imported = cli(runner, app, ["import", str(sheet), "--on-duplicate", "update", "--round-robin",
                                 f"{REP},{MANAGER}", "--json"], dict(base_env, CRM_USER=ADMIN))
    if imported.exit_code == 0:
        import json

        rec.scenario = "import undo [admin]"
        cli(runner, app, ["import", "undo", str(json.loads(imported.stdout)["batch"])], dict(base_env, CRM_USER=ADMIN))

    db = Database(db_path).open()
    clock = Clock(tz=get_tz("Asia/Shanghai"))
    year = ReportOptions(start=date(clock.today.year - 1, clock.today.month, 1), end=clock.today)
    for name, spec in REPORTS.items():
        for who, options, label in [(ADMIN, ReportOptions(), "admin"), (ADMIN, year, "admin, year"),
                                    (MANAGER, ReportOptions(), "manager"), (REP, ReportOptions(), "rep"),
                                    *[(ADMIN, ReportOptions(by=by), f"admin --by {by}") for by in spec.by]]:
            rec.scenario = f"report {name} [{label}]"
            with db.read() as session:
                run_report(name, session=session, user=get_user(session, who), clock=clock, options=options)
    db.dispose()

    from crm_cli.customers import CustomerQuery
    from crm_cli.tui.backend import Backend

    for who in (REP, MANAGER, ADMIN):
        backend = Backend(db_path, who)
        rec.scenario = f"dashboard open+home [{who}]"
        backend.open()
        backend.home()
        for text in ("", "明", "明达", "明达电子", "138", "acme"):
            rec.scenario = f"dashboard search {text!r} [{who}]"
            backend.customers(CustomerQuery(search=text or None, limit=30))
        for sort in ("name", "-last", "next", "level", "stars"):
            rec.scenario = f"dashboard sort {sort} [{who}]"
            backend.customers(CustomerQuery(sort=sort, limit=30))
        rec.scenario = f"dashboard pool [{who}]"
        backend.customers(CustomerQuery(owner="pool", limit=30))
        rec.scenario = f"dashboard mine [{who}]"
        backend.customers(CustomerQuery(owner="me", limit=30))
        backend.close()
    event.remove(Engine, "before_cursor_execute", rec)

    con = sqlite3.connect(db_path)
    indexes = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='index' AND tbl_name IN (?, ?) "
                                         "ORDER BY tbl_name DESC, name", TABLES)]
    con.close()
    print(f"{len(indexes)} indexes on {' and '.join(TABLES)}; {len(rec.plans)} statements recorded")
    for name in indexes:
        users = sorted(rec.uses.get(name, ()))
        print(f"\n{name}: {len(users)} scenario(s)")
        for s in users:
            print(f"    {s}")
    other = sorted(set(rec.uses) - set(indexes))
    for name in other:
        print(f"\n{name} (not a customers index, or gone): {sorted(rec.uses[name])[:8]}")
    print("\nfull scans of customers or customer_owners:")
    for stmt, who in sorted(rec.scans.items()):
        print(f"  {stmt}\n      by {sorted(who)[:6]}{' …' if len(who) > 6 else ''}")
    print("\nexpected index use (migration 0010):")
    for name, prefixes in EXPECTED.items():
        seen = rec.uses.get(name, set())
        missing = [p for p in prefixes if not any(s.startswith(p) for s in seen)]
        print(f"  {name}: {'ok' if not missing else 'NOT used by ' + ', '.join(missing)}")
    if args.verbose:
        for scenario, stmt, details in rec.plans:
            print(f"\n-- {scenario}\n{' '.join(stmt.split())[:600]}")
            for d in details:
                print(f"   {d}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
