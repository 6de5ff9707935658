"""Small SQL expressions whose spelling depends on the database (SQLite here)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, literal_column


def month_day(column: Any) -> Any:
    """'MM-DD' of a date column. The format is a literal (not a bound parameter) so that the expression matches
    the index ix_contacts_birthday_md (migration 0002) and the lookup uses it."""
    return func.strftime(literal_column("'%m-%d'"), column)


def days_number(column: Any) -> Any:
    """An instant or date column as a number of days (SQLite's julianday), so that ``+ n`` adds days in SQL."""
    return func.julianday(column)


def greatest(*values: Any) -> Any:
    """The largest of the values (SQLite's scalar max; NULL when any value is NULL)."""
    return func.max(*values)


def least(*values: Any) -> Any:
    """The smallest of the values (SQLite's scalar min; NULL when any value is NULL)."""
    return func.min(*values)


def in_id_order(stmt: Any, table: Any) -> Any:
    """Read ``table`` by its primary key only (SQLite's ``NOT INDEXED``): for a query bounded to a range of ids
    that stops after a few rows in id order, where the planner would otherwise scan a whole secondary index
    because of an equality on one of its columns (``deleted_at IS NULL``)."""
    return stmt.with_hint(table, "NOT INDEXED", dialect_name="sqlite")
