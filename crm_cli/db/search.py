"""Substring search over customers.search_text (dialect-specific: FTS5 trigram with a LIKE fallback).

A trigram index answers queries of three or more characters; one- and two-character queries (华信, 明达 — the most
common Chinese searches) cannot use it and scan the column with LIKE instead, which is correct and, on 100k
customers, fast enough.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import text

from crm_cli.db.models import Customer


def normalise_query(query: str) -> str:
    return unicodedata.normalize("NFKC", query).strip().lower()


_KEEP_ASCII_DIGITS = {i: None for i in range(128) if not chr(i).isdigit()}


def build_search_text(*parts: str | None) -> str:
    """The text indexed for a customer: its parts, NFKC and lower-cased, one per line; phone numbers also as
    bare digits so that "138 1234 5678" and "13812345678" both match."""
    out: list[str] = []
    for part in parts:
        if not part:
            continue
        text = str(part)
        if text.isascii():  # NFKC leaves ASCII as it is
            value = text.strip().lower()
            digits = value.translate(_KEEP_ASCII_DIGITS)
        else:
            value = normalise_query(text)
            digits = value.translate(_KEEP_ASCII_DIGITS) if value.isascii() else "".join(filter(str.isdigit, value))
        out.append(value)
        if len(digits) >= 5 and digits != value:
            out.append(digits)
    return "\n".join(out)


def search_clause(query: str) -> Any:
    """A condition on ``customers`` matching every whitespace-separated term of ``query`` as a substring."""
    terms = [t for t in normalise_query(query).split() if t]
    clauses = []
    for i, term in enumerate(terms):
        if len(term) >= 3:
            phrase = '"' + term.replace('"', '""') + '"'
            clauses.append(
                text(f"customers.id IN (SELECT rowid FROM customers_fts WHERE customers_fts MATCH :fts{i})")
                .bindparams(**{f"fts{i}": phrase})
            )
        else:
            escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            clauses.append(Customer.search_text.like(f"%{escaped}%", escape="\\"))  # type: ignore[attr-defined]
    from sqlalchemy import and_, true

    return and_(*clauses) if clauses else true()


BULK_INDEX_THRESHOLD = 2000


class SearchFill:
    """What ``deferred_search_index`` yields: ``start()`` fills the trigram index in a thread of this process (see
    ``bulkimport.Background``) once every new customer row is written, so that the caller's Python work overlaps
    it; ``wait()`` before the session is used again. Without ``start()``, the fill runs when the block ends."""

    def __init__(self, session: Any, first_id: int, active: bool) -> None:
        self.session, self.first_id, self.active = session, first_id, active
        self._background: Any = None

    @property
    def _sql(self) -> tuple[str, tuple[int]]:
        return ("INSERT INTO customers_fts(rowid, search_text) SELECT id, search_text FROM customers WHERE id >= ?",
                (self.first_id,))

    def start(self, *, then: list[str] | tuple[str, ...] = ()) -> None:
        """Start the fill; ``then``: statements (without parameters) to run after it in the same thread (e.g. the
        CREATE INDEX statements of customers' indexes set aside). They run even when no fill is due."""
        if self._background is not None:
            return
        statements = ([self._sql] if self.active else []) + [(sql, ()) for sql in then]
        if not statements:
            return
        from crm_cli.db.bulkimport import Background

        self._background = Background(self.session)
        self._background.run(statements)

    def wait(self) -> None:
        """Until the fill is done; raises its error."""
        if self._background is not None:
            self._background.wait()

    def cancel(self) -> None:
        """Interrupt the fill and wait for its thread (the caller is failing and will roll back)."""
        if self._background is not None:
            self._background.cancel()

    def finish(self) -> None:
        if self._background is not None:
            self.wait()
        elif self.active:
            self.session.connection().exec_driver_sql(*self._sql)


@contextmanager
def deferred_search_index(session: Any, *, first_id: int, rows: int,
                          threshold: int | None = None) -> Iterator[SearchFill]:
    """Around a bulk insert of ``rows`` customers whose ids start at ``first_id``: the per-row trigger feeding the
    trigram index costs about 5x more than one ``INSERT ... SELECT`` into it afterwards, so big inserts drop the
    trigger, fill the index in bulk and put the trigger back. Both happen inside the caller's transaction (DDL is
    transactional in SQLite, and the write lock keeps other writers out meanwhile): a rollback restores all.
    The fill runs when the block ends, or earlier in a thread if the caller calls ``start()`` on what it gets."""
    trigger_sql = None
    if rows >= (BULK_INDEX_THRESHOLD if threshold is None else threshold):
        found = session.execute(
            text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'customers_fts_ai'"))
        trigger_sql = found.scalar()
    fill = SearchFill(session, first_id, trigger_sql is not None)
    if trigger_sql is not None:
        session.execute(text("DROP TRIGGER customers_fts_ai"))
    try:
        yield fill
    except BaseException:
        fill.cancel()  # the thread must be done with the connection before the caller rolls back
        raise
    fill.finish()
    if trigger_sql is not None:
        session.execute(text(trigger_sql))


REBUILD_AFTER_DELETE_RATIO = 2  # deleting at least 1/(1+this) of the customers rebuilds the index instead


@contextmanager
def search_index_for_a_big_delete(session: Any, *, deleting: int, remaining: int) -> Iterator[None]:
    """Around a delete of ``deleting`` customer rows that leaves ``remaining``: the per-row delete trigger has to
    tokenize each row's old text again to take it out of the trigram index (55 µs a row, measured: 5.5 s of an
    undo of 100k imported customers), while rebuilding the index from the rows left costs ~21 µs a row. So when
    few rows remain (at most ``REBUILD_AFTER_DELETE_RATIO`` times those deleted), the trigger is dropped for the
    block and the index rebuilt after it. In the caller's transaction, like ``deferred_search_index``."""
    trigger_sql = None
    if deleting >= BULK_INDEX_THRESHOLD and remaining <= REBUILD_AFTER_DELETE_RATIO * deleting:
        trigger_sql = session.execute(
            text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'customers_fts_ad'")).scalar()
    if trigger_sql is None:
        yield
        return
    session.execute(text("DROP TRIGGER customers_fts_ad"))
    yield
    session.execute(text("INSERT INTO customers_fts(customers_fts) VALUES ('rebuild')"))
    session.execute(text(trigger_sql))
