"""The blocking-token index of the entry-time duplicate check (crm_cli.dedupe): SQL over an FTS5 table.

``customer_tokens`` holds one FTS5 document per customer: rowid = the customer's id, text = its tokens as terms
separated by spaces (``crm_cli.dedupe_keys.token_terms``: each token hex-encoded, so the ``ascii`` tokenizer keeps it
one term). ``detail=none`` (no positions: every query is one whole term) and ``columnsize=0`` (no ranking) keep it
small. ``customer_tokens_vocab`` (fts5vocab, 'row') gives each term's document count, i.e. how many customers have
the token, by one index look-up per term.

Writing 100k customers' documents takes ~0.5 s, where 1.2M ``(token, customer_id)`` rows of a B-tree table with a
second index took 4.4 s. Nothing deletes a customer's document for it (a plain table's ``ON DELETE CASCADE`` did
that): whoever deletes customers for good calls ``delete_docs``.

Every function takes a SQLAlchemy connection and writes through the driver (executemany).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

TABLE = "customer_tokens"
VOCAB = "customer_tokens_vocab"
CREATE = (
    f"CREATE VIRTUAL TABLE {TABLE} USING fts5(tokens, tokenize='ascii', detail=none, columnsize=0)",
    f"CREATE VIRTUAL TABLE {VOCAB} USING fts5vocab({TABLE}, 'row')",
)
DROP = (f"DROP TABLE IF EXISTS {VOCAB}", f"DROP TABLE IF EXISTS {TABLE}")
STRONG_LIMIT = 1000

_INSERT = f"INSERT INTO {TABLE} (rowid, tokens) VALUES (?, ?)"
_DELETE = f"DELETE FROM {TABLE} WHERE rowid = ?"
_BATCH = 50000
REBUILD_MIN = 2000  # delete_many rebuilds the index for a delete of at least this many documents...


def create(conn: Any) -> None:
    for sql in CREATE:
        conn.exec_driver_sql(sql)


def recreate(conn: Any) -> None:
    """An empty index (dropping and creating it beats deleting a million documents one by one)."""
    for sql in DROP:
        conn.exec_driver_sql(sql)
    create(conn)


def insert_docs(conn: Any, docs: Sequence[tuple[int, str]]) -> None:
    """Add ``(customer_id, terms)`` documents; the customers must have none yet (see ``delete_docs``)."""
    for start in range(0, len(docs), _BATCH):
        conn.exec_driver_sql(_INSERT, list(docs[start : start + _BATCH]))


def delete_docs(conn: Any, ids: Iterable[int]) -> None:
    """Remove the documents of these customers (absent ones are ignored)."""
    params = [(int(i),) for i in ids]
    if params:
        conn.exec_driver_sql(_DELETE, params)


def delete_many(conn: Any, ids: Iterable[int], *, remaining: int) -> None:
    """``delete_docs`` for a big delete: when no more documents stay than go (an undo of the import that filled
    the database, say), the ones that stay are written again into a new index instead (100k deletes one by one:
    1.6 s; reading and writing what stays is proportional to it)."""
    gone = {int(i) for i in ids}
    if len(gone) < REBUILD_MIN or remaining > len(gone):
        delete_docs(conn, sorted(gone))
        return
    kept = [(i, t) for i, t in conn.exec_driver_sql(f"SELECT rowid, tokens FROM {TABLE}").all() if i not in gone]
    recreate(conn)
    insert_docs(conn, kept)


def delete_docs_from(conn: Any, first_id: int) -> None:
    """Remove the documents of every customer whose id is ``first_id`` or more (a rowid range scan)."""
    conn.exec_driver_sql(f"DELETE FROM {TABLE} WHERE rowid >= ?", (first_id,))


def replace_doc(conn: Any, customer_id: int, terms: str) -> None:
    """The customer's document becomes ``terms`` (none when it is empty)."""
    conn.exec_driver_sql(_DELETE, (customer_id,))
    if terms:
        conn.exec_driver_sql(_INSERT, (customer_id, terms))


def frequencies(conn: Any, terms: Sequence[str]) -> dict[str, int]:
    """{term: number of customers having it}, for the terms that any customer has."""
    if not terms:
        return {}
    marks = ", ".join("?" * len(terms))
    rows = conn.exec_driver_sql(f"SELECT term, doc FROM {VOCAB} WHERE term IN ({marks})", tuple(terms)).all()
    return {str(t): int(n) for t, n in rows}


def _each_term(terms: Sequence[str]) -> tuple[str, tuple[str, ...]]:
    """A UNION ALL of one MATCH per term, in the terms' order: each customer id once per term it has."""
    one = f"SELECT rowid AS id FROM {TABLE} WHERE {TABLE} MATCH ?"
    return " UNION ALL ".join([one] * len(terms)), tuple(f'"{t}"' for t in terms)


def sharing_most(conn: Any, terms: Sequence[str], limit: int) -> list[tuple[int, int]]:
    """``(customer_id, how many of terms it has)`` for the ``limit`` customers having the most of them.

    Which of the customers tied at the limit make it is what the old B-tree table's ``WHERE token IN (...) GROUP BY
    customer_id ORDER BY n DESC LIMIT`` gave, so that an entry check sees the same candidates as before: for one
    term, the first customers by id (its rows came in id order, no sorting); for several, SQLite's top-n sorter
    over the groups in id order (the same ``GROUP BY`` and ``ORDER BY`` here: ties at the limit come newest
    first)."""
    if not terms:
        return []
    if len(terms) == 1:
        sql = f"SELECT rowid, 1 FROM {TABLE} WHERE {TABLE} MATCH ? LIMIT {int(limit)}"
        return [(int(i), 1) for i, _ in conn.exec_driver_sql(sql, (f'"{terms[0]}"',)).all()]
    union, params = _each_term(terms)
    sql = f"SELECT id, count(*) AS n FROM ({union}) GROUP BY id ORDER BY n DESC LIMIT {int(limit)}"
    return [(int(i), int(n)) for i, n in conn.exec_driver_sql(sql, params).all()]


def sharing_any(conn: Any, terms: Sequence[str], limit: int = STRONG_LIMIT) -> list[int]:
    """Customers having any of the terms: the first ``limit`` (term, customer) pairs, terms in sorted order and each
    term's customers by id — the rows the old B-tree table gave for ``token IN (...) LIMIT n``."""
    if not terms:
        return []
    union, params = _each_term(sorted(terms))
    return [int(r[0]) for r in conn.exec_driver_sql(f"{union} LIMIT {int(limit)}", params).all()]


def all_docs(conn: Any) -> dict[int, str]:
    """{customer_id: terms} of every document (tests and checks)."""
    return {int(i): str(t) for i, t in conn.exec_driver_sql(f"SELECT rowid, tokens FROM {TABLE}").all()}
