import sqlite3
import threading
import time
from pathlib import Path

import pytest

from crm_cli.db.engine import HEAD, REVISIONS, Database, SchemaTooNew, run_migrations
from crm_cli.errors import Busy


def test_a_new_file_is_created_at_the_head_schema_in_wal_mode(db_path: Path) -> None:
    Database(db_path).open()
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0] == HEAD
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_connections_enforce_foreign_keys(db: Database) -> None:
    from sqlalchemy import text

    with db.read() as session:
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_revision_chain_matches_the_alembic_scripts() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    import crm_cli.db.engine as engine

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(engine.__file__).parent / "migrations"))
    script = ScriptDirectory.from_config(cfg)
    chain = [rev.revision for rev in reversed(list(script.walk_revisions()))]
    assert tuple(chain) == REVISIONS


def test_a_file_newer_than_the_code_is_refused(db_path: Path) -> None:
    Database(db_path).open()
    con = sqlite3.connect(db_path)
    con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.commit()
    con.close()
    with pytest.raises(SchemaTooNew):
        Database(db_path).open()


def _populate_first_schema(path: Path) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        run_migrations(conn, target=REVISIONS[0])
    engine.dispose()
    con = sqlite3.connect(path)
    con.execute("PRAGMA foreign_keys=ON")
    con.execute("INSERT INTO users (id, username, display_name, role, active) VALUES (1, 'boss', 'Boss', 'admin', 1)")
    for i in range(1, 51):
        con.execute(
            "INSERT INTO customers (id, name, level, stars, is_target, owner_id, search_text) "
            "VALUES (?, ?, 'intent', 3, 0, 1, ?)", (i, f"明达电子{i}号", f"明达电子{i}号"),
        )
        con.execute("INSERT INTO contacts (customer_id, name, is_primary) VALUES (?, '王强', 1)", (i,))
        con.execute(
            "INSERT INTO followups (customer_id, user_id, at, method, content) "
            "VALUES (?, 1, '2026-11-01 08:00:00.000000', 'phone', 'called')", (i,),
        )
    con.commit()
    con.close()


def test_upgrading_a_populated_first_schema_file_keeps_every_row_and_makes_a_backup(db_path: Path) -> None:
    _populate_first_schema(db_path)
    db = Database(db_path)
    db.open()
    assert db.upgraded_from_backup is not None and db.upgraded_from_backup.exists()
    con = sqlite3.connect(db_path)
    counts = [con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("customers", "contacts", "followups")]
    assert counts == [50, 50, 50]
    assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0] == HEAD
    backup = sqlite3.connect(db.upgraded_from_backup)
    assert backup.execute("SELECT version_num FROM alembic_version").fetchone()[0] == REVISIONS[0]
    assert backup.execute("SELECT count(*) FROM followups").fetchone()[0] == 50


def test_upgraded_file_finds_old_rows_through_the_new_search_index(db_path: Path) -> None:
    _populate_first_schema(db_path)
    db = Database(db_path)
    from sqlalchemy import text

    with db.read() as session:
        hits = session.execute(text("SELECT count(*) FROM customers_fts WHERE customers_fts MATCH '\"明达电子\"'")).scalar()
    assert hits == 50


def test_a_writer_waits_for_the_lock_instead_of_failing(db_path: Path) -> None:
    db = Database(db_path, busy_timeout=5)
    db.open()
    holder = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    threading.Timer(0.5, lambda: holder.execute("COMMIT")).start()
    from crm_cli.settings import set_setting

    start = time.monotonic()
    with db.write() as session:
        set_setting(session, "today.idle_days", 10)
    assert time.monotonic() - start >= 0.4


def test_a_writer_that_cannot_get_the_lock_raises_busy(db_path: Path) -> None:
    Database(db_path).open()
    db = Database(db_path, busy_timeout=0.2)
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    from crm_cli.settings import set_setting

    try:
        with pytest.raises(Busy):
            with db.write() as session:
                set_setting(session, "today.idle_days", 10)
    finally:
        holder.execute("ROLLBACK")


