"""Small SQL expressions whose spelling depends on the database (SQLite here)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import false, func, literal_column


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


def no_index(condition: Any) -> Any:
    """``condition`` as a term no index can answer (wrapped in a function; same truth value), so that SQLite reads
    the table in rowid order. For the first page of a listing in id order that most rows pass, that scan stops
    after the page, where an index on a column of the condition would make SQLite sort every match: sampled
    planner statistics (``ANALYZE`` under ``analysis_limit``) call ``deleted_at IS NULL`` selective."""
    return func.coalesce(condition, false())
