"""Contracts (合同): unique number, customer, optional deal, standard or supplementary (补充协议, belongs to a parent
contract), signed/start/end dates, lines with computed amounts, total, currency, status, notes.

Signing a contract (a signed date with status active) makes the customer ``won`` (成交) and records the date in
``customers.won_on``; the pool rules leave won customers alone. Linking a signed contract to an open deal marks
the deal won.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, col, select

from crm_cli import audit
from crm_cli.access import can_edit, can_see, visible_clause
from crm_cli.dates import Clock
from crm_cli.db.models import Contract, ContractLine, Customer, Deal, Payment, User
from crm_cli.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from crm_cli.money import default_currency, money_text, parse_currency, parse_money, to_cents
from crm_cli.vocab import Level

STATUSES = {"draft": "草稿", "active": "执行中", "finished": "已完成", "terminated": "已终止"}
_STATUS_ALIASES = {"signed": "active", "生效": "active", "done": "finished", "完成": "finished", "closed": "finished",
                   "终止": "terminated", "cancelled": "terminated", "canceled": "terminated"}
KINDS = {"standard": "标准合同", "supplementary": "补充协议"}


def parse_status(text: str) -> str:
    raw = (text or "").strip()
    for key, zh in STATUSES.items():
        if raw.lower() == key or raw == zh:
            return key
    if raw.lower() in _STATUS_ALIASES or raw in _STATUS_ALIASES:
        return _STATUS_ALIASES.get(raw.lower()) or _STATUS_ALIASES[raw]
    allowed = ", ".join(f"{k} ({v})" for k, v in STATUSES.items())
    raise InvalidInput(f"unknown contract status {text!r}: use one of {allowed}")


def _clean_number(number: str) -> str:
    from crm_cli.customers import clean_text

    text = clean_text(number)
    if not text:
        raise InvalidInput("contract number is empty: give the number printed on the contract, e.g. HT-2026-001")
    return text


def get_contract(session: Session, number: str, *, user: User) -> Contract:
    text = _clean_number(number)
    contract = session.exec(select(Contract).where(Contract.number == text)).first()
    if contract is None and text.lstrip("#").isdigit():
        contract = session.get(Contract, int(text.lstrip("#")))
    if contract is not None:
        customer = session.get(Customer, contract.customer_id)
        if customer is None or not can_see(user, customer):
            contract = None
    if contract is None:
        raise NotFound(f"no contract {text!r}: see `crm contract list`")
    return contract


def _check_dates(signed_on: date | None, start_on: date | None, end_on: date | None, today: date) -> None:
    if start_on and end_on and end_on < start_on:
        raise InvalidInput(f"end date {end_on} is before start date {start_on}")
    if signed_on and signed_on > today:
        raise InvalidInput(f"signed date {signed_on} is in the future: add the contract as a draft (no --signed) "
                           "and sign it with `crm contract edit NUMBER --signed DATE` when it is signed")


def _check_customer_editable(user: User, customer: Customer) -> None:
    if not can_edit(user, customer):
        hint = "; claim it from the pool first" if customer.owner_id is None else ""
        raise PermissionDenied(f"{customer.label} is not yours: its contracts are kept by its owner{hint}")
    if customer.deleted_at is not None:
        raise InvalidInput(f"{customer.label} is deleted; restore it first")


def mark_customer_won(session: Session, *, user: User, clock: Clock, customer: Customer, on: date,
                      why: str) -> None:
    """The won transition: level ``won`` and ``won_on`` (the earliest signing date). Audited."""
    old = {"level": customer.level, "won_on": customer.won_on}
    customer.level = Level.WON.value
    if customer.won_on is None or on < customer.won_on:
        customer.won_on = on
    delta = audit.diff(old, {"level": customer.level, "won_on": customer.won_on})
    if not delta:
        return
    customer.updated_at = clock.now
    customer.updated_by = user.id
    session.add(customer)
    assert customer.id is not None
    audit.record(session, at=clock.now, user_id=user.id, entity="customer", entity_id=customer.id,
                 customer_id=customer.id, action="won", changes=delta, note=why)


def _write_lines(session: Session, contract: Contract, specs: list[str], level: str | None) -> int:
    from crm_cli.products import parse_lines

    parsed = parse_lines(session, specs, level=level)
    for old in session.exec(select(ContractLine).where(ContractLine.contract_id == contract.id)):
        session.delete(old)
    session.flush()
    for position, line in enumerate(parsed, start=1):
        session.add(ContractLine(contract_id=contract.id, position=position, product_id=line.product_id,
                                 description=line.name, quantity=line.quantity,
                                 unit_price_cents=line.unit_price_cents, discount_bp=line.discount_bp,
                                 amount_cents=line.amount_cents))
    return sum(x.amount_cents for x in parsed)


def _after_signing(session: Session, *, user: User, clock: Clock, contract: Contract, customer: Customer) -> None:
    if contract.status != "active" or contract.signed_on is None:
        return
    mark_customer_won(session, user=user, clock=clock, customer=customer, on=contract.signed_on,
                      why=f"contract {contract.number} signed on {contract.signed_on}")
    if contract.deal_id is not None:
        from crm_cli import deals

        deal = session.get(Deal, contract.deal_id)
        if deal is not None and deal.stage not in deals.CLOSED:
            deals.move_deal(session, user=user, clock=clock, deal=deal, stage=deals.WON)


def add_contract(
    session: Session,
    *,
    user: User,
    clock: Clock,
    number: str,
    customer: Customer | None = None,
    signed_on: date | None = None,
    start_on: date | None = None,
    end_on: date | None = None,
    lines: list[str] | None = None,
    amount: str | None = None,
    parent: str | None = None,
    deal_id: int | None = None,
    currency: str | None = None,
    status: str | None = None,
    notes: str | None = None,
) -> Contract:
    from crm_cli.customers import clean_text

    number = _clean_number(number)
    existing = session.exec(select(Contract).where(Contract.number == number)).first()
    if existing is not None:
        raise Conflict(f"contract number {number!r} exists already (customer #{existing.customer_id}); "
                       "numbers are unique: use another number or `crm contract edit`")
    parent_contract = get_contract(session, parent, user=user) if parent else None
    if parent_contract is not None:
        if customer is None:
            customer = session.get(Customer, parent_contract.customer_id)
        elif customer.id != parent_contract.customer_id:
            raise InvalidInput(f"supplementary contract {number} must be for the parent's customer "
                               f"(#{parent_contract.customer_id}), not {customer.label}")
    if customer is None:
        raise InvalidInput("which customer? give --customer REF (or --parent NUMBER for a supplementary contract)")
    _check_customer_editable(user, customer)
    _check_dates(signed_on, start_on, end_on, clock.today)
    state = parse_status(status) if status else ("active" if signed_on else "draft")
    if state == "active" and signed_on is None:
        raise InvalidInput("an active contract needs its signed date: --signed DATE")
    if lines and amount is not None:
        raise InvalidInput("give either --amount or --line items (the total is computed from the lines), not both")
    deal = None
    if deal_id is not None:
        deal = session.get(Deal, deal_id)
        if deal is None or deal.customer_id != customer.id:
            raise NotFound(f"no deal #{deal_id} for {customer.label}: see `crm deal list --customer {customer.id}`")
    if currency:
        code = parse_currency(currency)
    elif parent_contract is not None:
        code = parent_contract.currency
    elif deal is not None:
        code = deal.currency
    else:
        code = default_currency(session)
    if parent_contract is not None and code != parent_contract.currency:
        raise InvalidInput(f"supplementary contract in {code} but its parent {parent_contract.number} is in "
                           f"{parent_contract.currency}: use the same currency")
    contract = Contract(
        number=number, customer_id=customer.id, deal_id=deal.id if deal else None,
        kind="supplementary" if parent_contract else "standard",
        parent_id=parent_contract.id if parent_contract else None, signed_on=signed_on, start_on=start_on,
        end_on=end_on, currency=code, status=state, notes=clean_text(notes), owner_id=customer.owner_id or user.id,
        created_at=clock.now, updated_at=clock.now,
    )  # fmt: skip
    session.add(contract)
    session.flush()
    assert contract.id is not None
    if lines:
        contract.total_cents = _write_lines(session, contract, lines, customer.level)
    else:
        contract.total_cents = to_cents(parse_money(amount or "0", what="contract amount"))
    session.add(contract)
    audit.record(
        session, at=clock.now, user_id=user.id, entity="contract", entity_id=contract.id, customer_id=customer.id,
        action="create",
        changes=audit.diff({}, {"number": number, "kind": contract.kind, "parent": parent_contract.number
                                if parent_contract else None, "total": money_text(contract.total_cents),
                                "currency": code, "status": state, "signed_on": signed_on, "start_on": start_on,
                                "end_on": end_on}),
    )  # fmt: skip
    session.flush()
    _after_signing(session, user=user, clock=clock, contract=contract, customer=customer)
    session.flush()
    return contract


def edit_contract(
    session: Session,
    *,
    user: User,
    clock: Clock,
    contract: Contract,
    changes: dict[str, Any],
) -> dict[str, list[Any]]:
    """Change fields (``signed_on``, ``start_on``, ``end_on``, ``status``, ``notes``, ``currency``, ``amount``,
    ``lines``). Giving a signed date to a draft activates (signs) it."""
    from crm_cli.customers import clean_text

    customer = session.get(Customer, contract.customer_id)
    assert customer is not None
    _check_customer_editable(user, customer)
    values: dict[str, Any] = {}
    for key, value in changes.items():
        if key in ("signed_on", "start_on", "end_on"):
            values[key] = value
        elif key == "status":
            values[key] = parse_status(value)
        elif key == "notes":
            values[key] = clean_text(value)
        elif key == "currency":
            code = parse_currency(value)
            if code != contract.currency and session.exec(
                    select(Payment.id).where(Payment.contract_id == contract.id)).first():
                raise Conflict(f"{contract.label} has payments in {contract.currency}; its currency cannot change")
            values[key] = code
        elif key in ("amount", "lines"):
            pass
        else:
            raise InvalidInput(f"unknown contract field {key!r}")
    if "signed_on" in values and values["signed_on"] and contract.status == "draft" and "status" not in values:
        values["status"] = "active"
    merged = {k: values.get(k, getattr(contract, k)) for k in ("signed_on", "start_on", "end_on", "status")}
    _check_dates(merged["signed_on"] if "signed_on" in values else None, merged["start_on"], merged["end_on"],
                 clock.today)
    if merged["status"] == "active" and merged["signed_on"] is None:
        raise InvalidInput("an active contract needs its signed date: --signed DATE")
    if changes.get("lines") and changes.get("amount") is not None:
        raise InvalidInput("give either --amount or --line items, not both")
    old_total = contract.total_cents
    if changes.get("lines"):
        values["total_cents"] = _write_lines(session, contract, changes["lines"], customer.level)
    elif changes.get("amount") is not None:
        if session.exec(select(ContractLine.id).where(ContractLine.contract_id == contract.id)).first():
            raise InvalidInput(f"{contract.label} has lines: its total is their sum; change the lines with --line")
        values["total_cents"] = to_cents(parse_money(changes["amount"], what="contract amount"))
    delta = audit.diff({k: getattr(contract, k) for k in values}, values)
    if not delta:
        return {}
    was_signed = contract.status == "active" and contract.signed_on is not None
    for key, value in values.items():
        setattr(contract, key, value)
    contract.updated_at = clock.now
    session.add(contract)
    if "total_cents" in delta:
        delta["total"] = [money_text(old_total), money_text(contract.total_cents)]
        del delta["total_cents"]
        from crm_cli import payments

        payments.reallocate(session, contract)
    assert contract.id is not None
    audit.record(session, at=clock.now, user_id=user.id, entity="contract", entity_id=contract.id,
                 customer_id=customer.id, action="update", changes=delta)
    session.flush()
    if not was_signed:
        _after_signing(session, user=user, clock=clock, contract=contract, customer=customer)
    session.flush()
    return delta


@dataclass
class ContractQuery:
    customer: Customer | None = None
    status: list[str] | None = None
    owner: str | None = "all"
    ending_within: int | None = None
    limit: int | None = 100


def list_contracts(session: Session, query: ContractQuery, *, user: User,
                   clock: Clock) -> list[tuple[Contract, Customer]]:
    stmt = (select(Contract, Customer).join(Customer, col(Customer.id) == Contract.customer_id)
            .where(visible_clause(user, indexed=False), col(Customer.deleted_at).is_(None)))
    if query.customer is not None:
        stmt = stmt.where(Contract.customer_id == query.customer.id)
    if query.status:
        stmt = stmt.where(col(Contract.status).in_([parse_status(s) for s in query.status]))
    owner = (query.owner or "all").strip()
    if owner == "me":
        stmt = stmt.where(Contract.owner_id == user.id)
    elif owner != "all":
        from crm_cli.users import get_user

        stmt = stmt.where(Contract.owner_id == get_user(session, owner).id)
    if query.ending_within is not None:
        stmt = stmt.where(col(Contract.end_on) >= clock.today,
                          col(Contract.end_on) <= clock.today + timedelta(days=query.ending_within),
                          Contract.status == "active")
    stmt = stmt.order_by(col(Contract.signed_on).desc(), col(Contract.id).desc())
    if query.limit:
        stmt = stmt.limit(query.limit)
    return [(c, cu) for c, cu in session.exec(stmt)]


def contract_lines(session: Session, contract: Contract) -> list[ContractLine]:
    return list(session.exec(select(ContractLine).where(ContractLine.contract_id == contract.id)
                             .order_by(ContractLine.position)))


def supplements(session: Session, contract: Contract) -> list[Contract]:
    return list(session.exec(select(Contract).where(Contract.parent_id == contract.id).order_by(Contract.id)))


def contract_dict(contract: Contract, customer: Customer | None = None) -> dict[str, Any]:
    data = contract.model_dump(exclude={"total_cents"})
    data["total"] = money_text(contract.total_cents)
    if customer is not None:
        data["customer"] = customer.name
    return data
