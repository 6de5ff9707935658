"""Contacts: several per customer, one primary."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from crm_cli import audit
from crm_cli.access import can_edit
from crm_cli.dates import Clock, parse_date
from crm_cli.db.models import Contact, Customer, User
from crm_cli.errors import DuplicateRefused, InvalidInput, NotFound, PermissionDenied

CONTACT_FIELDS = ("name", "title", "department", "mobile", "phone", "email", "wechat", "birthday", "notes")


def _validate(data: dict[str, Any], today: date | None = None) -> dict[str, Any]:
    from crm_cli.customers import clean_text, validate_email, validate_phone

    out: dict[str, Any] = {}
    for key, value in data.items():
        if key == "is_primary":
            out[key] = bool(value)
        elif key not in CONTACT_FIELDS:
            raise InvalidInput(f"unknown contact field {key!r}; fields: {', '.join(CONTACT_FIELDS)}")
        elif key == "name":
            name = clean_text(value)
            if not name:
                raise InvalidInput("contact name is empty")
            out[key] = name
        elif key == "email":
            out[key] = validate_email(value)
        elif key in ("mobile", "phone"):
            out[key] = validate_phone(value, key)
        elif key == "birthday":
            out[key] = _birthday(value, today)
        else:
            out[key] = clean_text(value)
    return out


def _birthday(value: Any, today: date | None) -> date | None:
    """A birthday as a date: a date, a datetime, or text in the CLI's date language (crm_cli.dates)."""
    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, datetime):
        return value.date()
    text = str(value).strip()
    if not text:
        return None
    try:
        return parse_date(text, today=today or date.today())
    except InvalidInput as exc:
        raise InvalidInput(f"birthday: {exc.message}") from exc


def _check_edit(user: User, customer: Customer) -> None:
    if not can_edit(user, customer):
        raise PermissionDenied(f"{customer.label} is not yours to change")


def _touch_customer(session: Session, customer: Customer, user: User, clock: Clock) -> None:
    from crm_cli.customers import refresh_search_text

    session.flush()
    refresh_search_text(session, customer)
    customer.updated_at = clock.now
    customer.updated_by = user.id
    session.add(customer)


def _reach(kind: str, value: str | None) -> str | None:
    """A mobile, phone or e-mail in comparable form: digits without a leading 86 country code, or lower case."""
    if not value:
        return None
    if kind == "email":
        return value.strip().lower()
    digits = "".join(ch for ch in value if ch.isdigit())
    return digits[2:] if len(digits) == 13 and digits.startswith("86") else digits or None


def same_person(contact: Contact, values: dict[str, Any]) -> bool:
    """Whether ``values`` (validated) describe ``contact`` again: the same name, and a mobile, phone or e-mail in
    common, or none given to tell them apart. Two people of one name with different mobiles are two contacts."""
    if contact.name != values.get("name"):
        return False
    given = {k: _reach(k, values.get(k)) for k in ("mobile", "phone", "email") if values.get(k)}
    if not given:
        return True
    return any(_reach(k, getattr(contact, k)) == v for k, v in given.items())


def add_contact(
    session: Session, *, user: User, clock: Clock, customer: Customer, data: dict[str, Any], force: bool = False
) -> Contact:
    """Add a contact; refuses one that repeats a contact the customer has (``same_person``) unless ``force``."""
    _check_edit(user, customer)
    if "name" not in data:
        raise InvalidInput("contact name is empty")
    values = _validate(data, clock.today)
    existing = session.exec(select(Contact).where(Contact.customer_id == customer.id)).all()
    if not force and (twin := next((c for c in existing if same_person(c, values)), None)) is not None:
        reach = ", ".join(filter(None, (twin.mobile, twin.phone, twin.email))) or "no mobile, phone or e-mail"
        raise DuplicateRefused(
            f"{customer.label} already has contact #{twin.id} {twin.name} ({reach}); change that one with "
            f"`crm contact edit {twin.id}`, or use --force to add another {twin.name}")
    if not existing:
        values["is_primary"] = True
    elif values.get("is_primary"):
        for other in existing:
            other.is_primary = False
            session.add(other)
    contact = Contact(customer_id=customer.id, created_at=clock.now, updated_at=clock.now, **values)
    session.add(contact)
    session.flush()
    assert contact.id is not None
    audit.record(session, at=clock.now, user_id=user.id, entity="contact", entity_id=contact.id,
                 customer_id=customer.id, action="create", changes=audit.diff({}, values))
    _touch_customer(session, customer, user, clock)
    return contact


def get_contact(session: Session, contact_id: int) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFound(f"no contact #{contact_id}: see `crm contact list CUSTOMER`")
    return contact


def edit_contact(
    session: Session, *, user: User, clock: Clock, contact: Contact, changes: dict[str, Any]
) -> dict[str, list[Any]]:
    customer = session.get(Customer, contact.customer_id)
    assert customer is not None
    _check_edit(user, customer)
    values = _validate(changes, clock.today)
    delta = audit.diff({k: getattr(contact, k) for k in values}, values)
    if not delta:
        return {}
    if values.get("is_primary"):
        for other in session.exec(select(Contact).where(Contact.customer_id == customer.id, Contact.id != contact.id)):
            other.is_primary = False
            session.add(other)
    for key, value in values.items():
        setattr(contact, key, value)
    contact.updated_at = clock.now
    session.add(contact)
    assert contact.id is not None
    audit.record(session, at=clock.now, user_id=user.id, entity="contact", entity_id=contact.id,
                 customer_id=customer.id, action="update", changes=delta)
    _touch_customer(session, customer, user, clock)
    return delta


def delete_contact(session: Session, *, user: User, clock: Clock, contact: Contact) -> None:
    customer = session.get(Customer, contact.customer_id)
    assert customer is not None
    _check_edit(user, customer)
    snapshot = {k: getattr(contact, k) for k in CONTACT_FIELDS}
    was_primary = contact.is_primary
    assert contact.id is not None
    audit.record(session, at=clock.now, user_id=user.id, entity="contact", entity_id=contact.id,
                 customer_id=customer.id, action="delete", changes=audit.diff(snapshot, dict.fromkeys(snapshot)))
    session.delete(contact)
    session.flush()
    if was_primary:
        nxt = session.exec(select(Contact).where(Contact.customer_id == customer.id).order_by(col(Contact.id))).first()
        if nxt is not None:
            nxt.is_primary = True
            session.add(nxt)
    _touch_customer(session, customer, user, clock)


def list_contacts(session: Session, customer: Customer) -> list[Contact]:
    stmt = select(Contact).where(Contact.customer_id == customer.id)
    return list(session.exec(stmt.order_by(col(Contact.is_primary).desc(), col(Contact.id))))
