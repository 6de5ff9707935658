"""The audit log: every change to a customer, contact or follow-up, with who, when and old → new values."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session, select

from crm_cli.db.models import AuditEntry


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields whose value changes."""
    return {k: [_plain(old.get(k)), _plain(v)] for k, v in new.items() if old.get(k) != v}


def record(
    session: Session,
    *,
    at: datetime,
    user_id: int | None,
    entity: str,
    entity_id: int,
    customer_id: int | None,
    action: str,
    changes: dict[str, Any] | None = None,
    note: str | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        at=at, user_id=user_id, entity=entity, entity_id=entity_id, customer_id=customer_id,
        action=action, changes={k: [_plain(a) for a in v] for k, v in (changes or {}).items()} or None, note=note,
    )  # fmt: skip
    session.add(entry)
    return entry


def history(session: Session, customer_id: int) -> list[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.customer_id == customer_id).order_by(AuditEntry.at, AuditEntry.id)
    return list(session.exec(stmt))