def test_instants_come_back_as_aware_utc(db: Database, make_customer, clock) -> None:
    customer = make_customer()
    from crm_cli.db.models import Customer

    with db.read() as session:
        stored = session.get(Customer, customer.id)
        assert stored.created_at == clock.now
        assert stored.created_at.tzinfo is not None


def test_demo_database_has_planner_statistics(tmp_path: Path) -> None:
    """Bulk loads end with a bounded ANALYZE: without statistics SQLite sorts a rep's whole customer list through
    the deleted_at index instead of scanning in id order."""
    import sqlite3

    from crm_cli.demo import build_demo

    path = tmp_path / "demo.db"
    build_demo(path, customers=60)
    with sqlite3.connect(path) as raw:
        tables = {row[0] for row in raw.execute("SELECT tbl FROM sqlite_stat1")}
    assert {"customers", "followups", "contacts"} <= tables


def test_optimize_waits_for_the_write_lock_and_gives_up_quietly_when_it_stays_taken(db_path) -> None:
    from crm_cli.db.engine import Database

    waiting = Database(db_path, busy_timeout=0.2)
    waiting.open()  # create and migrate
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        assert waiting.optimize() is False  # no exception: the caller's own work is already committed
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert waiting.optimize() is True
    stats = sqlite3.connect(db_path).execute("SELECT count(*) FROM sqlite_stat1").fetchone()[0]
    assert stats > 0
    waiting.dispose()


def _populate_0009(path: Path) -> None:
    """A file at schema 0009 (owner and clock still columns of customers): an owned customer followed up, a pool
    customer followed up before it went back, an owned customer never followed up, a deleted one."""
    from crm_cli.db.engine import make_engine

    engine = make_engine(path)
    with engine.begin() as conn:
        run_migrations(conn, target="0009")
    engine.dispose()
    con = sqlite3.connect(path)
    con.executemany("INSERT INTO users (id, username, display_name, role, active) VALUES (?, ?, ?, ?, 1)",
                    [(1, "boss", "Boss", "admin"), (2, "wang", "Wang", "rep")])
    con.executemany(
        "INSERT INTO customers (id, name, level, stars, is_target, owner_id, owned_since, last_followup_at, "
        "next_followup_on, deleted_at, search_text) VALUES (?, ?, ?, 3, 0, ?, ?, ?, ?, ?, ?)", [
            (row[0], row[1], "intent", *row[2:6], row[6], row[1]) for row in OLD_CUSTOMERS])
    con.execute("INSERT INTO contacts (customer_id, name, is_primary) VALUES (1, '王强', 1)")
    con.execute("INSERT INTO followups (customer_id, user_id, at, method, content) "
                "VALUES (1, 2, '2026-11-20 07:30:00.000000', 'phone', 'called')")
    con.commit()
    con.close()


# id, name, owner_id, owned_since, last_followup_at, next_followup_on, deleted_at
OLD_CUSTOMERS = [
    (1, "明达电子一号", 2, "2026-10-01 02:00:00.000000", "2026-11-20 07:30:00.000000", "2026-12-01", None),
    (2, "华信贸易", None, None, "2026-09-01 01:00:00.000000", None, None),
    (3, "远航物流", 1, "2026-11-01 00:00:00.000000", None, None, None),
    (4, "明达电子二号", 2, "2026-08-01 00:00:00.000000", None, None, "2026-11-02 00:00:00.000000"),
]


