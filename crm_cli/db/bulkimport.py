"""Bulk SQL for imports: explicit id ranges, chunked key look-ups, executemany inserts and updates.

SQLite specifics live here: the variable limit per statement (chunks), ``MAX(id) + 1`` id allocation (safe because
the import runs inside ``BEGIN IMMEDIATE``, which holds the write lock) and Core executemany, which inserts about
95k rows/s where the ORM's ``add_all`` manages about 10k.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC
from typing import Any

from sqlalchemy import Table, bindparam, func, select, update
from sqlmodel import Session

from crm_cli.db.engine import json_text

CHUNK = 5000  # SQLite allows 32766 variables per statement; 5000 keeps the statements small


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def next_id(session: Session, table: Table) -> int:
    return int(session.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()) + 1


@contextmanager
def bulk_cache(session: Session, mib: int = 256) -> Iterator[None]:
    """A bigger SQLite page cache for this connection while a bulk write runs: with the default 2 MiB, inserting
    100k rows into a table with a dozen indexes keeps evicting and re-reading index pages."""
    conn = session.connection()
    old = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{mib * 1024}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(old)}")


def row_estimate(session: Session, table: Table) -> int:
    """About how many rows ``table`` holds, cheaply: its largest rowid (deleted rows make it an overestimate)."""
    return int(session.connection().exec_driver_sql(f"SELECT coalesce(max(rowid), 0) FROM {table.name}").scalar_one())


class SetAside:
    """The indexes ``indexes_set_aside`` dropped, each with the SQL that creates it again."""

    def __init__(self, found: list[tuple[str, str, str]]) -> None:
        self.pending = list(found)  # (index name, table name, CREATE INDEX sql), in schema order

    def take(self, table: str) -> list[str]:
        """The CREATE INDEX statements of ``table``'s dropped indexes, for a caller that runs them itself, in this
        transaction, once that table is complete (e.g. in a ``Background`` while it goes on with other work);
        they are no longer run when the block ends."""
        out = [sql for _name, tbl, sql in self.pending if tbl == table]
        self.pending = [p for p in self.pending if p[1] != table]
        return out


@contextmanager
def indexes_set_aside(session: Session, tables: Sequence[Table]) -> Iterator[SetAside]:
    """Drop the secondary indexes of ``tables`` for the block, then create them again from their own SQL and put
    back their planner statistics (their rows of sqlite_stat1, and sqlite_stat4 where SQLite keeps one, which DROP
    INDEX deletes).

    For a bulk insert much bigger than the table it goes into: SQLite then builds each index in one sorted pass
    instead of inserting every row into every index at a random place (100k customers into an empty database:
    about 4 s of index upkeep against under 2 s to build them all). The indexes behind PRIMARY KEY and UNIQUE
    constraints stay (SQLite cannot drop them, and they check the rows). Everything happens in the caller's
    transaction: DDL is transactional in SQLite, so a failure rolls back the drops with the rows (the caller must
    roll back on error, as ``Database.write`` does); readers on other connections keep their snapshot meanwhile.
    The schema afterwards is exactly the one before (the same CREATE INDEX statements). What the block gets
    (``SetAside``) lets it create one table's indexes earlier, itself."""
    conn = session.connection()
    names = [t.name for t in tables]
    marks = ", ".join("?" * len(names))
    found = conn.exec_driver_sql(
        f"SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({marks}) ORDER BY rowid", tuple(names)).all()
    stats: dict[str, list[tuple[Any, ...]]] = {}  # statistics table -> its rows for these indexes
    idx_marks = ", ".join("?" * len(found))
    for (stat_table,) in conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('sqlite_stat1', 'sqlite_stat4')").all():
        if found:
            stats[stat_table] = [tuple(r) for r in conn.exec_driver_sql(
                f"SELECT * FROM {stat_table} WHERE idx IN ({idx_marks}) ORDER BY rowid",
                tuple(name for name, _, _ in found)).all()]
    for name, _table, _sql in found:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    aside = SetAside([tuple(r) for r in found])  # type: ignore[misc]
    yield aside
    for _name, _table, sql in aside.pending:
        conn.exec_driver_sql(sql)
    for stat_table, rows in stats.items():
        if rows:
            conn.exec_driver_sql(f"INSERT INTO {stat_table} VALUES ({', '.join('?' * len(rows[0]))})", rows)


