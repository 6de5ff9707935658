"""Speed of the sales side on a big database: balances, due/overdue lists, reminders, a payment write.

    python bench/sales_speed.py --db bench/out/sales.db [--customers 100000] [--runs 5]

Builds the database when it does not exist (the demo generator: N customers, then sales for every owned
intent/key/won customer). Prints the data volume, then for each operation the median wall time and CPU time
(time.process_time) in-process, and the wall time of the real `crm` commands (subprocess, median of --runs).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def build(path: Path, customers: int) -> None:
    from crm_cli.dates import Clock
    from crm_cli.db.engine import Database
    from crm_cli.demo import build_demo
    from crm_cli.sales_demo import populate_sales

    start = time.perf_counter()
    build_demo(path, customers=customers, replace=True)
    db = Database(path)
    with db.write() as session:
        counts = populate_sales(session, Clock(), seed=11, max_customers=None)
    db.dispose()
    print(f"built {path}: {customers} customers, {counts} in {time.perf_counter() - start:.1f} s")


def measure(label: str, fn, runs: int) -> None:
    walls, cpus = [], []
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    size = len(result) if hasattr(result, "__len__") else result
    print(f"{label:<58} wall {statistics.median(walls) * 1000:8.1f} ms   cpu {statistics.median(cpus) * 1000:8.1f} ms"
          f"   ({size} rows)")


def cli(label: str, args: list[str], env: dict[str, str], runs: int) -> None:
    import resource

    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "crm_cli", *args], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if done.returncode:
            raise SystemExit(f"{args} failed: {done.stderr}")
    print(f"{label:<58} wall {statistics.median(walls) * 1000:8.1f} ms   cpu {statistics.median(cpus) * 1000:8.1f} ms"
          f"   (subprocess, median of {runs})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("bench/out/sales.db"))
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not args.db.exists():
        args.db.parent.mkdir(parents=True, exist_ok=True)
        build(args.db, args.customers)

    from sqlalchemy import func
    from sqlmodel import select

    from crm_cli import payments
    from crm_cli.dates import Clock
    from crm_cli.db.engine import Database
    from crm_cli.db.models import Contract, Deal, Installment, Payment
    from crm_cli.sales_alerts import contract_alerts, payment_alerts
    from crm_cli.sales_views import customer_sales, export_sheets
    from crm_cli.users import get_user

    db = Database(args.db)
    clock = Clock()
    with db.read() as s:
        sizes = {m.__tablename__: s.exec(select(func.count()).select_from(m)).one()
                 for m in (Deal, Contract, Installment, Payment)}
        print("volume:", sizes)
        admin = get_user(s, "zhang.wei")
        rep = get_user(s, "wang.fang")
        sample = s.exec(select(Contract).order_by(Contract.id.desc()).limit(1)).one()  # type: ignore[union-attr]
        from crm_cli.db.models import Customer

        won = s.get(Customer, sample.customer_id)
        contracts = s.exec(select(Contract).limit(100)).all()
        measure("balances of 100 contracts (contract list page)", lambda: payments.balances(s, contracts, clock.today),
                args.runs)
        measure("overdue installments, all (admin)",
                lambda: payments.list_installments(s, user=admin, clock=clock, overdue=True), args.runs)
        measure("payments_due(rep, 7 days) for the dashboard",
                lambda: payments.payments_due(s, user=rep, clock=clock, days=7), args.runs)
        measure("payment_alerts(7 days, everyone) for crm remind",
                lambda: payment_alerts(s, clock, 7, None), args.runs)
        measure("contract_alerts(30 days, everyone)", lambda: contract_alerts(s, clock, 30, None), args.runs)
        measure("customer show extras (deals, contracts, balance)",
                lambda: customer_sales(s, won, admin, clock)["contracts"], args.runs)
        measure("export_sheets (all sales rows, admin)",
                lambda: sum(len(rows) for _, _, rows in export_sheets(s, admin)), 1)
    with db.write() as s:
        contract = s.get(Contract, sample.id)
        measure("reallocate one contract", lambda: payments.reallocate(s, contract), args.runs)
        s.rollback()
    db.dispose()
    env = dict(os.environ, CRM_DB=str(args.db), CRM_USER="zhang.wei")
    cli("crm payment list --overdue --json (admin, all rows)", ["payment", "list", "--overdue", "--json"], env,
        args.runs)
    cli("crm payment list --due-within 7 --owner wang.fang", ["payment", "list", "--due-within", "7", "--owner",
                                                            "wang.fang"], env, args.runs)
    cli("crm contract list (100 rows with balances)", ["contract", "list"], env, args.runs)
    cli(f"crm contract show {sample.number} --json", ["contract", "show", sample.number, "--json"], env, args.runs)
    cli("crm --help (start-up reference)", ["--help"], env, args.runs)
    cli("crm customer list --limit 50 (foundation reference)", ["customer", "list", "--limit", "50"], env, args.runs)


if __name__ == "__main__":
    main()
