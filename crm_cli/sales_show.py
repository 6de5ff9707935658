"""The deals/contracts/balance sections of `crm customer show`, read with Core queries on light table descriptions
(crm_cli.db.lean) instead of the sales model classes: building those (~9 SQLModel classes) costs more than the
whole rest of the command. The result is exactly that of ``crm_cli.sales_views.customer_sales`` (the ORM version,
used by the Excel export's code path and by tests/test_show_extras.py to check this one)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select
from sqlmodel import Session

from crm_cli.dates import Clock
from crm_cli.db.lean import CONTRACTS, DEALS, INSTALLMENTS, PAYMENTS
from crm_cli.db.models import Customer, User
from crm_cli.money import money_text


def customer_sales(session: Session, customer: Customer, user: User, clock: Clock) -> dict[str, Any]:
    """``deals``, ``contracts`` and ``balance`` (one row per currency) of ``customer``."""
    d, c = DEALS.c, CONTRACTS.c
    deals = session.execute(select(d.id, d.title, d.stage, d.amount_cents, d.currency, d.probability,
                                   d.expected_close_on, d.lost_reason)
                            .where(d.customer_id == customer.id).order_by(d.created_at.desc(), d.id.desc())).all()
    contracts = session.execute(select(c.id, c.number, c.kind, c.status, c.signed_on, c.end_on, c.currency,
                                       c.total_cents)
                                .where(c.customer_id == customer.id)
                                .order_by(c.signed_on.desc(), c.id.desc())).all()
    ids = [row.id for row in contracts]
    received: dict[int, int] = {}
    overdue: dict[int, int] = {}
    if ids:
        p, i = PAYMENTS.c, INSTALLMENTS.c
        received = {cid: int(s or 0) for cid, s in session.execute(
            select(p.contract_id, func.sum(p.amount_cents)).where(p.contract_id.in_(ids)).group_by(p.contract_id))}
        overdue = {cid: int(o or 0) for cid, o in session.execute(
            select(i.contract_id, func.sum(case((i.due_on < clock.today, i.amount_cents - i.paid_cents), else_=0)))
            .where(i.contract_id.in_(ids)).group_by(i.contract_id))}
    contract_rows = []
    per_currency: dict[str, dict[str, int]] = {}
    for row in contracts:
        got, late = received.get(row.id, 0), overdue.get(row.id, 0)
        outstanding = max(row.total_cents - got, 0)  # as crm_cli.payments.Balance.outstanding_cents
        contract_rows.append({
            "number": row.number, "kind": row.kind, "status": row.status, "signed_on": row.signed_on,
            "end_on": row.end_on, "currency": row.currency, "total": money_text(row.total_cents),
            "received": money_text(got), "outstanding": money_text(outstanding), "overdue": money_text(late),
        })  # fmt: skip
        if row.status in ("draft", "terminated"):
            continue
        acc = per_currency.setdefault(row.currency, {"contracts": 0, "total": 0, "received": 0, "outstanding": 0,
                                                     "overdue": 0})
        acc["contracts"] += 1
        acc["total"] += row.total_cents
        acc["received"] += got
        acc["outstanding"] += outstanding
        acc["overdue"] += late
    balance = [{"currency": cur, "contracts": acc["contracts"],
                **{k: money_text(acc[k]) for k in ("total", "received", "outstanding", "overdue")}}
               for cur, acc in sorted(per_currency.items())]
    deal_rows = [{"id": r.id, "title": r.title, "stage": r.stage, "amount": money_text(r.amount_cents),
                  "currency": r.currency, "probability": r.probability, "expected_close_on": r.expected_close_on,
                  "lost_reason": r.lost_reason} for r in deals]
    return {"deals": deal_rows, "contracts": contract_rows, "balance": balance}
