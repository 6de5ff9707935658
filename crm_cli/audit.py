"""The audit log: every change to a customer, contact or follow-up, with who, when and old → new values."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, select

if TYPE_CHECKING:
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
    from crm_cli.db.models import AuditEntry

    entry = AuditEntry(**_row(at, user_id, entity, entity_id, customer_id, action, changes, note))
    session.add(entry)
    return entry


def record_now(
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
) -> None:
    """``record``, written at once through the light table (crm_cli.db.lean) instead of a pending AuditEntry: for
    hot paths that have just flushed, so that the row takes the same place in the log (the AuditEntry class stays
    unbuilt). tests/test_lean_commands.py checks both write the same row."""
    from sqlalchemy import insert

    from crm_cli.db.lean import AUDIT_LOG

    session.execute(insert(AUDIT_LOG).values(**_row(at, user_id, entity, entity_id, customer_id, action, changes, note)))


def _row(at: datetime, user_id: int | None, entity: str, entity_id: int, customer_id: int | None, action: str,
         changes: dict[str, Any] | None, note: str | None) -> dict[str, Any]:
    return {
        "at": at, "user_id": user_id, "entity": entity, "entity_id": entity_id, "customer_id": customer_id,
        "action": action, "changes": {k: [_plain(a) for a in v] for k, v in (changes or {}).items()} or None, "note": note,
    }  # fmt: skip


def history(session: Session, customer_id: int) -> list[AuditEntry]:
    from crm_cli.db.models import AuditEntry

    stmt = select(AuditEntry).where(AuditEntry.customer_id == customer_id).order_by(AuditEntry.at, AuditEntry.id)
    return list(session.exec(stmt))


def shown_value(value: Any, tz: Any) -> Any:
    """A changed value as the history shows it: an instant (stored as ISO text in UTC, to the microsecond) as local
    time to the minute, ``2026-11-20 15:00``; anything else unchanged."""
    if isinstance(value, str) and len(value) >= 25 and value[10:11] == "T" and value[4:5] == "-":
        try:
            return datetime.fromisoformat(value).astimezone(tz).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return value
    return value
