"""bulkimport.Background: statements run on the session's own connection in a thread, in its transaction."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

LONG = ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000000000) "
        "SELECT count(*) FROM n")  # minutes


def test_background_statements_run_in_the_callers_transaction(tmp_path: Path) -> None:
    from sqlalchemy import text

    from crm_cli.db.bulkimport import Background
    from crm_cli.db.engine import Database

    database = Database(tmp_path / "b.db")
    with pytest.raises(RuntimeError, match="rolled back"), database.write() as session:
        session.execute(text("CREATE TABLE t (x INTEGER)"))
        background = Background(session)
        background.run([("INSERT INTO t SELECT value FROM json_each(?)", ("[1, 2, 3]",)),
                        ("INSERT INTO t VALUES (?)", (4,))])
        background.wait()
        assert session.execute(text("SELECT sum(x) FROM t")).scalar() == 10  # seen by the caller: same transaction
        raise RuntimeError("rolled back")
    with database.read() as session:
        assert session.execute(text("SELECT count(*) FROM sqlite_master WHERE name = 't'")).scalar() == 0
    database.dispose()


def test_wait_raises_the_threads_error_and_cancel_interrupts_a_long_statement(tmp_path: Path) -> None:
    from crm_cli.db.bulkimport import Background
    from crm_cli.db.engine import Database

    database = Database(tmp_path / "b.db")
    with database.write() as session:
        background = Background(session)
        background.run([("INSERT INTO no_such_table VALUES (1)", ())])
        with pytest.raises(sqlite3.OperationalError, match="no_such_table"):
            background.wait()
        background.run([(LONG, ())])
        time.sleep(0.2)
        started = time.perf_counter()
        background.cancel()  # without the interrupt, this would take minutes
        assert time.perf_counter() - started < 30
        background.wait()  # the interrupted statement's error was dropped
    database.dispose()
