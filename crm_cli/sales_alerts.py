"""Alerts for `crm remind` from the sales side: payment installments due within N days or overdue, and active
contracts ending within N days.

Providers follow the interface of ``crm_cli.remind``: ``fn(session, clock, days, user_ids) -> list[Alert]`` where
``user_ids`` are the users whose alerts are wanted (None: everyone). An alert goes to the owner of the customer,
or to the contract's owner when the customer sits in the public pool. When ``crm_cli.remind`` is present the
providers register themselves on import of this module; without it, a small local ``Alert`` with the same fields
is used so that the functions work (and are tested) on their own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, col, select

from crm_cli.dates import Clock
from crm_cli.db.models import Contract, Customer
from crm_cli.money import format_money

try:  # the pool/remind capability (issue 3) owns the Alert type and the provider list
    from crm_cli.remind import KIND_LABELS, Alert, register_alert_provider  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - exercised until remind is merged

    @dataclass(frozen=True, slots=True)
    class Alert:  # type: ignore[no-redef]
        user_id: int
        kind: str
        customer_id: int | None
        customer_name: str
        due: date
        text: str
        item_key: str

    KIND_LABELS: dict[str, str] = {}  # type: ignore[no-redef]
    register_alert_provider = None  # type: ignore[assignment]

KINDS = {"payment_overdue": "payment overdue", "payment_due": "payment due", "contract_ending": "contract ends"}


def _recipient(contract: Contract, customer: Customer) -> int | None:
    return customer.owner_id or contract.owner_id


def _wanted(user_id: int | None, user_ids: Iterable[int] | None) -> bool:
    return user_id is not None and (user_ids is None or user_id in set(user_ids))


def payment_alerts(session: Session, clock: Clock, days: int, user_ids: Iterable[int] | None) -> list[Any]:
    """Open installments overdue (kind ``payment_overdue``) or due within ``days`` (``payment_due``)."""
    from crm_cli.payments import list_installments

    today = clock.today
    wanted = set(user_ids) if user_ids is not None else None
    out = []
    for item in list_installments(session, user=None, clock=clock, overdue=True, due_within=days):
        recipient = _recipient(item.contract, item.customer)
        if not _wanted(recipient, wanted):
            continue
        inst, cur = item.installment, item.contract.currency
        late = item.overdue_days(today)
        if late:
            kind = "payment_overdue"
            text = (f"{item.contract.number} installment {inst.seq}: {format_money(item.open_cents, cur)} "
                    f"overdue since {inst.due_on} ({late} days)")
        else:
            kind = "payment_due"
            when = "today" if inst.due_on == today else f"on {inst.due_on}"
            text = f"{item.contract.number} installment {inst.seq}: {format_money(item.open_cents, cur)} due {when}"
        out.append(Alert(user_id=recipient, kind=kind, customer_id=item.customer.id,  # type: ignore[arg-type]
                         customer_name=item.customer.name, due=inst.due_on, text=text,
                         item_key=f"installment:{inst.id}"))
    return out


def contract_alerts(session: Session, clock: Clock, days: int, user_ids: Iterable[int] | None) -> list[Any]:
    """Active contracts whose end date falls from today to ``days`` ahead (kind ``contract_ending``)."""
    today = clock.today
    wanted = set(user_ids) if user_ids is not None else None
    stmt = (select(Contract, Customer).join(Customer, col(Customer.id) == Contract.customer_id)
            .where(Contract.status == "active", col(Customer.deleted_at).is_(None),
                   col(Contract.end_on) >= today, col(Contract.end_on) <= today + timedelta(days=days))
            .order_by(Contract.end_on, Contract.number))
    out = []
    for contract, customer in session.exec(stmt):
        recipient = _recipient(contract, customer)
        if not _wanted(recipient, wanted):
            continue
        assert contract.end_on is not None
        left = (contract.end_on - today).days
        when = "today" if left == 0 else f"in {left} days, on {contract.end_on}"
        out.append(Alert(user_id=recipient, kind="contract_ending", customer_id=customer.id,  # type: ignore[arg-type]
                         customer_name=customer.name, due=contract.end_on,
                         text=f"contract {contract.number} ({format_money(contract.total_cents, contract.currency)}) "
                              f"ends {when}: renew or close it",
                         item_key=f"contract:{contract.id}"))
    return out


if register_alert_provider is not None:  # pragma: no cover - wired once remind is on main
    register_alert_provider(payment_alerts)
    register_alert_provider(contract_alerts)
    for _kind, _label in KINDS.items():
        KIND_LABELS.setdefault(_kind, _label)
