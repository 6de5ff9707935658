"""The pool's history tables: ownership changes, delivered alerts, invalidation requests.

Built on first use: ``from crm_cli.db.models import OwnershipEvent`` loads this module (see crm_cli.db.models).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Index, Integer
from sqlmodel import Field, SQLModel

from crm_cli.db.models import _instant


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
