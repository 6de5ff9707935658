"""Engine and session set-up, schema version checks and upgrades. The only module that knows SQLite details.

- WAL journal, ``synchronous=NORMAL``, ``foreign_keys=ON`` and a busy timeout on every connection.
- We issue BEGIN ourselves (pysqlite's own transaction handling is off): reads use a deferred BEGIN, writes
  ``BEGIN IMMEDIATE`` so that a writer takes the write lock up front and waits politely for the busy timeout
  instead of failing half way with "database is locked".
- Opening a file checks its schema version with one cheap query; only an old file imports Alembic, after a
  backup copy is written next to it. A file newer than this code is refused.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from crm_cli.errors import Busy, CrmError

# The migration chain, oldest first. A test checks that it matches Alembic's scripts.
REVISIONS: tuple[str, ...] = ("0001", "0002", "0003", "0006", "0004", "0005", "0007", "0008", "0003b", "0007b", "0009", "0010", "0011")
HEAD = REVISIONS[-1]
DEFAULT_BUSY_TIMEOUT = 10.0


_json_encoder: Any = None


def json_text(value: Any) -> str:
    """JSON columns (audit changes, custom fields) as stored: UTF-8 text, so 名称 stays 名称 for anyone reading the
    file with sqlite3 (and takes 3 bytes a character, not the 6 of a ``\\u540d`` escape). One encoder, built on
    first use (``json.dumps`` with an option builds one per call: a big import encodes 100k audit entries)."""
    global _json_encoder
    if _json_encoder is None:
        import json

        _json_encoder = json.JSONEncoder(ensure_ascii=False)
    return str(_json_encoder.encode(value))


class SchemaTooNew(CrmError):
    exit_code = 4


def _is_busy(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "database is locked" in text or "database is busy" in text or "database table is locked" in text


def make_engine(path: Path, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> Engine:
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"timeout": busy_timeout, "check_same_thread": False},
        json_serializer=json_text,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves, see _on_begin
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def _read_version(dbapi: sqlite3.Connection) -> tuple[str | None, bool]:
    """(alembic version, whether the file has any table at all)."""
    tables = {r[0] for r in dbapi.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "alembic_version" not in tables:
        return None, bool(tables)
    row = dbapi.execute("SELECT version_num FROM alembic_version").fetchone()
    return (row[0] if row else None), True


def backup_file(path: Path, version: str) -> Path:
    """Copy the database with SQLite's backup API to ``<name>.v<version>-<UTC timestamp>.bak``.

    Reads through its own connection: the caller holds the write lock (so the copy is the committed state that
    the migration starts from), and WAL lets this reader in meanwhile."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    target = path.with_name(f"{path.name}.v{version}-{stamp}.bak")
    source = sqlite3.connect(path)
    dest = sqlite3.connect(target)
    try:
        source.backup(dest)
    finally:
        dest.close()
        source.close()
    return target


def run_migrations(conn: Any, target: str = HEAD) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, target)


def ensure_schema(engine: Engine, path: Path) -> Path | None:
    """Bring the file to HEAD. Returns the backup path when an existing file was upgraded."""
    with engine.connect() as conn:
        dbapi = conn.connection.driver_connection
        assert dbapi is not None
        version, has_tables = _read_version(dbapi)
        if version == HEAD:
            return None
        if version is not None and version not in REVISIONS:
            raise SchemaTooNew(
                f"{path} has schema version {version}, newer than this crm_cli knows ({HEAD}): upgrade crm_cli"
            )
        if version is None and has_tables:
            raise CrmError(f"{path} is an SQLite file but not a crm_cli database: choose another --db path")
        # Batch migrations rebuild tables; with foreign keys on, that would cascade deletes into child rows.
        # The pragma only takes effect outside a transaction, so it is set before BEGIN IMMEDIATE.
        dbapi.execute("PRAGMA foreign_keys=OFF")
        backup: Path | None = None
        try:
            with conn.execution_options(sqlite_begin="IMMEDIATE").begin():
                version, _ = _read_version(dbapi)  # re-read under the write lock: another process may have won
                if version == HEAD:
                    return None
                if version is not None:
                    backup = backup_file(path, version)
                run_migrations(conn)
                problems = dbapi.execute("PRAGMA foreign_key_check").fetchall()
                if problems:
                    raise CrmError(f"migration left {len(problems)} broken references (first: {problems[0]}); "
                                   "nothing was changed")
                analyze(dbapi)  # new indexes need statistics, or the planner picks them where a scan is better
        except OperationalError as exc:
            if _is_busy(exc):
                raise Busy(f"{path} is busy (another crm process holds it); try again in a moment") from exc
            raise
        finally:
            dbapi.execute("PRAGMA foreign_keys=ON")
        return backup


ANALYSIS_LIMIT = 1000  # rows sampled per index by ANALYZE: milliseconds on a million rows, good enough statistics


def analyze(dbapi: Any) -> None:
    """Refresh the query planner's statistics (sqlite_stat1), bounded by ``ANALYSIS_LIMIT``.

    Without statistics SQLite assumes every indexed equality is selective: it reads a rep's customers through
    ``deleted_at IS NULL`` and sorts 40k rows for ``ORDER BY id LIMIT 50`` (80 ms) where a scan in id order takes
    3 ms. Run after migrations and bulk loads; ``PRAGMA optimize`` keeps it fresh later."""
    dbapi.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
    dbapi.execute("ANALYZE")


