"""What every command shares: the global options, one session per command, the clock, error → exit code.

Importing this module is cheap: SQLModel and the domain modules are imported inside the functions that use them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperGroup

from crm_cli.errors import Busy, CrmError

if TYPE_CHECKING:
    from sqlmodel import Session

    from crm_cli.dates import Clock
    from crm_cli.db.engine import Database
    from crm_cli.db.models import User


@dataclass
class State:
    db_path: str | None = None
    username: str | None = None
    config: dict[str, Any] | None = None
    _db: Any = field(default=None, repr=False)

    def load_config(self) -> dict[str, Any]:
        if self.config is None:
            from crm_cli.config import load_config

            self.config = load_config()
        return self.config

    def database(self) -> Database:
        if self._db is None:
            from crm_cli.config import resolve_db_path
            from crm_cli.db.engine import Database

            self._db = Database(resolve_db_path(self.db_path, self.load_config()))
        return self._db

    def clock(self, now: str | None = None) -> Clock:
        from crm_cli.dates import Clock, get_tz

        tz = get_tz(os.environ.get("CRM_TZ") or self.load_config().get("timezone"))
        clock = Clock(tz=tz)
        if now:
            clock = Clock(clock.parse_datetime(now), tz)
        return clock


STATE = State()


@contextmanager
def cli_session(*, write: bool = False, now: str | None = None) -> Iterator[tuple[Session, User, Clock]]:
    """One transaction for one command: (session, acting user, clock)."""
    from crm_cli.config import resolve_username
    from crm_cli.users import current_user

    db = STATE.database()
    clock = STATE.clock(now)
    username = resolve_username(STATE.username, STATE.load_config())
    with db.write() if write else db.read() as session:
        user = current_user(session, username, clock=clock)
        if not write and user.id is None:  # pragma: no cover - current_user flushes
            raise CrmError("could not create the first user")
        yield session, user, clock


def ensure_user_exists() -> None:
    """Create the first (admin) user in its own short write when the database has none, so reads can run."""
    from crm_cli.config import resolve_username
    from crm_cli.users import current_user

    db = STATE.database()
    username = resolve_username(STATE.username, STATE.load_config())
    from sqlmodel import func, select

    from crm_cli.db.models import User

    with db.read() as session:
        if session.exec(select(func.count()).select_from(User)).one():
            return
    with db.write() as session:
        current_user(session, username, clock=STATE.clock())


@contextmanager
def read_session(now: str | None = None) -> Iterator[tuple[Session, User, Clock]]:
    """A read transaction with the acting user. Only a database with no user at all takes a short write first
    (to create the first user) and a second read; otherwise one transaction answers both."""
    from crm_cli.config import resolve_username
    from crm_cli.users import current_user

    db = STATE.database()
    clock = STATE.clock(now)
    username = resolve_username(STATE.username, STATE.load_config())
    with db.read() as session:
        user = current_user(session, username, clock=clock, create=False)
        if user is not None:
            yield session, user, clock
            return
    ensure_user_exists()
    with cli_session(write=False, now=now) as triple:
        yield triple


def write_session(now: str | None = None) -> Any:
    return cli_session(write=True, now=now)


def is_interactive() -> bool:
    """True when a person is at the terminal (stdin and stderr are ttys): commands may ask instead of refusing."""
    return sys.stdin.isatty() and sys.stderr.isatty()


def report_error(exc: CrmError) -> None:
    from crm_cli.commands import _out

    _out.error(exc.message, exc.details)


class CrmGroup(TyperGroup):
    """The root group: turns domain errors into a message on stderr and an exit code, in exactly one place."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except CrmError as exc:
            report_error(exc)
            raise typer.Exit(exc.exit_code) from None
        except Exception as exc:
            translated = _translate_db_error(exc)
            if translated is None:
                raise
            report_error(translated)
            raise typer.Exit(translated.exit_code) from None


def _translate_db_error(exc: Exception) -> CrmError | None:
    if "sqlalchemy" not in sys.modules and "sqlite3" not in sys.modules:
        return None
    import sqlite3

    from sqlalchemy.exc import OperationalError

    if isinstance(exc, OperationalError | sqlite3.OperationalError):
        text = str(exc).lower()
        if "locked" in text or "busy" in text:
            return Busy("the database is busy: another crm process kept it locked; try again in a moment")
        return Busy(f"database error: {exc}")
    if isinstance(exc, sqlite3.DatabaseError):
        return Busy(f"the database cannot be read: {exc}; restore a backup")
    return None
