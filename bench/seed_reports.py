"""Fill the tables that bench/make_db.py leaves empty, so that every report has realistic volumes to aggregate.

    python bench/seed_reports.py --db bench/out/100k.db [--deals 0.3] [--contracts 0.15]

Each part only goes into an empty table: deals with their stage history (0.3 per customer) and signed contracts
with two lines, three installments and a payment (0.15 per customer) — unless the demo already made them —;
ownership history (every customer's "add" event, 20% a claim or release); 200 import batches when that table
exists. Bulk Core inserts.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

STAGES = ["lead", "qualified", "proposal", "negotiation"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--deals", type=float, default=0.3)
    parser.add_argument("--contracts", type=float, default=0.15)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--more-sales", action="store_true", help="add deals and contracts even if there are some")
    args = parser.parse_args()
    from sqlalchemy import func, insert, select

    from crm_cli.db import models
    from crm_cli.db.engine import Database
    from crm_cli.db.models import (
        Contract,
        ContractLine,
        Customer,
        CustomerOwner,
        Deal,
        DealStageChange,
        Installment,
        OwnershipEvent,
        Payment,
        Product,
        User,
    )

    rng = random.Random(args.seed)
    start = time.perf_counter()
    db = Database(args.db).open()
    now = datetime.now(UTC)
    today = now.date()
    with db.write() as s:
        def empty(table: object) -> bool:
            return not s.execute(select(func.count()).select_from(table)).scalar_one()  # type: ignore[arg-type]

        want_sales, want_history = empty(Deal) or args.more_sales, empty(OwnershipEvent)
        users = list(s.execute(select(User.id)).scalars())
        customers = s.execute(select(Customer.id, CustomerOwner.owner_id, Customer.created_at)
                              .join(CustomerOwner, CustomerOwner.customer_id == Customer.id)  # type: ignore[arg-type]
                              .order_by(Customer.id)).all()
        if empty(Product):
            s.execute(insert(Product), [{"code": f"P{i:03d}", "name": f"产品{i}",
                                         "price_cents": rng.randint(1, 500) * 10000,
                                         "active": True, "created_at": now, "updated_at": now} for i in range(1, 51)])
        products = list(s.execute(select(Product.id, Product.price_cents)).all())
        deals, changes, contracts, lines, plans, pays, events = [], [], [], [], [], [], []
        deal_id = s.execute(select(func.coalesce(func.max(Deal.id), 0))).scalar_one()
        contract_id = s.execute(select(func.coalesce(func.max(Contract.id), 0))).scalar_one()
        for cid, owner, created in customers:
            created = created.replace(tzinfo=UTC) if created.tzinfo is None else created
            events.append({"at": created, "customer_id": cid, "kind": "add", "from_user_id": None,
                           "to_user_id": owner, "by_user_id": owner})
            if rng.random() < 0.2:
                at = created + (now - created) * rng.random()
                kind = "release" if owner else "claim"
                who = owner or rng.choice(users)
                events.append({"at": at, "customer_id": cid, "kind": kind, "from_user_id": owner if owner else None,
                               "to_user_id": None if owner else who, "by_user_id": who, "reason": "bench"})
            if want_sales and rng.random() < args.deals:
                deal_id += 1
                at = first_at = created + (now - created) * rng.random()
                steps = rng.randint(1, 4)
                stage = STAGES[steps - 1]
                prev = None
                for k in range(steps):
                    changes.append({"deal_id": deal_id, "from_stage": prev, "to_stage": STAGES[k], "at": at,
                                    "on": at.date(), "user_id": owner})
                    prev = STAGES[k]
                    at = min(now, at + timedelta(days=rng.randint(1, 20)))
                closed = None
                if rng.random() < 0.4:
                    stage = rng.choice(["won", "lost"])
                    changes.append({"deal_id": deal_id, "from_stage": prev, "to_stage": stage, "at": at,
                                    "on": at.date(), "user_id": owner})
                    closed = at.date()
                deals.append({"id": deal_id, "customer_id": cid, "title": "bench deal",
                              "amount_cents": rng.randint(1, 100) * 100000, "currency": "CNY", "stage": stage,
                              "stage_since": at, "probability": 50, "owner_id": owner, "closed_on": closed,
                              "lost_reason": "bench" if stage == "lost" else None, "created_at": first_at, "updated_at": at})
            if want_sales and rng.random() < args.contracts:
                contract_id += 1
                signed = (created + (now - created) * rng.random()).date()
                total = 0
                for pos in range(2):
                    pid, price = rng.choice(products)
                    qty = rng.randint(1, 5)
                    lines.append({"contract_id": contract_id, "position": pos, "product_id": pid, "quantity": str(qty),
                                  "unit_price_cents": price, "discount_bp": 0, "amount_cents": price * qty})
                    total += price * qty
                contracts.append({"id": contract_id, "number": f"B{contract_id:07d}", "customer_id": cid,
                                  "kind": "standard", "signed_on": signed, "start_on": signed,
                                  "end_on": signed + timedelta(days=365), "currency": "CNY", "total_cents": total,
                                  "status": "active", "owner_id": owner, "created_at": now, "updated_at": now})
                third = total // 3
                paid_total = 0
                for k in range(3):
                    due = signed + timedelta(days=30 * (k + 1))
                    amount = third if k < 2 else total - 2 * third
                    paid = amount if due < today and rng.random() < 0.7 else 0
                    paid_total += paid
                    plans.append({"contract_id": contract_id, "seq": k + 1, "due_on": due, "amount_cents": amount,
                                  "paid_cents": paid})
                if paid_total:
                    pays.append({"contract_id": contract_id, "received_on": min(today, signed + timedelta(days=40)),
                                 "amount_cents": paid_total, "method": "transfer", "created_at": now})
        if not want_history:
            events = []
        for table, rows in ((Deal, deals), (DealStageChange, changes), (Contract, contracts),
                            (ContractLine, lines), (Installment, plans), (Payment, pays),
                            (OwnershipEvent, events)):
            for i in range(0, len(rows), 20000):
                s.execute(insert(table), rows[i:i + 20000])
        import_batch = getattr(models, "ImportBatch", None)
        batches = [{"at": now - timedelta(days=rng.randint(0, 365)), "user_id": rng.choice(users),
                    "file_name": f"import{i}.xlsx", "rows_read": 100, "created": 90, "updated": 5, "skipped": 3,
                    "errors": 2} for i in range(200)]
        if import_batch is not None and empty(import_batch):
            s.execute(insert(import_batch), batches)
        else:
            batches = []
    print(f"added {len(deals)} deals ({len(changes)} stage changes), {len(contracts)} contracts, {len(plans)} "
          f"installments, {len(pays)} payments, {len(events)} ownership events, {len(batches)} import batches "
          f"in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
