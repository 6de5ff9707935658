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


@contextmanager
def deferred_search_index(session: Any, *, first_id: int, rows: int, threshold: int | None = None) -> Iterator[None]:
    """Around a bulk insert of ``rows`` customers whose ids start at ``first_id``: the per-row trigger feeding the
    trigram index costs about 5x more than one ``INSERT ... SELECT`` into it afterwards, so big inserts drop the
    trigger, fill the index in bulk and put the trigger back. Both happen inside the caller's transaction (DDL is
    transactional in SQLite, and the write lock keeps other writers out meanwhile): a rollback restores all."""
    if rows < (BULK_INDEX_THRESHOLD if threshold is None else threshold):
        yield
        return
    found = session.execute(text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'customers_fts_ai'"))
    trigger_sql = found.scalar()
    if trigger_sql is None:
        yield
        return
    session.execute(text("DROP TRIGGER customers_fts_ai"))
    yield
    session.execute(text("INSERT INTO customers_fts(rowid, search_text) SELECT id, search_text FROM customers "
                         "WHERE id >= :first"), {"first": first_id})
    session.execute(text(trigger_sql))
