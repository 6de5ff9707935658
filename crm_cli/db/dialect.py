"""Small SQL expressions whose spelling depends on the database (SQLite here)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, literal_column


def month_day(column: Any) -> Any:
    """'MM-DD' of a date column. The format is a literal (not a bound parameter) so that the expression matches
    the index ix_contacts_birthday_md (migration 0002) and the lookup uses it."""
    return func.strftime(literal_column("'%m-%d'"), column)
