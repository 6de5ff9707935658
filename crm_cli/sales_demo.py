"""Sales for the demo database: a product catalogue, deals at every stage with their history, signed contracts
with payment plans, payments received (some late, some partial) and a few contracts about to end.

Bulk Core inserts, like ``crm_cli.demo``, so that ``bench/make_db.py`` stays fast on large databases.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, update

PRODUCTS = [
    # code, name, unit, spec, category, price
    ("CRM-STD", "CRM 软件标准版", "套", "10 用户", "软件", "12000"),
    ("CRM-PRO", "CRM 软件专业版", "套", "50 用户", "软件", "48000"),
    ("CRM-USER", "CRM 追加用户", "用户/年", None, "软件", "600"),
    ("SVC-IMPL", "实施服务", "人天", None, "服务", "2500"),
    ("SVC-TRAIN", "培训服务", "场", "半天", "服务", "3000"),
    ("SVC-SUPPORT", "年度维保", "年", "7×24", "服务", "8000"),
    ("HW-SCAN", "条码扫描枪", "台", "HS-200", "硬件", "850"),
    ("HW-PAD", "工业平板", "台", "10 英寸 IP65", "硬件", "4200"),
    ("HW-PRN", "标签打印机", "台", "ZT-410", "硬件", "6800"),
    ("SaaS-Y", "SaaS subscription", "year", "per seat", "Software", "1200"),
]
STAGES = ["lead", "qualified", "proposal", "negotiation"]
LOST_REASONS = ["价格太高", "选了竞品", "预算取消", "需求变更", "No budget this year", "联系人离职"]
METHODS = ["transfer"] * 8 + ["check", "bill", "alipay", "wechat"]


def _lines(rng: random.Random, catalogue: list[tuple[int, str, int]]) -> list[dict[str, Any]]:
    picks = rng.sample(catalogue, rng.randint(1, 3))
    lines = []
    for position, (pid, _code, price) in enumerate(picks, start=1):
        qty = rng.choice((1, 1, 2, 3, 5, 10))
        discount = rng.choice((0, 0, 0, 500, 1000))
        amount = int((Decimal(qty) * price * (10000 - discount) / 10000).to_integral_value())
        lines.append({"position": position, "product_id": pid, "quantity": str(qty), "unit_price_cents": price,
                      "discount_bp": discount, "amount_cents": amount})
    return lines


def populate_sales(session: Any, clock: Any, *, seed: int = 7, max_customers: int | None = 3000) -> dict[str, int]:
    """Add products, deals, contracts, plans and payments for the demo customers already in ``session``'s
    database (owned customers of level intent/key/won, the first ``max_customers`` of them; None: all).
    Can run again on the same database (benchmarks): it adds more deals and contracts. Returns counts."""
    from crm_cli.db.models import (
        Contract,
        ContractLine,
        Customer,
        Deal,
        DealLine,
        DealStageChange,
        Installment,
        Payment,
        Product,
    )  # fmt: skip

    rng = random.Random(seed * 31 + 6)
    now, today = clock.now, clock.today
    have = set(session.execute(select(Product.code)).scalars())  # type: ignore[call-overload]
    missing = [p for p in PRODUCTS if p[0] not in have]
    if missing:
        session.execute(insert(Product.__table__), [  # type: ignore[attr-defined]
            {"code": c, "name": n, "unit": u, "spec": s, "category": cat, "price_cents": int(Decimal(p) * 100),
             "active": True, "created_at": now - timedelta(days=400), "updated_at": now - timedelta(days=400)}
            for c, n, u, s, cat, p in missing])
    catalogue = [(pid, code, price) for pid, code, price in session.execute(
        select(Product.id, Product.code, Product.price_cents).order_by(Product.id))]  # type: ignore[call-overload]
    from crm_cli.db.models import CustomerOwner

    stmt = (select(Customer.id, Customer.level, CustomerOwner.owner_id, Customer.created_at)  # type: ignore[call-overload]
            .join(CustomerOwner, CustomerOwner.customer_id == Customer.id)  # type: ignore[arg-type]
            .where(CustomerOwner.owner_id.is_not(None), Customer.level.in_(["intent", "key", "won"]))  # type: ignore[union-attr,attr-defined]
            .order_by(Customer.id))
    if max_customers:
        stmt = stmt.limit(max_customers)
    rows = session.execute(stmt).all()
    counts = {"deals": 0, "contracts": 0, "installments": 0, "payments": 0}
    deal_id = (session.execute(select(Deal.id).order_by(Deal.id.desc()).limit(1)).scalar() or 0)  # type: ignore[attr-defined]
    contract_id = (session.execute(select(Contract.id).order_by(Contract.id.desc()).limit(1)).scalar() or 0)  # type: ignore[attr-defined]
    inst_id = 0
    deals, deal_lines, moves, contracts, contract_lines, plan, paid, won = [], [], [], [], [], [], [], []
    for cid, level, owner, created in rows:
        start = max(created, now - timedelta(days=300))
        # ---- one deal per customer; won customers' deals are won, others at an open stage or lost
        deal_id += 1
        lines = _lines(rng, catalogue)
        amount = sum(x["amount_cents"] for x in lines)
        if level == "won":
            path = STAGES[rng.randint(0, 2):] + ["won"]
        elif rng.random() < 0.2:
            path = STAGES[: rng.randint(1, 4)] + ["lost"]
        else:
            path = STAGES[: rng.randint(1, 4)]
        at = start + timedelta(hours=rng.randint(1, 72))
        prev = None
        for stage in path:
            moves.append({"deal_id": deal_id, "from_stage": prev, "to_stage": stage, "at": at,
                          "on": (at.astimezone(clock.tz)).date(), "user_id": owner})
            prev, last_at = stage, at
            at = min(at + timedelta(days=rng.randint(3, 25), hours=rng.randint(0, 23)), now)
        final = path[-1]
        prob = {"lead": 10, "qualified": 25, "proposal": 50, "negotiation": 75, "won": 100, "lost": 0}[final]
        closed_on = last_at.astimezone(clock.tz).date() if final in ("won", "lost") else None
        deals.append({
            "id": deal_id, "customer_id": cid, "title": rng.choice(["CRM 系统采购", "扫描设备更新", "年度维保续约",
                                                                    "SaaS rollout", "仓库信息化项目", "门店数字化"]),
            "amount_cents": amount, "currency": "CNY", "stage": final, "stage_since": last_at,
            "expected_close_on": closed_on or today + timedelta(days=rng.randint(-10, 60)), "probability": prob,
            "owner_id": owner, "lost_reason": rng.choice(LOST_REASONS) if final == "lost" else None,
            "closed_on": closed_on, "notes": None, "created_at": start, "updated_at": last_at,
        })  # fmt: skip
        deal_lines.extend({"deal_id": deal_id, **x} for x in lines)
        if level != "won":
            continue
        # ---- won customers: a signed contract (sometimes a supplementary one), a plan and payments
        signed = closed_on or today - timedelta(days=30)
        won.append({"cid": cid, "won_on": signed})
        parent_id = None
        for kind in ("standard", "supplementary") if rng.random() < 0.15 else ("standard",):
            contract_id += 1
            serial = contract_id
            sign_on = signed if kind == "standard" else min(signed + timedelta(days=rng.randint(20, 90)), today)
            start_on = sign_on + timedelta(days=rng.randint(0, 14))
            term = rng.choice((365, 365, 730, 180))
            end_on = start_on + timedelta(days=term - 1)
            if rng.random() < 0.08:
                end_on = today + timedelta(days=rng.randint(1, 30))  # about to end: `crm remind` shows it
            c_lines = lines if kind == "standard" else _lines(rng, catalogue)[:1]
            total = sum(x["amount_cents"] for x in c_lines)
            status = "finished" if end_on < today else "active"
            contracts.append({
                "id": contract_id, "number": f"HT-{sign_on.year}-{serial:04d}" + ("-S1" if kind != "standard" else ""),
                "customer_id": cid, "deal_id": deal_id if kind == "standard" else None, "kind": kind,
                "parent_id": parent_id, "signed_on": sign_on, "start_on": start_on, "end_on": end_on,
                "currency": "CNY", "total_cents": total, "status": status, "notes": None, "owner_id": owner,
                "created_at": now - timedelta(days=(today - sign_on).days), "updated_at": now,
            })  # fmt: skip
            parent_id = contract_id
            contract_lines.extend({"contract_id": contract_id, "description": None, **x} for x in c_lines)
            parts = rng.choice((1, 2, 3, 3, 4, 6))
            step = rng.choice((30, 30, 60, 90))
            base = total // parts
            amounts = [base] * parts
            amounts[-1] += total - base * parts
            behaviour = rng.random()  # how well this customer pays
            for seq, amt in enumerate(amounts, start=1):
                inst_id += 1
                due = start_on + timedelta(days=step * (seq - 1))
                paid_cents = 0
                if due <= today:
                    if behaviour < 0.7:
                        paid_cents = amt
                    elif behaviour < 0.85:
                        paid_cents = amt // 2 if seq == parts or rng.random() < 0.5 else amt
                    if paid_cents:
                        received = min(due + timedelta(days=rng.randint(-3, 20)), today)
                        paid.append({"contract_id": contract_id, "installment_id": None, "received_on": received,
                                     "amount_cents": paid_cents, "method": rng.choice(METHODS),
                                     "reference": f"BK{rng.randrange(10**8):08d}", "note": None, "user_id": owner,
                                     "created_at": now})
                plan.append({"contract_id": contract_id, "seq": seq, "due_on": due, "amount_cents": amt,
                             "paid_cents": 0, "note": None})
    for table, data in ((Deal, deals), (DealLine, deal_lines), (DealStageChange, moves), (Contract, contracts),
                        (ContractLine, contract_lines), (Installment, plan), (Payment, paid)):
        if data:
            session.execute(insert(table.__table__), data)  # type: ignore[attr-defined]
    signed_ids = {w["cid"] for w in won}
    for cid, created in session.execute(  # won customers without a contract here won before the CRM knew
            select(Customer.id, Customer.created_at).where(Customer.level == "won",  # type: ignore[call-overload]
                                                           Customer.won_on.is_(None))):  # type: ignore[union-attr]
        if cid not in signed_ids:
            won.append({"cid": cid, "won_on": created.astimezone(clock.tz).date() if created else today})
    if won:
        from sqlalchemy import bindparam

        session.execute(update(Customer.__table__).where(Customer.__table__.c.id == bindparam("cid"))  # type: ignore[attr-defined]
                        .values(won_on=bindparam("won_on")), won)
    from crm_cli.payments import reallocate

    session.flush()
    for contract in session.scalars(select(Contract).where(Contract.id.in_([c["id"] for c in contracts]))):  # type: ignore[attr-defined]
        reallocate(session, contract)
    counts.update(deals=len(deals), contracts=len(contracts), installments=len(plan), payments=len(paid))
    return counts


