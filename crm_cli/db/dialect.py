"""Small SQL expressions whose spelling depends on the database (SQLite here)."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy import false, func, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.selectable import Join


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


def in_id_order(stmt: Any, table: Any) -> Any:
    """Read ``table`` by its primary key only (SQLite's ``NOT INDEXED``, rowid lookups still allowed): for a query
    in id order that stops after a page of rows, or checks a substring on every row anyway, where the planner
    would otherwise gather rows through secondary indexes (the owner ones, for the visibility OR) out of id order
    and sort them."""
    _enable_sqlite_table_hints()
    return stmt.with_hint(table, "NOT INDEXED", dialect_name="sqlite")


def _enable_sqlite_table_hints() -> None:
    """SQLAlchemy's SQLite compiler drops table hints (``with_hint``); SQLite has two (``INDEXED BY``, ``NOT
    INDEXED``), written right after the table name as the base compiler does for other databases."""
    from sqlalchemy.dialects.sqlite.base import SQLiteCompiler

    if getattr(SQLiteCompiler, "_crm_table_hints", False):
        return

    def get_from_hint_text(self: Any, table: Any, text: str | None) -> str | None:
        return text

    SQLiteCompiler.get_from_hint_text = get_from_hint_text  # type: ignore[method-assign]
    SQLiteCompiler._crm_table_hints = True  # type: ignore[attr-defined]


class _LeadingJoin(Join):
    """An inner join whose left side SQLite must read first (see ``leading_join``)."""

    inherit_cache = True


@compiles(_LeadingJoin, "sqlite")
def _compile_leading_join(join: _LeadingJoin, compiler: Any, from_linter: Any = None, **kw: Any) -> str:
    if from_linter is not None:  # the pair is joined: SQLAlchemy's cartesian-product check must know
        from_linter.edges.update(itertools.product(join.left._from_objects, join.right._from_objects))
    kw["asfrom"] = True
    return (f"{compiler.process(join.left, from_linter=from_linter, **kw)} CROSS JOIN "
            f"{compiler.process(join.right, from_linter=from_linter, **kw)} ON "
            f"{compiler.process(join.onclause, from_linter=from_linter, **kw)}")


def leading_join(left: Any, right: Any, onclause: Any) -> Any:
    """``left JOIN right ON onclause`` in which SQLite reads ``left`` first (its ``CROSS JOIN``, same result as an
    inner join). For joins whose selective conditions are on columns without statistics: the sweep's dates on
    customer_owners, where sampled statistics make SQLite scan customers and look up every owner row instead."""
    return _LeadingJoin(left, right, onclause)
