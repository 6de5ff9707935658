"""The tables. SQLModel classes; the schema itself is created and changed only by Alembic migrations.

Conventions: instants are ``UTCDateTime`` (aware UTC), calendar dates are ``date``. ``customers.owner_id`` NULL
means the customer is in the public pool (公海). ``last_followup_at`` and ``next_followup_on`` are kept up to date
by the follow-up functions so that the agenda and the pool sweep never scan follow-ups.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from crm_cli.db.types import UTCDateTime


def _instant(*, nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, index=True)
    display_name: str = ""
    email: str | None = None
    role: str = "rep"
    manager_id: int | None = Field(default=None, foreign_key="users.id")
    active: bool = True
    created_at: datetime | None = _instant()

    @property
    def label(self) -> str:
        if self.display_name and self.display_name != self.username:
            return f"{self.display_name} ({self.username})"
        return self.username


class Customer(SQLModel, table=True):
    __tablename__ = "customers"
    __table_args__ = (
        Index("ix_customers_owner_next", "owner_id", "next_followup_on"),
        Index("ix_customers_owner_last", "owner_id", "last_followup_at"),
        # Covers every report query on customers (crm_cli.reports): no table lookups on 100k rows.
        Index("ix_customers_report", "owner_id", "deleted_at", "created_at", "level", "last_followup_at", "stars",
              "is_target", "source", "region", "industry"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str | None = Field(default=None, unique=True)
    name: str = Field(index=True)
    level: str = Field(default="potential", index=True)
    stars: int = 0
    source: str | None = None
    region: str | None = None
    industry: str | None = None
    is_target: bool = False
    credit_code: str | None = None
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    address: str | None = None
    notes: str | None = None
    owner_id: int | None = Field(default=None, foreign_key="users.id")
    owned_since: datetime | None = _instant()
    created_at: datetime | None = _instant()
    created_by: int | None = Field(default=None, foreign_key="users.id")
    updated_at: datetime | None = _instant()
    updated_by: int | None = Field(default=None, foreign_key="users.id")
    last_followup_at: datetime | None = _instant(index=True)
    next_followup_on: date | None = Field(default=None, index=True)
    custom: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    deleted_at: datetime | None = _instant()
    # Normalised keys, recomputed on every write (crm_cli.normalize): the duplicate check looks them up by index.
    name_key: str | None = Field(default=None, index=True)
    phone_key: str | None = Field(default=None, index=True)
    email_key: str | None = Field(default=None, index=True)
    credit_key: str | None = Field(default=None, index=True)
    # Name, code, phones, e-mails and contacts in one text, for substring search (see crm_cli.db.search).
    search_text: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))

    @property
    def label(self) -> str:
        return f"#{self.id} {self.name}"


class Contact(SQLModel, table=True):
    __tablename__ = "contacts"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(
        sa_column=Column(Integer, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    name: str
    title: str | None = None
    department: str | None = None
    mobile: str | None = None
    phone: str | None = None
    email: str | None = None
    wechat: str | None = None
    birthday: date | None = None
    notes: str | None = None
    is_primary: bool = False
    created_at: datetime | None = _instant()
    updated_at: datetime | None = _instant()


class FollowUp(SQLModel, table=True):
    __tablename__ = "followups"
    __table_args__ = (
        Index("ix_followups_customer_at", "customer_id", "at"),
        Index("ix_followups_user_at", "user_id", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(sa_column=Column(Integer, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False))
    user_id: int | None = Field(default=None, foreign_key="users.id")
    at: datetime | None = _instant(nullable=False)
    method: str = "phone"
    content: str = ""
    next_on: date | None = None
    plan: str | None = None
    created_at: datetime | None = _instant()


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


# --- reports ---


class SalesTarget(SQLModel, table=True):
    """A user's target for one calendar month: deals won and amount (integer cents), for `crm report people`."""

    __tablename__ = "sales_targets"
    __table_args__ = (UniqueConstraint("user_id", "month", name="uq_sales_targets_user_month"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    month: str  # YYYY-MM
    won: int | None = None
    amount_cents: int | None = None
    updated_at: datetime | None = _instant()
    updated_by: int | None = Field(default=None, foreign_key="users.id")
