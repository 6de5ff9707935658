"""Noticing changes made by other connections and processes (cron, imports, another terminal).

SQLite's ``PRAGMA data_version`` changes, on one connection, whenever any *other* connection commits to the file.
It costs microseconds and reads no table, so a long-running app can poll it every second or two.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path


class ChangeWatcher:
    """Keeps one private read-only connection and answers "has anybody committed since I last asked?"."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None
        self._last: int | None = None

    def _version(self) -> int:
        if self._conn is None:
            self._conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False,
                                         isolation_level=None)
        return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def changed(self) -> bool:
        """True when another connection committed since the previous call (False on the first call)."""
        version = self._version()
        previous, self._last = self._last, version
        return previous is not None and version != previous

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
