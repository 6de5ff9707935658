"""Bulk SQL helpers that depend on the SQLite dialect: month-day of a date, and the "already delivered" filter of
`crm remind` done with a temporary table and an anti-join instead of one query per alert."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Column,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    bindparam,
    exists,
    func,
    insert,
    literal_column,
    select,
)

from crm_cli.db.models import AlertDelivery


def month_day(column_sql: str) -> Any:
    """``strftime('%m-%d', <column>)`` spelled exactly as the expression index ix_contacts_birthday_md, so that
    SQLite uses the index (a bound format parameter would not match it)."""
    return literal_column(f"strftime('%m-%d', {column_sql})")


_tmp_meta = MetaData()
_pending = Table(
    "tmp_alert_keys", _tmp_meta,
    Column("idx", Integer, primary_key=True), Column("user_id", Integer), Column("kind", String),
    Column("item_key", String), Column("due", Date),
    prefixes=["TEMPORARY"],
)  # fmt: skip


def _load_pending(session: Any, keys: Sequence[tuple[int, str, str, date]]) -> None:
    """Fill the temporary key table. Raw executemany: thousands of rows in milliseconds, where an ORM/Core
    insert with per-row parameter processing costs a tenth of a second."""
    conn = session.connection()
    _pending.create(conn, checkfirst=True)
    dbapi = conn.connection.driver_connection
    dbapi.execute("DELETE FROM tmp_alert_keys")
    if keys:
        dbapi.executemany(
            "INSERT INTO tmp_alert_keys (idx, user_id, kind, item_key, due) VALUES (?, ?, ?, ?, ?)",
            [(i, u, k, key, d.isoformat()) for i, (u, k, key, d) in enumerate(keys)],
        )


def not_delivered(user_id: Any, kind: str, item_key: Any, due: Any) -> Any:
    """A condition for a provider's query: no delivery row exists for (user_id, kind, item_key, due), where the
    arguments are SQL expressions over the provider's rows. Lets a provider skip delivered items in SQL."""
    deliveries = AlertDelivery.__table__  # type: ignore[attr-defined]
    return ~exists().where(and_(
        deliveries.c.user_id == user_id, deliveries.c.kind == kind, deliveries.c.item_key == item_key,
        deliveries.c.due == due,
    ))  # fmt: skip


def _not_delivered() -> Any:
    deliveries = AlertDelivery.__table__  # type: ignore[attr-defined]
    return ~exists().where(and_(
        deliveries.c.user_id == _pending.c.user_id, deliveries.c.kind == _pending.c.kind,
        deliveries.c.item_key == _pending.c.item_key, deliveries.c.due == _pending.c.due,
    ))  # fmt: skip


def undelivered(session: Any, keys: Sequence[tuple[int, str, str, date]]) -> list[int]:
    """Positions in ``keys`` (user_id, kind, item_key, due) that have no delivery row yet."""
    if not keys:
        return []
    _load_pending(session, keys)
    rows = session.connection().execute(select(_pending.c.idx).where(_not_delivered()).order_by(_pending.c.idx))
    return [int(r[0]) for r in rows]


def mark_delivered(session: Any, keys: Sequence[tuple[int, str, str, date]], at: datetime) -> int:
    """Record deliveries (ignoring ones already recorded). Returns how many rows were added."""
    if not keys:
        return 0
    _load_pending(session, keys)
    deliveries = AlertDelivery.__table__  # type: ignore[attr-defined]
    from crm_cli.db.types import UTCDateTime

    stamp = bindparam("delivered_at", value=at, type_=UTCDateTime()).label("delivered_at")
    source = select(_pending.c.user_id, _pending.c.kind, _pending.c.item_key, _pending.c.due, stamp).where(
        _not_delivered()
    ).distinct()
    result = session.connection().execute(
        insert(deliveries).from_select(["user_id", "kind", "item_key", "due", "delivered_at"], source)
    )
    return int(result.rowcount or 0)


_sweep = Table(
    "tmp_sweep", _tmp_meta,
    Column("id", Integer, primary_key=True), Column("owner_id", Integer), Column("name", String),
    Column("reason", String), prefixes=["TEMPORARY"],
)  # fmt: skip


def fill_sweep(session: Any, source: Any) -> Table:
    """The customers a sweep takes, from ``source`` (a SELECT of id, owner_id, name, reason), in the temporary table by
    ``INSERT ... SELECT``."""
    conn = session.connection()
    _sweep.create(conn, checkfirst=True)
    # The temporary database has its own page cache (2 MiB by default): 100k candidates with their reasons are
    # ~10 MB, which would spill to a temporary file while they are written and be read back from it three times.
    conn.connection.driver_connection.execute("PRAGMA temp.cache_size = -65536")
    conn.execute(_sweep.delete())
    conn.execute(insert(_sweep).from_select(["id", "owner_id", "name", "reason"], source))
    return _sweep


def sweep_rows(session: Any) -> list[tuple[int, int, str, str]]:
    """The rows of the temporary sweep table as plain tuples (id, owner_id, name, reason), ordered by owner and id
    (the order of the report), sorted by SQLite and read through the DBAPI cursor: for 100k rows that is 0.1 s
    where reading SQLAlchemy rows and sorting them in Python takes 0.3 s."""
    dbapi = session.connection().connection.driver_connection
    return dbapi.execute("SELECT id, owner_id, name, reason FROM tmp_sweep ORDER BY owner_id, id").fetchall()  # type: ignore[no-any-return]


def enlarge_cache(session: Any, mib: int = 256) -> None:
    """A bigger page cache for this connection before a bulk update (SQLite's default is 2 MiB), so that updating
    many rows and their indexes does not evict and re-read the same pages."""
    session.connection().connection.driver_connection.execute(f"PRAGMA cache_size = -{int(mib) * 1024}")


def map_file(session: Any, mib: int = 2048) -> None:
    """Read the database file through a memory map on this connection (SQLite's ``mmap_size``; SQLite caps it at
    its compile-time maximum), for a bulk job that looks up rows all over a big file: each page read is then a
    memory access instead of a ``pread`` call. A sweep of 100k of 1M customers reads ~170k pages: its system time
    halves (1.0 → 0.55 s) and the run takes ~0.6 s less. Writes still go through the WAL with ``pwrite``. Off by
    default in SQLite because an I/O error on a mapped page arrives as a signal rather than an error code; used
    only for the sweep's connection, on the local file crm works on."""
    session.connection().connection.driver_connection.execute(f"PRAGMA mmap_size = {int(mib) * 1024 * 1024}")


def local_date(column: Any, offset_minutes: int) -> Any:
    """The calendar date of a stored UTC instant at a fixed offset from UTC, computed by SQLite (``date(col,
    '+480 minutes')``): cheap enough for 100k rows, where converting every value in Python is not."""
    return func.date(column, f"{int(offset_minutes):+d} minutes")


def variables_per_statement(session: Any) -> int:
    """How many bound parameters one statement may have on this connection (SQLite's
    SQLITE_LIMIT_VARIABLE_NUMBER: 32,766 or 250,000 depending on the build), for callers that chunk IN lists."""
    import sqlite3

    dbapi = session.connection().connection.driver_connection
    return int(dbapi.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
