"""Payment plans (收款计划) and payments received (回款).

A contract has planned installments (due date, amount) and received payments (date, amount, method, optional link
to an installment). ``reallocate`` is the one place that decides which installment a payment pays: a linked payment
pays its installment first (any excess flows on); an unlinked payment pays the earliest open installments first.
The result is stored in ``installments.paid_cents`` so that due and overdue lists are indexed queries.

Outstanding = contract total − received. Overdue = what is still unpaid of installments whose due date has passed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from crm_cli import audit
from crm_cli.access import owner_of, visible_clause
from crm_cli.dates import Clock
from crm_cli.db.models import Contract, Customer, Installment, Payment, User
from crm_cli.errors import InvalidInput, NotFound, Refused
from crm_cli.money import format_money, money_text, parse_money, split_cents, to_cents

METHODS = {"transfer": "转账", "cash": "现金", "check": "支票", "card": "刷卡", "alipay": "支付宝", "wechat": "微信",
           "bill": "承兑汇票", "other": "其他"}
_METHOD_ALIASES = {"bank": "transfer", "wire": "transfer", "银行转账": "transfer", "汇款": "transfer",
                   "cheque": "check", "weixin": "wechat", "微信支付": "wechat", "acceptance": "bill", "汇票": "bill"}
_EVERY = re.compile(r"^(\d{1,3})\s*(d|w|m|q|y|天|周|月|个月|季|季度|年)$")


def parse_method(text: str) -> str:
    raw = (text or "").strip()
    for key, zh in METHODS.items():
        if raw.lower() == key or raw == zh:
            return key
    alias = _METHOD_ALIASES.get(raw.lower()) or _METHOD_ALIASES.get(raw)
    if alias:
        return alias
    allowed = ", ".join(f"{k} ({v})" for k, v in METHODS.items())
    raise InvalidInput(f"unknown payment method {text!r}: use one of {allowed}")


def parse_every(text: str) -> Any:
    """``1m``, ``2w``, ``30d``, ``1q``, ``1y`` (or 月/周/天/季/年) → a relativedelta."""
    from dateutil.relativedelta import relativedelta

    m = _EVERY.match((text or "").strip().lower())
    if not m or int(m.group(1)) == 0:
        raise InvalidInput(f"invalid interval {text!r}: use e.g. 1m (monthly), 2w, 30d, 1q (quarterly) or 1y")
    n, unit = int(m.group(1)), m.group(2)
    if unit in ("d", "天"):
        return relativedelta(days=n)
    if unit in ("w", "周"):
        return relativedelta(weeks=n)
    if unit in ("q", "季", "季度"):
        return relativedelta(months=3 * n)
    if unit in ("y", "年"):
        return relativedelta(years=n)
    return relativedelta(months=n)


def split_plan(total_cents: int, parts: int, first: date, every: Any) -> list[tuple[date, int]]:
    """``parts`` installments adding up exactly to the total; dates counted from ``first`` (no month-end drift)."""
    if parts < 1 or parts > 360:
        raise InvalidInput(f"--split must be from 1 to 360, not {parts}")
    return [(first + every * k, amount) for k, amount in enumerate(split_cents(total_cents, parts))]


def reallocate(session: Session, contract: Contract) -> int:
    """Recompute ``paid_cents`` of every installment of ``contract``. Returns the unallocated credit (overpayment
    beyond the plan)."""
    plan = list(session.exec(select(Installment).where(Installment.contract_id == contract.id)
                             .order_by(Installment.due_on, Installment.seq, Installment.id)))
    received = list(session.exec(select(Payment).where(Payment.contract_id == contract.id)
                                 .order_by(Payment.received_on, Payment.id)))
    paid = {i.id: 0 for i in plan}
    by_id = {i.id: i for i in plan}
    floating = 0
    for payment in received:
        amount = payment.amount_cents
        target = by_id.get(payment.installment_id) if payment.installment_id else None
        if target is not None:
            take = min(amount, target.amount_cents - paid[target.id])
            paid[target.id] += take
            amount -= take
        floating += amount
    for inst in plan:
        take = min(floating, inst.amount_cents - paid[inst.id])
        if take > 0:
            paid[inst.id] += take
            floating -= take
    for inst in plan:
        if inst.paid_cents != paid[inst.id]:
            inst.paid_cents = paid[inst.id]
            session.add(inst)
    session.flush()
    return floating


def installments(session: Session, contract: Contract) -> list[Installment]:
    return list(session.exec(select(Installment).where(Installment.contract_id == contract.id)
                             .order_by(Installment.due_on, Installment.seq)))


def payments_of(session: Session, contract: Contract) -> list[Payment]:
    return list(session.exec(select(Payment).where(Payment.contract_id == contract.id)
                             .order_by(Payment.received_on, Payment.id)))


def set_plan(
    session: Session,
    *,
    user: User,
    clock: Clock,
    contract: Contract,
    items: list[tuple[date, int]],
    force: bool = False,
) -> list[Installment]:
    """Replace the payment plan. The planned total must equal the contract total (the error says by how much it
    differs) unless ``force``."""
    from crm_cli.contracts import _check_customer_editable

    customer = session.get(Customer, contract.customer_id)
    assert customer is not None and contract.id is not None
    _check_customer_editable(user, customer)
    if not items:
        raise InvalidInput("no installments: use --split N [--every 1m] [--first DATE] or --on DATE AMOUNT")
    for due, amount in items:
        if amount <= 0:
            raise InvalidInput(f"installment on {due} has amount {money_text(amount)}: it must be more than zero")
    planned = sum(a for _, a in items)
    if planned != contract.total_cents and not force:
        diff = planned - contract.total_cents
        word = "more" if diff > 0 else "less"
        raise InvalidInput(
            f"the plan adds up to {format_money(planned, contract.currency)} but {contract.number} totals "
            f"{format_money(contract.total_cents, contract.currency)}: {format_money(abs(diff))} {word}; "
            "fix the amounts (or use --force to keep a partial plan)"
        )
    old = installments(session, contract)
    relinked = 0
    old_ids = [i.id for i in old]
    if old_ids:
        for payment in session.exec(select(Payment).where(col(Payment.installment_id).in_(old_ids))):
            payment.installment_id = None
            session.add(payment)
            relinked += 1
        session.flush()
        for inst in old:
            session.delete(inst)
        session.flush()
    created = []
    for seq, (due, amount) in enumerate(sorted(items, key=lambda x: x[0]), start=1):
        inst = Installment(contract_id=contract.id, seq=seq, due_on=due, amount_cents=amount)
        session.add(inst)
        created.append(inst)
    session.flush()
    reallocate(session, contract)
    audit.record(
        session, at=clock.now, user_id=user.id, entity="contract", entity_id=contract.id, customer_id=customer.id,
        action="plan",
        changes={"plan": [[f"{i.due_on}: {money_text(i.amount_cents)}" for i in old],
                          [f"{i.due_on}: {money_text(i.amount_cents)}" for i in created]]},
        note=f"{relinked} linked payment(s) now pay the earliest open installments" if relinked else None,
    )  # fmt: skip
    return created


def received_cents(session: Session, contract: Contract) -> int:
    stmt = select(func.coalesce(func.sum(Payment.amount_cents), 0)).where(Payment.contract_id == contract.id)
    return int(session.exec(stmt).one())


def add_payment(
    session: Session,
    *,
    user: User,
    clock: Clock,
    contract: Contract,
    amount: str,
    received_on: date | None = None,
    method: str = "transfer",
    installment_seq: int | None = None,
    reference: str | None = None,
    note: str | None = None,
    allow_over: bool = False,
) -> Payment:
    """Record money received. An amount beyond what is outstanding is refused (exit 4) unless ``allow_over``; then
    it is kept and shown as a credit."""
    from crm_cli.contracts import _check_customer_editable
    from crm_cli.customers import clean_text

    customer = session.get(Customer, contract.customer_id)
    assert customer is not None and contract.id is not None
    _check_customer_editable(user, customer)
    cents = to_cents(parse_money(amount, what="payment amount", allow_zero=False))
    on = received_on or clock.today
    if on > clock.today:
        raise InvalidInput(f"payment date {on} is in the future: record a payment when it has arrived")
    if contract.status == "terminated" and not allow_over:
        raise Refused(f"{contract.label} is terminated; use --allow-over to record a payment on it anyway")
    target = None
    if installment_seq is not None:
        target = session.exec(select(Installment).where(Installment.contract_id == contract.id,
                                                        Installment.seq == installment_seq)).first()
        if target is None:
            raise NotFound(f"{contract.label} has no installment {installment_seq}: see `crm contract show "
                           f"{contract.number}`")
    already = received_cents(session, contract)
    outstanding = contract.total_cents - already
    if cents > outstanding and not allow_over:
        raise Refused(
            f"{format_money(cents, contract.currency)} would overpay {contract.number}: only "
            f"{format_money(max(outstanding, 0), contract.currency)} is outstanding "
            f"(total {format_money(contract.total_cents)}, received {format_money(already)}); "
            "use --allow-over to record it as a credit"
        )
    payment = Payment(contract_id=contract.id, installment_id=target.id if target else None, received_on=on,
                      amount_cents=cents, method=parse_method(method), reference=clean_text(reference),
                      note=clean_text(note), user_id=user.id, created_at=clock.now)
    session.add(payment)
    session.flush()
    reallocate(session, contract)
    assert payment.id is not None
    audit.record(
        session, at=clock.now, user_id=user.id, entity="payment", entity_id=payment.id, customer_id=customer.id,
        action="create",
        changes=audit.diff({}, {"contract": contract.number, "amount": money_text(cents), "received_on": on,
                                "method": payment.method, "installment": installment_seq}),
        note="overpayment recorded as a credit" if cents > outstanding else None,
    )  # fmt: skip
    return payment


def delete_payment(session: Session, *, user: User, clock: Clock, payment_id: int,
                   reason: str | None = None) -> tuple[Payment, Contract]:
    """Remove a payment entered by mistake; the plan is reallocated and the history keeps what it was."""
    from crm_cli.contracts import _check_customer_editable
    from crm_cli.customers import clean_text

    payment = session.get(Payment, payment_id)
    contract = session.get(Contract, payment.contract_id) if payment else None
    customer = session.get(Customer, contract.customer_id) if contract else None
    from crm_cli.access import can_see

    if payment is None or contract is None or customer is None or not can_see(user, customer):
        raise NotFound(f"no payment #{payment_id}: see `crm payment list --received`")
    _check_customer_editable(user, customer)
    session.delete(payment)
    session.flush()
    reallocate(session, contract)
    audit.record(
        session, at=clock.now, user_id=user.id, entity="payment", entity_id=payment_id, customer_id=customer.id,
        action="delete",
        changes=audit.diff({"contract": contract.number, "amount": money_text(payment.amount_cents),
                            "received_on": payment.received_on}, {"contract": None, "amount": None,
                                                                  "received_on": None}),
        note=clean_text(reason),
    )  # fmt: skip
    return payment, contract


# ----------------------------------------------------------------------------------------------------- balances


@dataclass
class Balance:
    total_cents: int
    received_cents: int
    planned_cents: int
    overdue_cents: int
    next_due_on: date | None
    next_due_cents: int

    @property
    def outstanding_cents(self) -> int:
        return max(self.total_cents - self.received_cents, 0)

    @property
    def credit_cents(self) -> int:
        """Received beyond the contract total (an overpayment)."""
        return max(self.received_cents - self.total_cents, 0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": money_text(self.total_cents), "received": money_text(self.received_cents),
            "outstanding": money_text(self.outstanding_cents), "overdue": money_text(self.overdue_cents),
            "planned": money_text(self.planned_cents), "credit": money_text(self.credit_cents),
            "next_due_on": self.next_due_on, "next_due": money_text(self.next_due_cents) if self.next_due_on else None,
        }  # fmt: skip


def balances(session: Session, contracts: list[Contract], today: date) -> dict[int, Balance]:
    """Balances of many contracts with three grouped queries."""
    ids = [c.id for c in contracts if c.id is not None]
    if not ids:
        return {}
    received = dict(session.exec(
        select(Payment.contract_id, func.sum(Payment.amount_cents)).where(col(Payment.contract_id).in_(ids))
        .group_by(Payment.contract_id)).all())
    plan_rows = session.exec(
        select(Installment.contract_id, func.sum(Installment.amount_cents),
               func.sum(case((col(Installment.due_on) < today,
                               Installment.amount_cents - Installment.paid_cents), else_=0)))
        .where(col(Installment.contract_id).in_(ids)).group_by(Installment.contract_id)).all()
    plan = {cid: (int(p or 0), int(o or 0)) for cid, p, o in plan_rows}
    nxt: dict[int, tuple[date, int]] = {}
    for inst in session.exec(select(Installment).where(col(Installment.contract_id).in_(ids),
                                                       col(Installment.due_on) >= today,
                                                       Installment.paid_cents < Installment.amount_cents)
                             .order_by(Installment.due_on)):
        nxt.setdefault(inst.contract_id, (inst.due_on, inst.amount_cents - inst.paid_cents))
    out = {}
    for c in contracts:
        assert c.id is not None
        due = nxt.get(c.id)
        out[c.id] = Balance(c.total_cents, int(received.get(c.id) or 0), plan.get(c.id, (0, 0))[0],
                            plan.get(c.id, (0, 0))[1], due[0] if due else None, due[1] if due else 0)
    return out


def balance(session: Session, contract: Contract, today: date) -> Balance:
    assert contract.id is not None
    return balances(session, [contract], today)[contract.id]


# --------------------------------------------------------------------------------------------- due and overdue


@dataclass(frozen=True, slots=True)
class DueItem:
    """One installment with what the lists need of its contract and customer (read as columns, not objects)."""

    installment_id: int
    contract_id: int
    seq: int
    due_on: date
    amount_cents: int
    paid_cents: int
    contract_number: str
    currency: str
    contract_owner_id: int | None
    customer_id: int
    customer_name: str
    customer_owner_id: int | None

    @property
    def open_cents(self) -> int:
        return self.amount_cents - self.paid_cents

    def overdue_days(self, today: date) -> int:
        return max((today - self.due_on).days, 0)

    def status(self, today: date) -> str:
        return installment_status(self.amount_cents, self.paid_cents, self.due_on, today)

    def as_dict(self, today: date) -> dict[str, Any]:
        return {
            "contract": self.contract_number, "customer_id": self.customer_id, "customer": self.customer_name,
            "seq": self.seq, "due_on": self.due_on, "amount": money_text(self.amount_cents),
            "paid": money_text(self.paid_cents), "open": money_text(self.open_cents), "currency": self.currency,
            "overdue_days": self.overdue_days(today), "status": self.status(today),
            "owner_id": self.customer_owner_id or self.contract_owner_id,
        }  # fmt: skip


def installment_status(amount: int, paid: int, due_on: date, today: date) -> str:
    if paid >= amount:
        return "paid"
    if due_on < today:
        return "overdue"
    return "partial" if paid else "open"


def status_of(inst: Installment, today: date) -> str:
    return installment_status(inst.amount_cents, inst.paid_cents, inst.due_on, today)


def list_installments(
    session: Session,
    *,
    user: User | None,
    clock: Clock,
    overdue: bool = False,
    due_within: int | None = None,
    include_paid: bool = False,
    contract: Contract | None = None,
    customer: Customer | None = None,
    owner_ids: list[int] | None = None,
    limit: int | None = None,
) -> list[DueItem]:
    """Installments of live contracts (not draft/terminated). ``overdue``: due before today and not fully paid;
    ``due_within N``: not fully paid and due from today to today + N days. Both given: either."""
    today = clock.today
    if due_within is not None and due_within < 0:
        raise InvalidInput("--due-within must be 0 or more days")
    customer_owner = owner_of("owner_id")  # the customer's owner: one primary-key lookup per installment
    stmt = (select(Installment.id, Installment.contract_id, Installment.seq, Installment.due_on,  # type: ignore[call-overload]
                   Installment.amount_cents, Installment.paid_cents, Contract.number, Contract.currency,
                   Contract.owner_id, Customer.id, Customer.name, customer_owner)
            .join(Contract, col(Contract.id) == Installment.contract_id)
            .join(Customer, col(Customer.id) == Contract.customer_id)
            .where(col(Customer.deleted_at).is_(None), col(Contract.status).in_(["active", "finished"])))
    if user is not None:
        # Checked per installment found (a lookup of its customer's owner row), not by listing every customer the
        # user can see first: the open installments are few, the visible customers many.
        stmt = stmt.where(visible_clause(user, indexed=False))
    if not include_paid or overdue or due_within is not None:
        stmt = stmt.where(Installment.paid_cents < Installment.amount_cents)
    if overdue and due_within is not None:
        stmt = stmt.where(col(Installment.due_on) <= today + timedelta(days=due_within))
    elif overdue:
        stmt = stmt.where(col(Installment.due_on) < today)
    elif due_within is not None:
        stmt = stmt.where(col(Installment.due_on) >= today, col(Installment.due_on) <= today + timedelta(days=due_within))
    if contract is not None:
        stmt = stmt.where(Installment.contract_id == contract.id)
    if customer is not None:
        stmt = stmt.where(Contract.customer_id == customer.id)
    if owner_ids is not None:
        stmt = stmt.where(col(Contract.owner_id).in_(owner_ids) | customer_owner.in_(owner_ids))
    stmt = stmt.order_by(Installment.due_on, Contract.number, Installment.seq)
    if limit:
        stmt = stmt.limit(limit)
    return [DueItem(*row) for row in session.exec(stmt)]


def payments_due(session: Session, *, user: User, clock: Clock, days: int) -> list[dict[str, Any]]:
    """For the dashboard: ``user``'s open installments that are overdue or due within ``days`` days (contracts
    they own or of customers they own), earliest first, as plain dicts with money as decimal text."""
    assert user.id is not None
    items = list_installments(session, user=user, clock=clock, overdue=True, due_within=days, owner_ids=[user.id])
    return [item.as_dict(clock.today) for item in items]


def list_payments(session: Session, *, user: User, contract: Contract | None = None,
                  customer: Customer | None = None, since: date | None = None,
                  limit: int | None = 200) -> list[tuple[Payment, Contract, Customer]]:
    stmt = (select(Payment, Contract, Customer).join(Contract, col(Contract.id) == Payment.contract_id)
            .join(Customer, col(Customer.id) == Contract.customer_id).where(visible_clause(user, indexed=False)))
    if contract is not None:
        stmt = stmt.where(Payment.contract_id == contract.id)
    if customer is not None:
        stmt = stmt.where(Contract.customer_id == customer.id)
    if since is not None:
        stmt = stmt.where(col(Payment.received_on) >= since)
    stmt = stmt.order_by(col(Payment.received_on).desc(), col(Payment.id).desc())
    if limit:
        stmt = stmt.limit(limit)
    return [(p, c, cu) for p, c, cu in session.exec(stmt)]


def payment_dict(payment: Payment, contract: Contract, customer: Customer) -> dict[str, Any]:
    data = payment.model_dump(exclude={"amount_cents"})
    data.update(amount=money_text(payment.amount_cents), currency=contract.currency, contract=contract.number,
                customer=customer.name)
    return data
