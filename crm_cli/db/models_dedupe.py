"""The duplicate tables: merges. (The blocking tokens live in an FTS5 table that no model describes: see
crm_cli.db.tokens.)

Built on first use: ``from crm_cli.db.models import Merge`` loads this module (see crm_cli.db.models).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from crm_cli.db.models import _instant

# --- dedupe ---


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
