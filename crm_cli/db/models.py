"""The tables. SQLModel classes; the schema itself is created and changed only by Alembic migrations.

Conventions: instants are ``UTCDateTime`` (aware UTC), calendar dates are ``date``. Who owns a customer lives in
``customer_owners`` (one row per customer; ``owner_id`` NULL means the customer is in the public pool, 公海), with
``owned_since`` and ``last_followup_at``: the three facts the pool rules read, in a narrow table so that a sweep
rewrites few pages (migration 0010). ``last_followup_at`` and ``customers.next_followup_on`` are kept up to date by
the follow-up functions so that the agenda and the pool sweep never scan follow-ups.
"""

from __future__ import annotations

from datetime import date, datetime
from importlib import import_module
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Column, Index, Text, event, text
from sqlalchemy.orm import relationship
from sqlmodel import Field, Relationship, SQLModel

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


class CustomerOwner(SQLModel, table=True):
    """Who owns a customer (NULL: the pool), since when, and when it was last followed up. One row per customer,
    written with it. SQL reads join it by primary key (``customer_owners.customer_id = customers.id``); a loaded
    ``Customer`` reads and writes these through ``customer.owner_id`` / ``owned_since`` / ``last_followup_at``."""

    __tablename__ = "customer_owners"
    __table_args__ = (
        Index("ix_customer_owners_owner", "owner_id"),
        # The sweep, the pool warnings and the agenda's idle customers, from the index alone (migration 0010).
        Index("ix_customer_owners_clock", "owner_id", "last_followup_at", "owned_since",
              sqlite_where=text("owner_id IS NOT NULL")),
    )

    customer_id: int | None = Field(default=None, primary_key=True, foreign_key="customers.id")
    owner_id: int | None = Field(default=None, foreign_key="users.id")
    owned_since: datetime | None = _instant()
    last_followup_at: datetime | None = _instant()


class _OwnerColumn(property):
    """``Customer.owner_id`` and its two siblings: plain attributes on a loaded customer (stored in its
    ``customer_owners`` row), but not SQL columns of ``customers``. Used in a query (``Customer.owner_id == 5``),
    they raise instead of comparing a Python object (which would quietly mean "false"): SQL joins
    ``CustomerOwner``."""

    def __eq__(self, other: object) -> Any:
        raise TypeError(f"{self.fget.__name__} is a column of customer_owners: join CustomerOwner")  # type: ignore[union-attr]

    __ne__ = __eq__
    __hash__ = property.__hash__  # type: ignore[assignment]


def _owner_column(name: str) -> Any:
    def get(self: Customer) -> Any:
        row = self.owner_row
        return getattr(row, name) if row is not None else None

    def put(self: Customer, value: Any) -> None:
        row = self.owner_row
        if row is None:
            self.owner_row = row = CustomerOwner()
        setattr(row, name, value)

    get.__name__ = name
    return _OwnerColumn(get, put)


class Customer(SQLModel, table=True):
    __tablename__ = "customers"
    __table_args__ = (
        # The index set: migrations 0009 and 0010. The owner and the follow-up clock live in customer_owners.
        # Covers every report query on customers (crm_cli.reports) over a created_at window.
        Index("ix_customers_report", "created_at", "deleted_at", "level", "stars", "is_target", "source", "region",
              "industry"),
        # Customers won in a window (reports), and the few deleted ones.
        Index("ix_customers_won", "won_on", "deleted_at", "level", sqlite_where=text("won_on IS NOT NULL")),
        Index("ix_customers_deleted", "deleted_at", sqlite_where=text("deleted_at IS NOT NULL")),
        # Follow-ups due: covered up to the owner, which customer_owners gives by primary key.
        Index("ix_customers_due", "next_followup_on", "deleted_at", "level"),
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
    created_at: datetime | None = _instant()
    created_by: int | None = Field(default=None, foreign_key="users.id")
    updated_at: datetime | None = _instant()
    updated_by: int | None = Field(default=None, foreign_key="users.id")
    next_followup_on: date | None = None  # indexed by ix_customers_due
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
    # The customer_owners row, loaded with the customer (one primary-key join); created with it (see _init).
    owner_row: CustomerOwner | None = Relationship(
        sa_relationship=relationship(CustomerOwner, lazy="joined", uselist=False, cascade="all, delete-orphan"))

    owner_id = _owner_column("owner_id")
    owned_since = _owner_column("owned_since")
    last_followup_at = _owner_column("last_followup_at")

    @property
    def label(self) -> str:
        return f"#{self.id} {self.name}"


OWNER_FIELDS = ("owner_id", "owned_since", "last_followup_at")


@event.listens_for(Customer, "init")
def _init(target: Customer, args: Any, kwargs: dict[str, Any]) -> None:
    """Every new customer gets its customer_owners row; ``Customer(owner_id=...)`` and the two siblings fill it."""
    target.owner_row = CustomerOwner(**{k: kwargs.pop(k) for k in OWNER_FIELDS if k in kwargs})


# --- tables built on first use ---
# Building a SQLModel table class costs ~5 ms, and a `crm customer list` needs only a few of them; the sales,
# duplicate, import and pool-history tables live in sibling modules that `from crm_cli.db.models import Deal` (or
# `models.Deal`) imports when first asked. `load_all()` builds every table, for code that needs the whole schema
# in ``SQLModel.metadata``.
_LAZY_MODULES = {
    "crm_cli.db.models_contacts": ("Contact", "FollowUp"),
    "crm_cli.db.models_admin": ("AuditEntry", "Setting", "CustomerShare"),
    "crm_cli.db.models_sales": ("Product", "Deal", "DealLine", "DealStageChange", "Contract", "ContractLine",
                                "Installment", "Payment", "SalesTarget"),
    "crm_cli.db.models_dedupe": ("Merge",),
    "crm_cli.db.models_imports": ("ImportBatch", "ImportItem", "ImportMapping"),
    "crm_cli.db.models_pool": ("OwnershipEvent", "AlertDelivery", "InvalidationRequest"),
}
_LAZY = {name: module for module, names in _LAZY_MODULES.items() for name in names}

if TYPE_CHECKING:  # type checkers see the lazy tables as attributes of this module
    from crm_cli.db.models_admin import AuditEntry, CustomerShare, Setting  # noqa: F401
    from crm_cli.db.models_contacts import Contact, FollowUp  # noqa: F401
    from crm_cli.db.models_dedupe import Merge  # noqa: F401
    from crm_cli.db.models_imports import ImportBatch, ImportItem, ImportMapping  # noqa: F401
    from crm_cli.db.models_pool import AlertDelivery, InvalidationRequest, OwnershipEvent  # noqa: F401
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
