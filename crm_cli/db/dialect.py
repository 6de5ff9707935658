"""Small SQL expressions whose spelling depends on the database (SQLite here)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func


def month_day(column: Any) -> Any:
    """'MM-DD' of a date column; matches the expression index ix_contacts_birthday_md (migration 0002)."""
    return func.strftime("%m-%d", column)
