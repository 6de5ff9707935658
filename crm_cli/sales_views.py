"""Sales data seen from elsewhere: the deals/contracts/balance sections of `crm customer show` and the extra
sheets of the Excel export."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from crm_cli.access import visible_clause
from crm_cli.dates import Clock
from crm_cli.db.models import Contract, Customer, Deal, Installment, Payment, Product, User
from crm_cli.money import from_cents, money_text


def customer_sales(session: Session, customer: Customer, user: User, clock: Clock) -> dict[str, Any]:
    """A ``customers.SHOW_EXTRAS`` provider: ``deals``, ``contracts`` and ``balance`` (one row per currency)."""
    from crm_cli import payments

    deals = list(session.exec(select(Deal).where(Deal.customer_id == customer.id)
                              .order_by(col(Deal.created_at).desc(), col(Deal.id).desc())))
    contracts = list(session.exec(select(Contract).where(Contract.customer_id == customer.id)
                                  .order_by(col(Contract.signed_on).desc(), col(Contract.id).desc())))
    sums = payments.balances(session, contracts, clock.today)
    contract_rows = []
    per_currency: dict[str, dict[str, int]] = {}
    for c in contracts:
        assert c.id is not None
        bal = sums[c.id]
        contract_rows.append({
            "number": c.number, "kind": c.kind, "status": c.status, "signed_on": c.signed_on, "end_on": c.end_on,
            "currency": c.currency, "total": money_text(c.total_cents), "received": money_text(bal.received_cents),
            "outstanding": money_text(bal.outstanding_cents), "overdue": money_text(bal.overdue_cents),
        })  # fmt: skip
        if c.status in ("draft", "terminated"):
            continue
        acc = per_currency.setdefault(c.currency, {"contracts": 0, "total": 0, "received": 0, "outstanding": 0,
                                                   "overdue": 0})
        acc["contracts"] += 1
        acc["total"] += c.total_cents
        acc["received"] += bal.received_cents
        acc["outstanding"] += bal.outstanding_cents
        acc["overdue"] += bal.overdue_cents
    balance = [{"currency": cur, "contracts": acc["contracts"],
                **{k: money_text(acc[k]) for k in ("total", "received", "outstanding", "overdue")}}
               for cur, acc in sorted(per_currency.items())]
    deal_rows = [{"id": d.id, "title": d.title, "stage": d.stage, "amount": money_text(d.amount_cents),
                  "currency": d.currency, "probability": d.probability, "expected_close_on": d.expected_close_on,
                  "lost_reason": d.lost_reason} for d in deals]
    return {"deals": deal_rows, "contracts": contract_rows, "balance": balance}


def _money(cents: int | None) -> Decimal:
    return from_cents(cents)


def export_sheets(session: Session, user: User) -> list[tuple[str, list[str], list[list[Any]]]]:
    """Extra sheets for the Excel export: (sheet name, headers, rows). Money cells are Decimals (exact numbers in
    Excel), dates are dates; only what ``user`` can see."""
    out: list[tuple[str, list[str], list[list[Any]]]] = []
    prods = session.exec(select(Product).order_by(Product.code)).all()
    out.append(("Products", ["Code", "Name", "Unit", "Spec", "Category", "List price", "Active"],
                [[p.code, p.name, p.unit, p.spec, p.category, _money(p.price_cents), p.active] for p in prods]))
    deal_rows = session.exec(
        select(Deal, Customer).join(Customer, col(Customer.id) == Deal.customer_id)
        .where(visible_clause(user), col(Customer.deleted_at).is_(None)).order_by(Deal.id)).all()
    users = {u.id: u.username for u in session.exec(select(User))}
    out.append(("Deals", ["ID", "Customer ID", "Customer", "Title", "Stage", "Amount", "Currency", "Probability %",
                          "Expected close", "Owner", "Closed on", "Lost reason"],
                [[d.id, c.id, c.name, d.title, d.stage, _money(d.amount_cents), d.currency, d.probability,
                  d.expected_close_on, users.get(d.owner_id), d.closed_on, d.lost_reason]  # type: ignore[arg-type]
                 for d, c in deal_rows]))
    contract_rows = session.exec(
        select(Contract, Customer).join(Customer, col(Customer.id) == Contract.customer_id)
        .where(visible_clause(user), col(Customer.deleted_at).is_(None)).order_by(Contract.number)).all()
    from crm_cli import payments
    from crm_cli.dates import Clock

    today = Clock().today
    sums = payments.balances(session, [c for c, _ in contract_rows], today)
    numbers = {c.id: c.number for c, _ in contract_rows}
    out.append(("Contracts", ["Number", "Customer ID", "Customer", "Kind", "Parent", "Status", "Signed", "Start",
                              "End", "Currency", "Total", "Received", "Outstanding", "Overdue"],
                [[c.number, cu.id, cu.name, c.kind, numbers.get(c.parent_id), c.status,  # type: ignore[arg-type]
                  c.signed_on, c.start_on, c.end_on, c.currency, _money(c.total_cents),
                  _money(sums[c.id].received_cents), _money(sums[c.id].outstanding_cents),  # type: ignore[index]
                  _money(sums[c.id].overdue_cents)] for c, cu in contract_rows]))  # type: ignore[index]
    ids = list(numbers)
    plan = session.exec(select(Installment).where(col(Installment.contract_id).in_(ids))
                        .order_by(Installment.contract_id, Installment.seq)).all() if ids else []
    out.append(("Payment plan", ["Contract", "#", "Due", "Amount", "Paid", "Open", "Status"],
                [[numbers[i.contract_id], i.seq, i.due_on, _money(i.amount_cents), _money(i.paid_cents),
                  _money(i.amount_cents - i.paid_cents), payments.status_of(i, today)] for i in plan]))
    paid = session.exec(select(Payment).where(col(Payment.contract_id).in_(ids))
                        .order_by(Payment.received_on, Payment.id)).all() if ids else []
    out.append(("Payments", ["ID", "Contract", "Received", "Amount", "Method", "Reference", "Note"],
                [[p.id, numbers[p.contract_id], p.received_on, _money(p.amount_cents), p.method, p.reference,
                  p.note] for p in paid]))
    return out
