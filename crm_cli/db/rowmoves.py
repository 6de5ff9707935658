"""Moving rows that reference a customer from one customer to another (merge and its undo). SQLite details here."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text


def _ident(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"bad SQL identifier {name!r}")
    return f'"{name}"'


def table_exists(session: Any, table: str) -> bool:
    row = session.connection().execute(
        text("SELECT 1 FROM sqlite_master WHERE type='table' AND name=:t"), {"t": table}).first()
    return row is not None


def move_rows(session: Any, table: str, column: str, from_id: int, to_id: int) -> list[int]:
    """Point ``table.column`` from ``from_id`` to ``to_id``; rows a unique constraint keeps back stay where they
    are (e.g. a share the kept customer already has). Returns the rowids that moved."""
    conn = session.connection()
    t, c = _ident(table), _ident(column)
    before = [r[0] for r in conn.execute(text(f"SELECT rowid FROM {t} WHERE {c} = :f"), {"f": from_id})]
    if not before:
        return []
    conn.execute(text(f"UPDATE OR IGNORE {t} SET {c} = :to WHERE {c} = :f"), {"to": to_id, "f": from_id})
    stayed = {r[0] for r in conn.execute(text(f"SELECT rowid FROM {t} WHERE {c} = :f"), {"f": from_id})}
    return [r for r in before if r not in stayed]


def put_back(session: Any, table: str, column: str, rowids: list[int], to_id: int) -> None:
    conn = session.connection()
    t, c = _ident(table), _ident(column)
    for start in range(0, len(rowids), 500):
        chunk = rowids[start : start + 500]
        marks = ", ".join(str(int(r)) for r in chunk)
        conn.execute(text(f"UPDATE {t} SET {c} = :to WHERE rowid IN ({marks})"), {"to": to_id})
