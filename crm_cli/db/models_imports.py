"""The Excel import tables: batches, their items and saved mappings.

Built on first use: ``from crm_cli.db.models import ImportBatch`` loads this module (see crm_cli.db.models).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from crm_cli.db.models import _instant

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