def test_upgrading_0009_moves_owners_and_clocks_to_customer_owners(db_path: Path) -> None:
    _populate_0009(db_path)
    db = Database(db_path)
    db.open()
    assert db.upgraded_from_backup is not None
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0] == HEAD
    assert con.execute("SELECT customer_id, owner_id, owned_since, last_followup_at FROM customer_owners "
                       "ORDER BY customer_id").fetchall() == [row[:1] + row[2:5] for row in OLD_CUSTOMERS]
    assert con.execute("SELECT id, name, next_followup_on, deleted_at FROM customers ORDER BY id").fetchall() == [
        (row[0], row[1], row[5], row[6]) for row in OLD_CUSTOMERS]
    columns = {r[1] for r in con.execute("PRAGMA table_info(customers)")}
    assert not columns & {"owner_id", "owned_since", "last_followup_at"}
    indexes = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                                         "AND tbl_name IN ('customers', 'customer_owners')")}
    assert {"ix_customer_owners_owner", "ix_customer_owners_clock", "ix_customers_report"} <= indexes
    assert not indexes & {"ix_customers_owner_due", "ix_customers_owner_clock"}
    assert [con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("contacts", "followups")] == [1, 1]
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    from crm_cli.db.models import Customer

    with db.read() as session:
        first = session.get(Customer, 1)
        assert (first.owner_id, first.owned_since.isoformat(), first.last_followup_at.isoformat()) == (
            2, "2026-10-01T02:00:00+00:00", "2026-11-20T07:30:00+00:00")
        assert (session.get(Customer, 2).owner_id, session.get(Customer, 3).last_followup_at) == (None, None)


def _fts(db: Database, text_: str) -> list[int]:
    from sqlalchemy import text

    with db.read() as session:
        return sorted(session.execute(text("SELECT rowid FROM customers_fts WHERE customers_fts MATCH :q"),
                                      {"q": f'"{text_}"'}).scalars())


def test_after_the_0010_upgrade_search_finds_old_rows_and_its_triggers_follow_changes(db_path: Path) -> None:
    from sqlalchemy import text

    from crm_cli.db.models import Customer

    _populate_0009(db_path)
    db = Database(db_path)
    assert _fts(db, "明达电子") == [1, 4]  # rows written before the rebuild: rowids kept
    with db.read() as session:
        triggers = set(session.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                            "AND tbl_name = 'customers'")).scalars())
    assert triggers == {"customers_fts_ai", "customers_fts_ad", "customers_fts_au"}
    with db.write() as session:
        session.add(Customer(id=5, name="新来的公司", level="potential", search_text="新来的公司", owner_id=2))
        session.get(Customer, 3).search_text = "远航国际物流"
    assert (_fts(db, "新来的"), _fts(db, "远航国际"), _fts(db, "远航物流")) == ([5], [3], [])
    with db.write() as session:
        session.delete(session.get(Customer, 5))
        session.execute(text("INSERT INTO customers_fts(customers_fts) VALUES ('integrity-check')"))
    assert _fts(db, "新来的") == []
    with db.read() as session:
        assert session.execute(text("SELECT count(*) FROM customer_owners")).scalar() == 4  # row 5's went with it


def test_a_deferred_checkpoint_runs_after_the_commit_in_its_own_thread(db: Database) -> None:
    """The commit leaves its pages in the WAL (the file does not grow); start() copies them into the file from a
    thread, and the committing connection gets its automatic checkpoints back."""
    from sqlalchemy import insert, text

    from crm_cli.db.models import Customer, CustomerOwner

    db.open()
    size = db.path.stat().st_size
    with db.write() as session:
        deferred = db.defer_checkpoint(session)
        rows = [{"id": i, "name": f"客户{i}" * 20, "level": "potential", "stars": 0, "is_target": False,
                 "search_text": f"客户{i}" * 20} for i in range(1, 20_001)]
        session.execute(insert(Customer.__table__), rows)  # type: ignore[attr-defined]
        session.execute(insert(CustomerOwner.__table__), [{"customer_id": r["id"]} for r in rows])  # type: ignore[attr-defined]
        connection = session.connection().connection.driver_connection
    wal = Path(f"{db.path}-wal").stat().st_size
    assert wal > 1000 * 4096  # past the automatic checkpoint's threshold
    assert db.path.stat().st_size == size  # but the commit did not checkpoint
    deferred.start()
    deferred.join()
    assert db.path.stat().st_size > size + 1000 * 4096  # the thread copied the pages into the file
    assert connection.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000
    with db.read() as session:
        assert session.execute(text("SELECT count(*) FROM customers")).scalar_one() == 20_000
