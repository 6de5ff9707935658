"""Shared fixtures: every test gets its own database file, config file and a fixed clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

TZ = ZoneInfo("Asia/Shanghai")
FIXED_NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, a Monday


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "crm.db"
    monkeypatch.setenv("CRM_DB", str(db))
    monkeypatch.setenv("CRM_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("CRM_USER", "boss")
    monkeypatch.setenv("CRM_TZ", "Asia/Shanghai")
    monkeypatch.delenv("NO_COLOR", raising=False)
    return db


@pytest.fixture
def db_path(isolated_env: Path) -> Path:
    return isolated_env


@pytest.fixture
def db(db_path: Path) -> Iterator[Any]:
    from crm_cli.db.engine import Database

    database = Database(db_path)
    yield database
    database.dispose()


@pytest.fixture
def clock() -> Any:
    from crm_cli.dates import Clock

    return Clock(FIXED_NOW, TZ)


@pytest.fixture
def make_user(db: Any, clock: Any) -> Callable[..., Any]:
    """Create a user; the first one is the admin 'boss' unless named otherwise."""

    def make(username: str = "boss", role: str = "admin", manager: str | None = None) -> Any:
        from crm_cli.db.models import User
        from crm_cli.users import get_user

        with db.write() as session:
            boss = session.exec(__import__("sqlmodel").select(User).where(User.role == "admin")).first()
            if boss is None:
                boss = User(username="boss", display_name="Boss", role="admin", created_at=clock.now)
                session.add(boss)
                session.flush()
            if username == "boss":
                return boss
            from crm_cli.users import add_user

            add_user(session, actor=boss, clock=clock, username=username, role=role, manager=manager)
            return get_user(session, username)

    return make


@pytest.fixture
def make_customer(db: Any, clock: Any, make_user: Callable[..., Any]) -> Callable[..., Any]:
    def make(name: str = "深圳市明达电子科技有限公司", *, owner: str = "boss", force: bool = True, **fields: Any) -> Any:
        from crm_cli.customers import add_customer
        from crm_cli.users import get_user

        make_user()
        with db.write() as session:
            actor = get_user(session, "boss")
            owner_user = None if owner == "pool" else get_user(session, owner)
            return add_customer(session, user=actor, clock=clock, data={"name": name, **fields}, owner=owner_user,
                                force=force)

    return make


class Cli:
    """Runs the real Typer app in-process, at the fixed clock unless told otherwise."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None, user: str | None = None) -> Any:
        from crm_cli.commands import app

        argv = [*(["--as", user] if user else []), *args]
        return self.runner.invoke(app, argv, input=input, catch_exceptions=False)


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> Cli:
    from crm_cli.commands._common import State

    real_clock = State.clock

    def fixed_clock(self: State, now: str | None = None) -> Any:
        from crm_cli.dates import Clock

        if now:
            return real_clock(self, now)
        return Clock(FIXED_NOW, TZ)

    monkeypatch.setattr(State, "clock", fixed_clock)
    return Cli()
