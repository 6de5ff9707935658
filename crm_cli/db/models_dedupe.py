"""The duplicate tables: blocking tokens and merges.

Built on first use: ``from crm_cli.db.models import Merge`` loads this module (see crm_cli.db.models).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from crm_cli.db.models import _instant

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