class Background:
    """SQL statements run one after another on the session's own connection, in a thread, while the caller's thread
    goes on with Python work: for long single statements (``INSERT ... SELECT``, ``CREATE INDEX``), during which
    sqlite3 releases the GIL, so they run on another core. (A statement per row would fight for the GIL instead.)

    The statements run in the caller's transaction. The caller must not use the session between ``run`` and
    ``wait``; ``wait`` re-raises the first error, and the caller's transaction then rolls back as usual."""

    def __init__(self, session: Session) -> None:
        self._dbapi = session.connection().connection.dbapi_connection
        self._thread: Any = None
        self._error: BaseException | None = None

    def run(self, statements: Sequence[tuple[str, Sequence[Any]]]) -> None:
        import threading

        assert self._thread is None, "one batch of statements at a time"

        def target() -> None:
            cursor = self._dbapi.cursor()
            try:
                for sql, params in statements:
                    cursor.execute(sql, tuple(params))
            except BaseException as exc:  # re-raised by wait(), in the caller's thread
                self._error = exc
            finally:
                cursor.close()

        self._thread = threading.Thread(target=target, name="crm-bulk-sql", daemon=True)
        self._thread.start()

    def wait(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def cancel(self) -> None:
        """Stop the running statement (``sqlite3_interrupt``) and wait for the thread, dropping its error: for a
        caller that is failing anyway (an error, Ctrl-C) and will roll back."""
        if self._thread is not None:
            self._dbapi.interrupt()
            self._thread.join()
            self._thread = None
        self._error = None


def _encoder(column: Any) -> Any:
    """How a Python value is stored in this column, the way SQLAlchemy's SQLite types store it."""
    from sqlalchemy import JSON, Boolean, Date, DateTime

    from crm_cli.db.types import UTCDateTime

    kind = column.type
    if isinstance(kind, UTCDateTime):
        seen: dict[Any, str] = {}  # imports stamp thousands of rows with the same instant

        def utc(v: Any) -> str | None:
            if v is None:
                return None
            out = seen.get(v)
            if out is None:
                out = v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
                if len(seen) < 1000:
                    seen[v] = out
            return out

        return utc
    if isinstance(kind, DateTime):
        return lambda v: None if v is None else v.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(kind, Date):
        return lambda v: None if v is None else v.isoformat()
    if isinstance(kind, JSON):
        return lambda v: None if v is None else json_text(v)  # the engine's json_serializer
    if isinstance(kind, Boolean):
        return lambda v: None if v is None else int(bool(v))
    return None


def encoder_of(table: Table, name: str) -> Any:
    """How a Python value of ``table.name`` is stored (identity when the driver stores it as it is), for callers
    that build rows for ``insert_tuples`` in their stored form."""
    return _encoder(table.c[name]) or _same


def _same(value: Any) -> Any:
    return value


def insert_tuples(session: Session, table: Table, names: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """INSERT many rows given as tuples in ``names`` order, already in their stored form (``encoder_of``)."""
    if not rows:
        return
    for name in names:
        table.c[name]  # noqa: B018 - refuse unknown columns before building SQL
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    conn = session.connection()
    for part in chunks(rows, 20000):
        conn.exec_driver_sql(sql, part)


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """INSERT many rows through the driver's executemany, encoding values once per column (SQLAlchemy's
    per-row parameter processing costs more than SQLite's insert itself)."""
    if not rows:
        return
    names = list(rows[0])
    encoders = [_encoder(table.c[n]) for n in names]
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    coded = [(i, e) for i, e in enumerate(encoders) if e is not None]
    conn = session.connection()
    for part in chunks(rows, 20000):
        params = []
        for row in part:
            values = [row[n] for n in names]
            for i, enc in coded:
                values[i] = enc(values[i])
            params.append(tuple(values))
        conn.exec_driver_sql(sql, params)


def replace_tokens(session: Session, docs: list[tuple[int, str]], *, new_from: int,
                   updated: Sequence[int] = ()) -> None:
    """Replace the token documents ``(customer_id, terms)`` (crm_cli.db.tokens) of the customers a bulk write
    created (ids from ``new_from`` up) and ``updated``: their old documents go, ``docs`` come in."""
    from crm_cli.db import tokens

    conn = session.connection()
    tokens.delete_docs_from(conn, new_from)
    tokens.delete_docs(conn, sorted(set(updated)))
    tokens.insert_docs(conn, docs)


def delete_tokens(session: Session, ids: Iterable[int], *, remaining: int | None = None) -> None:
    """Delete the token documents of customers deleted for good (nothing cascades into the FTS5 table). Given
    ``remaining`` (about how many customers stay), a big delete may rebuild the index instead (tokens.delete_many)."""
    from crm_cli.db import tokens

    if remaining is None:
        tokens.delete_docs(session.connection(), sorted(set(ids)))
    else:
        tokens.delete_many(session.connection(), ids, remaining=remaining)


def update_rows(session: Session, table: Table, rows: list[dict[str, Any]], columns: Iterable[str], *,
                key: str = "id") -> None:
    """``UPDATE table SET col = :col ... WHERE <key> = :_id`` for every row (each dict holds ``_id`` and the
    columns; other keys are ignored)."""
    cols = list(columns)
    if not rows:
        return
    stmt = update(table).where(table.c[key] == bindparam("_id")).values({c: bindparam(c) for c in cols})
    for part in chunks(rows, 20000):
        session.connection().execute(stmt, list(part))


def lookup(session: Session, table: Table, column: str, keys: Iterable[str], *, live_only: bool = True,
           extra: tuple[str, ...] = ()) -> dict[str, list[tuple[Any, ...]]]:
    """{key: [(id, *extra), ...]} (each list in id order) for the rows whose ``column`` is one of ``keys``: one
    query per chunk of keys, using the column's index. Plain driver SQL: compiling a 5,000-parameter IN through
    SQLAlchemy costs more than running it.

    The SQL steers SQLite's planner to the column's index: with ``ORDER BY id``, or with an indexable
    ``deleted_at IS NULL`` beside 5,000 IN terms, it chose to scan the table (or an index led by deleted_at) once
    per chunk instead, 30x slower on 100k customers (the unary ``+`` keeps deleted_at a filter; rows are sorted
    here)."""
    wanted = sorted({k for k in keys if k})
    out: dict[str, list[tuple[Any, ...]]] = {}
    table.c[column]  # noqa: B018 - refuse unknown columns before building SQL
    for name in extra:
        table.c[name]  # noqa: B018
    cols = ", ".join((column, "id", *extra))
    live = " AND +deleted_at IS NULL" if live_only else ""
    conn = session.connection()
    for part in chunks(wanted):
        sql = f"SELECT {cols} FROM {table.name} WHERE {column} IN ({', '.join('?' * len(part))}){live}"
        for key, *rest in conn.exec_driver_sql(sql, tuple(part)):
            out.setdefault(key, []).append(tuple(rest))
    for found in out.values():
        if len(found) > 1:
            found.sort(key=lambda r: r[0])
    return out


def select_by_ids(session: Session, table: Table, ids: Iterable[int], column: str = "id") -> list[dict[str, Any]]:
    wanted = sorted(set(ids))
    out: list[dict[str, Any]] = []
    for part in chunks(wanted):
        out.extend(dict(r._mapping) for r in session.execute(select(table).where(table.c[column].in_(list(part)))))
    return out


def select_with_owners(session: Session, table: Table, owners: Table, ids: Iterable[int]) -> list[dict[str, Any]]:
    """The rows of ``table`` (customers) whose id is one of ``ids``, each with the columns of its ``owners`` row
    (customer_owners: owner_id, owned_since, last_followup_at): one query per chunk of ids, joined by primary key."""
    wanted = sorted(set(ids))
    stmt = select(table, *(c for c in owners.c if c.name != "customer_id")).join(
        owners, owners.c.customer_id == table.c.id)
    out: list[dict[str, Any]] = []
    for part in chunks(wanted):
        out.extend(dict(r._mapping) for r in session.execute(stmt.where(table.c.id.in_(list(part)))))
    return out


def delete_ids(session: Session, table: Table, ids: Iterable[int], column: str = "id") -> int:
    from sqlalchemy import delete

    total = 0
    for part in chunks(sorted(set(ids))):
        total += session.execute(delete(table).where(table.c[column].in_(list(part)))).rowcount or 0  # type: ignore[attr-defined]
    return total
