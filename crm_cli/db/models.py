"""The tables. SQLModel classes; the schema itself is created and changed only by Alembic migrations.

Conventions: instants are ``UTCDateTime`` (aware UTC), calendar dates are ``date``. ``customers.owner_id`` NULL
means the customer is in the public pool (公海). ``last_followup_at`` and ``next_followup_on`` are kept up to date
by the follow-up functions so that the agenda and the pool sweep never scan follow-ups.
"""

from __future__ import annotations

from datetime import date, datetime
from importlib import import_module
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, Text, text
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
        # The index set is reviewed as a whole in migration 0009: few indexes contain owner_id (a sweep rewrites
        # each of them for every customer it returns to the pool); the per-owner ones are partial.
        Index("ix_customers_owner_due", "owner_id", "next_followup_on", "level", "deleted_at",
              sqlite_where=text("owner_id IS NOT NULL")),
        Index("ix_customers_owner_clock", "owner_id", "last_followup_at", "owned_since", "level", "deleted_at",
              sqlite_where=text("owner_id IS NOT NULL")),
        # Covers every report query on customers (crm_cli.reports), the dashboard's numbers and the pool.
        Index("ix_customers_report", "owner_id", "created_at", "deleted_at", "level", "last_followup_at", "stars",
              "is_target", "source", "region", "industry"),
        # Customers won in a window (reports), and the few deleted ones.
        Index("ix_customers_won", "won_on", "deleted_at", "owner_id", "level", sqlite_where=text("won_on IS NOT NULL")),
        Index("ix_customers_deleted", "deleted_at", sqlite_where=text("deleted_at IS NOT NULL")),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str | None = Field(default=None, unique=True)
    name: str = Field(index=True)
    level: str = "potential"
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
    last_followup_at: datetime | None = _instant()
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
    won_on: date | None = None  # the date the customer became `won` (成交): first signed contract or manual level
    # Duplicate detection (crm_cli.normalize): the city named in the name or region, the normalised address.
    city_key: str | None = None
    address_key: str | None = None

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


# --- pool ---


class OwnershipEvent(SQLModel, table=True):
    """Every change of a customer's owner: add, claim, release, transfer, assign, sweep, invalidate.

    ``from_user_id``/``to_user_id`` NULL means the public pool. ``by_user_id`` NULL means the system (the sweep).
    """

    __tablename__ = "ownership_history"
    __table_args__ = (
        Index("ix_ownership_customer_at", "customer_id", "at"),
        Index("ix_ownership_from_customer", "from_user_id", "customer_id", "at"),
        Index("ix_ownership_report", "kind", "at", "to_user_id", "from_user_id"),  # 0007b: claims in a window
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime | None = _instant(nullable=False)
    customer_id: int  # no FK: history outlives the record
    kind: str  # add | claim | release | transfer | assign | sweep | invalidate
    from_user_id: int | None = None
    to_user_id: int | None = None
    by_user_id: int | None = None
    reason: str | None = None


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


class AlertDelivery(SQLModel, table=True):
    """An alert already delivered by `crm remind`: one row per user, kind, item and due day."""

    __tablename__ = "alert_deliveries"

    user_id: int = Field(primary_key=True)
    kind: str = Field(primary_key=True)
    item_key: str = Field(primary_key=True)
    due: date = Field(primary_key=True)
    delivered_at: datetime | None = _instant()


class InvalidationRequest(SQLModel, table=True):
    """A request to mark a customer invalid (无效客户), approved or rejected by a manager or admin."""

    __tablename__ = "invalidation_requests"
    __table_args__ = (Index("ix_invalidation_status", "status", "requested_at"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(sa_column=Column(Integer, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False))
    requested_by: int | None = Field(default=None, foreign_key="users.id")
    requested_at: datetime | None = _instant(nullable=False)
    reason: str = ""
    status: str = "pending"  # pending | approved | rejected
    decided_by: int | None = Field(default=None, foreign_key="users.id")
    decided_at: datetime | None = _instant()
    note: str | None = None


# --- tables built on first use ---
# Building a SQLModel table class costs ~5 ms, and a `crm customer list` needs only a few of them; the sales,
# duplicate and import tables live in sibling modules that `from crm_cli.db.models import Deal` (or
# `models.Deal`) imports when first asked. `load_all()` builds every table, for code that needs the whole schema
# in ``SQLModel.metadata``.
_LAZY_MODULES = {
    "crm_cli.db.models_sales": ("Product", "Deal", "DealLine", "DealStageChange", "Contract", "ContractLine",
                                "Installment", "Payment", "SalesTarget"),
    "crm_cli.db.models_dedupe": ("CustomerToken", "Merge"),
    "crm_cli.db.models_imports": ("ImportBatch", "ImportItem", "ImportMapping"),
}
_LAZY = {name: module for module, names in _LAZY_MODULES.items() for name in names}

if TYPE_CHECKING:  # type checkers see the lazy tables as attributes of this module
    from crm_cli.db.models_dedupe import CustomerToken, Merge  # noqa: F401
    from crm_cli.db.models_imports import ImportBatch, ImportItem, ImportMapping  # noqa: F401
    from crm_cli.db.models_sales import (  # noqa: F401
        Contract,
        ContractLine,
        Deal,
        DealLine,
        DealStageChange,
        Installment,
        Payment,
        Product,
        SalesTarget,
    )


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def load_all() -> None:
    """Build every table class, so that ``SQLModel.metadata`` holds the whole schema."""
    for module in _LAZY_MODULES:
        import_module(module)
