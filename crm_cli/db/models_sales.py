"""The sales tables: products, deals, contracts, installments, payments, monthly targets.

Built on first use: ``from crm_cli.db.models import Deal`` loads this module (see crm_cli.db.models).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from crm_cli.db.models import _instant

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
