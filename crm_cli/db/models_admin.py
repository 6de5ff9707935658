"""The audit log, the database settings and customer shares.

Built on first use: ``from crm_cli.db.models import AuditEntry`` loads this module (see crm_cli.db.models). The hot
customer commands read and write these tables through the light Core tables of crm_cli.db.lean instead.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer
from sqlmodel import Field, SQLModel

from crm_cli.db.models import _instant


class AuditEntry(SQLModel, table=True):
    """Every change to a customer, contact or follow-up: who, when, what, old → new values."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_customer_at", "customer_id", "at"),
        Index("ix_audit_entity", "entity", "entity_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime | None = _instant(nullable=False)
    user_id: int | None = Field(default=None, foreign_key="users.id")
    entity: str  # customer | contact | followup | user
    entity_id: int
    customer_id: int | None = None  # no FK: history outlives the record
    action: str  # create | update | delete | restore | ...
    changes: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    note: str | None = None


class Setting(SQLModel, table=True):
    __tablename__ = "settings"

    key: str = Field(primary_key=True)
    value: Any = Field(default=None, sa_column=Column(JSON))


# --- pool ---


class CustomerShare(SQLModel, table=True):
    """A customer shared with a user who does not own it: they can see it (list, show, history)."""

    __tablename__ = "customer_shares"
    __table_args__ = (Index("ix_customer_shares_user", "user_id", "customer_id"),)

    customer_id: int = Field(
        sa_column=Column(Integer, ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)
    )
    user_id: int = Field(sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True))
    granted_by: int | None = None
    granted_at: datetime | None = _instant()