class Database:
    """One SQLite file. ``read()`` and ``write()`` give short-lived sessions; never keep one open while waiting."""

    def __init__(self, path: str | Path, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT, create: bool = True):
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self.create = create
        self._engine: Engine | None = None
        self.upgraded_from_backup: Path | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            if not self.path.exists():
                if not self.create:
                    raise CrmError(f"no database at {self.path}")
                self.path.parent.mkdir(parents=True, exist_ok=True)
            engine = make_engine(self.path, busy_timeout=self.busy_timeout)
            try:
                self.upgraded_from_backup = ensure_schema(engine, self.path)
            except sqlite3.DatabaseError as exc:
                raise Busy(f"{self.path} cannot be opened as a database: {exc}") from exc
            except OperationalError as exc:
                raise _translate(exc, self.path) from exc
            self._engine = engine
        return self._engine

    def open(self) -> Database:
        """Create or upgrade the file now (otherwise it happens on first use)."""
        _ = self.engine
        return self

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read transaction (deferred BEGIN): a consistent snapshot, rolled back at the end."""
        with self._session("DEFERRED") as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction (BEGIN IMMEDIATE), committed when the block ends without an error."""
        with self._session("IMMEDIATE") as session:
            yield session
            session.commit()

    @contextmanager
    def _session(self, mode: str) -> Iterator[Session]:
        bind = self.engine.execution_options(sqlite_begin=mode)
        session = Session(bind=bind, expire_on_commit=False, autoflush=True)
        try:
            yield session
        except OperationalError as exc:
            session.rollback()
            raise _translate(exc, self.path) from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def analyze(self) -> None:
        """Refresh the planner's statistics now (after a bulk load)."""
        with self.engine.connect() as conn:
            analyze(conn.connection.driver_connection)
            conn.commit()

    def optimize(self) -> bool:
        """``PRAGMA optimize``: re-analyze tables whose statistics look stale (usually a no-op; cheap).

        Housekeeping, so it never fails the command that called it: it takes the write lock first (BEGIN IMMEDIATE,
        waiting the busy timeout) — run bare, ``PRAGMA optimize`` reads the schema and then upgrades to a write for
        its ANALYZE, which SQLite refuses at once, without waiting, when another process committed in between. If
        the lock stays taken it gives up and returns False; the statistics are refreshed next time."""
        with self.engine.connect() as conn:
            dbapi = conn.connection.driver_connection
            assert dbapi is not None
            try:
                dbapi.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
                dbapi.execute("BEGIN IMMEDIATE")
                has_stats = dbapi.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone()
                dbapi.execute("PRAGMA optimize" if has_stats else "ANALYZE")
                dbapi.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                if dbapi.in_transaction:
                    dbapi.execute("ROLLBACK")
                if _is_busy(exc):
                    return False
                raise
        return True

    def defer_checkpoint(self, session: Session) -> DeferredCheckpoint:
        """Let the commit of ``session``'s transaction leave the WAL for a checkpoint that ``start()`` runs in a
        thread of this process, while the command writes its output; ``join()`` before the process ends. See
        ``DeferredCheckpoint``."""
        dbapi = session.connection().connection.driver_connection
        assert dbapi is not None
        return DeferredCheckpoint(self.path, dbapi, self.busy_timeout)

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def _translate(exc: OperationalError, path: Path) -> Exception:
    if _is_busy(exc):
        return Busy(f"the database {path} is busy: another crm process kept it locked; try again in a moment")
    text = str(exc.orig) if getattr(exc, "orig", None) else str(exc)
    if "malformed" in text or "not a database" in text:
        return Busy(f"the database {path} is damaged: {text}; restore a backup")
    return exc


class DeferredCheckpoint:
    """A big commit's checkpoint (copying its pages from the WAL into the file, with an fsync), run in a thread
    next to the rest of the command instead of inside the commit.

    SQLite checkpoints in the connection that commits once the WAL passes ``wal_autocheckpoint`` pages: after a
    sweep of 100k of 1M customers that is 23k pages and 0.4–0.8 s of wall time, mostly waiting for the disk, before
    the command can print anything. Here the committing connection's automatic checkpoint is off for that one
    commit (``wal_autocheckpoint = 0``, restored by ``start()``), and ``start()`` runs a PASSIVE checkpoint on a
    connection of its own in a thread (SQLite works without the GIL) while the command renders its output;
    ``join()`` waits for it. The work stays in this process: nothing is left to the next command. If the
    checkpoint cannot run (another process holds the checkpoint lock), the next commit's automatic one does it."""

    def __init__(self, path: Path, dbapi: Any, busy_timeout: float):
        self.path, self._dbapi, self._timeout = path, dbapi, busy_timeout
        self._pages = int(dbapi.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
        dbapi.execute("PRAGMA wal_autocheckpoint = 0")
        self._thread: Any = None

    def restore(self) -> None:
        """Give the committing connection its automatic checkpoints back (idempotent)."""
        if self._dbapi is not None:
            self._dbapi.execute(f"PRAGMA wal_autocheckpoint = {self._pages}")
            self._dbapi = None

    def start(self) -> None:
        import threading

        self.restore()
        self._thread = threading.Thread(target=self._run, name="crm-checkpoint")
        self._thread.start()

    def _run(self) -> None:
        try:
            con = sqlite3.connect(self.path, timeout=self._timeout)
        except sqlite3.Error:
            return
        try:
            con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error:
            pass  # busy or gone: the next automatic checkpoint copies the pages
        finally:
            con.close()

    def join(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
