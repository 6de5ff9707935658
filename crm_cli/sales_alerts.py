"""Alerts for `crm remind` from the sales side: payment installments due within N days or overdue, and active
contracts ending within N days.

Providers follow the interface of ``crm_cli.remind``: ``fn(session, clock, days, user_ids) -> list[Alert]`` where
``user_ids`` are the users whose alerts are wanted (None: everyone). An alert goes to the owner of the customer,
or to the contract's owner when the customer sits in the public pool. The providers register themselves when
this module is imported (``crm_cli.remind`` imports it).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlmodel import Session, col, select

from crm_cli.dates import Clock
from crm_cli.db.models import Contract, Customer, CustomerOwner
from crm_cli.money import format_money
from crm_cli.remind import KIND_LABELS, KIND_ORDER, Alert, register_alert_provider

KINDS = {"payment_overdue": "payment overdue", "payment_due": "payment due", "contract_ending": "contract ends"}


def _wanted(user_id: int | None, user_ids: Iterable[int] | None) -> bool:
    return user_id is not None and (user_ids is None or user_id in set(user_ids))


def payment_alerts(session: Session, clock: Clock, days: int, user_ids: Iterable[int] | None) -> list[Any]:
    """Open installments overdue (kind ``payment_overdue``) or due within ``days`` (``payment_due``). Both are
    delivered under one key (family ``payment``): an installment alerted as due is not alerted again when it
    becomes overdue."""
    from crm_cli.payments import list_installments

    today = clock.today
    wanted = set(user_ids) if user_ids is not None else None
    out = []
    for item in list_installments(session, user=None, clock=clock, overdue=True, due_within=days):
        recipient = item.customer_owner_id or item.contract_owner_id
        if not _wanted(recipient, wanted):
            continue
        cur = item.currency
        late = item.overdue_days(today)
        if late:
            kind = "payment_overdue"
            text = (f"{item.contract_number} installment {item.seq}: {format_money(item.open_cents, cur)} "
                    f"overdue since {item.due_on} ({late} days)")
        else:
            kind = "payment_due"
            when = "today" if item.due_on == today else f"on {item.due_on}"
            text = f"{item.contract_number} installment {item.seq}: {format_money(item.open_cents, cur)} due {when}"
        out.append(Alert(user_id=recipient, kind=kind, customer_id=item.customer_id,  # type: ignore[arg-type]
                         customer_name=item.customer_name, due=item.due_on, text=text,
                         item_key=f"installment:{item.installment_id}", family="payment"))
    return out


def contract_alerts(session: Session, clock: Clock, days: int, user_ids: Iterable[int] | None) -> list[Any]:
    """Active contracts whose end date falls from today to ``days`` ahead (kind ``contract_ending``)."""
    today = clock.today
    wanted = set(user_ids) if user_ids is not None else None
    stmt = (select(Contract.id, Contract.number, Contract.end_on, Contract.total_cents,  # type: ignore[call-overload]
                   Contract.currency, Contract.owner_id, Customer.id, Customer.name, CustomerOwner.owner_id)
            .join(Customer, col(Customer.id) == Contract.customer_id)
            .join(CustomerOwner, col(CustomerOwner.customer_id) == Customer.id)
            .where(Contract.status == "active", col(Customer.deleted_at).is_(None),
                   col(Contract.end_on) >= today, col(Contract.end_on) <= today + timedelta(days=days))
            .order_by(Contract.end_on, Contract.number))
    out = []
    for contract_id, number, end_on, total, currency, c_owner, customer_id, name, owner in session.exec(stmt):
        recipient = owner or c_owner
        if not _wanted(recipient, wanted):
            continue
        left = (end_on - today).days
        when = "today" if left == 0 else f"in {left} days, on {end_on}"
        out.append(Alert(user_id=recipient, kind="contract_ending", customer_id=customer_id,
                         customer_name=name, due=end_on,
                         text=f"contract {number} ({format_money(total, currency)}) ends {when}: renew or close it",
                         item_key=f"contract:{contract_id}"))
    return out


register_alert_provider(payment_alerts)
register_alert_provider(contract_alerts)
for _kind, _label in KINDS.items():
    KIND_LABELS.setdefault(_kind, _label)
    if _kind not in KIND_ORDER:
        KIND_ORDER.append(_kind)
