"""The tables. SQLModel classes; the schema itself is created and changed only by Alembic migrations.

Conventions: instants are ``UTCDateTime`` (aware UTC), calendar dates are ``date``. ``customers.owner_id`` NULL
means the customer is in the public pool (公海). ``last_followup_at`` and ``next_followup_on`` are kept up to date
by the follow-up functions so that the agenda and the pool sweep never scan follow-ups.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, Text, UniqueConstraint, text
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
# --- sales ---
# Money is integer cents (``*_cents``) in the currency of its record; quantities are exact decimal text.


class Product(SQLModel, table=True):
    __tablename__ = "products"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True)
    name: str
    unit: str | None = None
    spec: str | None = None
    category: str | None = None
    price_cents: int = 0
    active: bool = True
    created_at: datetime | None = _instant()
    updated_at: datetime | None = _instant()


class Deal(SQLModel, table=True):
    """An opportunity (商机)."""

    __tablename__ = "deals"
    __table_args__ = (
        Index("ix_deals_owner_stage", "owner_id", "stage"),
        Index("ix_deals_report", "created_at", "customer_id", "owner_id", "stage", "amount_cents"),  # 0007b
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(sa_column=Column(Integer, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False,
                                              index=True))
    title: str
    amount_cents: int = 0
    currency: str = "CNY"
    stage: str = Field(default="lead", index=True)
    stage_since: datetime | None = _instant()
    expected_close_on: date | None = Field(default=None, index=True)
    probability: int = 0
    owner_id: int | None = Field(default=None, foreign_key="users.id")
    lost_reason: str | None = None
    closed_on: date | None = None
    notes: str | None = None
    created_at: datetime | None = _instant()
    updated_at: datetime | None = _instant()


class DealLine(SQLModel, table=True):
    __tablename__ = "deal_lines"

    id: int | None = Field(default=None, primary_key=True)
    deal_id: int = Field(sa_column=Column(Integer, ForeignKey("deals.id", ondelete="CASCADE"), nullable=False, index=True))
    position: int = 0
    product_id: int | None = Field(default=None, foreign_key="products.id")
    quantity: str = "1"
    unit_price_cents: int = 0
    discount_bp: int = 0  # basis points: 1000 = 10 %
    amount_cents: int = 0


class DealStageChange(SQLModel, table=True):
    """Every move of a deal between stages, so the funnel can measure conversion and time in stage."""

    __tablename__ = "deal_stage_changes"
    __table_args__ = (
        Index("ix_deal_stage_changes_deal_at", "deal_id", "at"),
        Index("ix_deal_stage_changes_report", "deal_id", "at", "to_stage"),  # 0007b
    )

    id: int | None = Field(default=None, primary_key=True)
    deal_id: int = Field(sa_column=Column(Integer, ForeignKey("deals.id", ondelete="CASCADE"), nullable=False))
    from_stage: str | None = None
    to_stage: str = Field(index=True)
    at: datetime | None = _instant(nullable=False)
    on: date | None = None  # the local calendar date of ``at``
    user_id: int | None = Field(default=None, foreign_key="users.id")


class Contract(SQLModel, table=True):
    __tablename__ = "contracts"

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(unique=True, index=True)
    customer_id: int = Field(sa_column=Column(Integer, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False,
                                              index=True))
    deal_id: int | None = Field(default=None, foreign_key="deals.id")
    kind: str = "standard"  # standard | supplementary
    parent_id: int | None = Field(default=None, foreign_key="contracts.id", index=True)
    signed_on: date | None = None
    start_on: date | None = None
    end_on: date | None = Field(default=None, index=True)
    currency: str = "CNY"
    total_cents: int = 0
    status: str = Field(default="draft", index=True)  # draft | active | finished | terminated
    notes: str | None = None
    owner_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime | None = _instant()
    updated_at: datetime | None = _instant()

    @property
    def label(self) -> str:
        return f"contract {self.number}"


class ContractLine(SQLModel, table=True):
    __tablename__ = "contract_lines"

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(sa_column=Column(Integer, ForeignKey("contracts.id", ondelete="CASCADE"), nullable=False,
                                              index=True))
    position: int = 0
    product_id: int | None = Field(default=None, foreign_key="products.id")
    description: str | None = None
    quantity: str = "1"
    unit_price_cents: int = 0
    discount_bp: int = 0
    amount_cents: int = 0


class Installment(SQLModel, table=True):
    """A planned payment (收款计划). ``paid_cents`` is kept by crm_cli.payments.reallocate."""

    __tablename__ = "installments"
    __table_args__ = (Index("ix_installments_due_open", "due_on", "paid_cents"),)

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(sa_column=Column(Integer, ForeignKey("contracts.id", ondelete="CASCADE"), nullable=False,
                                              index=True))
    seq: int = 1
    due_on: date
    amount_cents: int
    paid_cents: int = 0
    note: str | None = None


class Payment(SQLModel, table=True):
    """Money received (回款)."""

    __tablename__ = "payments"

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(sa_column=Column(Integer, ForeignKey("contracts.id", ondelete="CASCADE"), nullable=False,
                                              index=True))
    installment_id: int | None = Field(default=None, foreign_key="installments.id")
    received_on: date = Field(index=True)
    amount_cents: int
    method: str = "transfer"
    reference: str | None = None
    note: str | None = None
    user_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime | None = _instant()


# --- dedupe ---


class CustomerToken(SQLModel, table=True):
    """Blocking tokens of a customer (name bigrams/words, phone, e-mail, domain, credit code), kept up to date on
    every write by crm_cli.dedupe.index_customer, so that the entry-time duplicate check finds candidates by index."""

    __tablename__ = "customer_tokens"

    token: str = Field(primary_key=True)
    customer_id: int = Field(
        sa_column=Column(Integer, ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True, index=True)
    )


class Merge(SQLModel, table=True):
    """A merge of customers into one, with full snapshots so that `crm merge undo` can restore them."""

    __tablename__ = "merges"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime | None = _instant(nullable=False)
    user_id: int | None = Field(default=None, foreign_key="users.id")
    keep_id: int = Field(index=True)
    other_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    snapshot: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    audit_id: int | None = None  # the last audit entry written by the merge: later entries mean "touched since"
    undone_at: datetime | None = _instant()
    undone_by: int | None = Field(default=None, foreign_key="users.id")


# --- excel import ---


class ImportBatch(SQLModel, table=True):
    """One run of `crm import`: what it read and wrote, so that `crm import undo` can take it back.

    Created rows get consecutive ids (the import assigns them under the write lock), so a batch records the id
    range it created per table; customers it updated are ``ImportItem`` rows holding the values before."""

    __tablename__ = "import_batches"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime | None = _instant(nullable=False)
    user_id: int | None = Field(default=None, foreign_key="users.id")
    file_name: str = ""
    sheet: str | None = None
    options: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: int = 0
    customers_from: int | None = None
    customers_to: int | None = None
    contacts_from: int | None = None
    contacts_to: int | None = None
    followups_from: int | None = None
    followups_to: int | None = None
    audit_mark: int = 0  # the highest audit_log id written by the import: later entries are later changes
    undone_at: datetime | None = _instant()
    undone_by: int | None = Field(default=None, foreign_key="users.id")


class ImportItem(SQLModel, table=True):
    __tablename__ = "import_items"

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(sa_column=Column(Integer, ForeignKey("import_batches.id", ondelete="CASCADE"),
                                           nullable=False, index=True))
    customer_id: int
    action: str = "update"
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    undone: bool = False


class ImportMapping(SQLModel, table=True):
    """A saved header → field mapping (`crm import --save-mapping NAME`, reused with `--mapping NAME`)."""

    __tablename__ = "import_mappings"

    name: str = Field(primary_key=True)
    mapping: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    created_at: datetime | None = _instant()
    created_by: int | None = Field(default=None, foreign_key="users.id")
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
