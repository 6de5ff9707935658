"""The contacts and recent follow-ups that `crm customer show` prints, read through the light tables of
crm_cli.db.lean: the same rows in the same order as contacts.list_contacts and followups.list_followups (rows whose
``_mapping`` equals the models' ``model_dump()``), without building the Contact and FollowUp model classes.
tests/test_lean_commands.py checks both ways give the same rows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from crm_cli.access import visible_clause
from crm_cli.db.lean import CONTACTS, FOLLOWUPS
from crm_cli.db.models import Customer, User


def contact_rows(session: Any, customer: Customer) -> list[Any]:
    """contacts.list_contacts: the primary contact first, then by id."""
    c = CONTACTS.c
    stmt = select(CONTACTS).where(c.customer_id == customer.id).order_by(c.is_primary.desc(), c.id)
    return list(session.execute(stmt).all())


def recent_followup_rows(session: Any, *, user: User, customer: Customer, limit: int = 10) -> list[Any]:
    """followups.list_followups(user=user, customer=customer, limit=limit): newest first."""
    f = FOLLOWUPS.c
    # One customer: its owner checked by primary key (visible_clause indexed=False), not every customer the user
    # sees gathered first (26 ms for a manager on 100k).
    stmt = (select(FOLLOWUPS).join(Customer, Customer.id == f.customer_id)  # type: ignore[arg-type]
            .where(visible_clause(user, indexed=False))
            .where(f.customer_id == customer.id).order_by(f.at.desc(), f.id.desc()).limit(limit))
    return list(session.execute(stmt).all())


def as_dict(record: Any) -> dict[str, Any]:
    """A model's ``model_dump()`` or a light row's columns: the same dict for the same record."""
    dump = getattr(record, "model_dump", None)
    return dump() if dump is not None else dict(record._mapping)


def people_and_recent(session: Any, *, user: User, customer: Customer, models: bool,
                      limit: int = 10) -> tuple[list[Any], list[Any]]:
    """The customer's contacts and recent follow-ups: model objects when ``models`` (JSON wants every field as the
    models give it), else the same rows through the light tables (no Contact/FollowUp classes built)."""
    if models:
        from crm_cli import contacts, followups

        return (list(contacts.list_contacts(session, customer)),
                list(followups.list_followups(session, user=user, customer=customer, limit=limit)))
    return contact_rows(session, customer), recent_followup_rows(session, user=user, customer=customer, limit=limit)
