"""Substring search over customers.search_text (dialect-specific: FTS5 trigram with a LIKE fallback).

A trigram index answers queries of three or more characters; one- and two-character queries (华信, 明达 — the most
common Chinese searches) cannot use it and scan the column with LIKE instead, which is correct and, on 100k
customers, fast enough.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import text

from crm_cli.db.models import Customer


def normalise_query(query: str) -> str:
    return unicodedata.normalize("NFKC", query).strip().lower()


def build_search_text(*parts: str | None) -> str:
    """The text indexed for a customer: its parts, NFKC and lower-cased, one per line; phone numbers also as
    bare digits so that "138 1234 5678" and "13812345678" both match."""
    out: list[str] = []
    for part in parts:
        if not part:
            continue
        value = normalise_query(str(part))
        out.append(value)
        digits = "".join(ch for ch in value if ch.isdigit())
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
