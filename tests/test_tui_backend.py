"""The dashboard's data layer (crm_cli.tui.backend) on a real database file: the list's fast path gives the same
pages as the general query the CLI runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from tests.conftest import FIXED_NOW, TZ

NAMES = ["深圳市明达电子科技有限公司", "广州华信贸易有限公司", "Acme Widgets Inc.", "明达物流", "杭州远航物流有限公司",
         "北京明远软件有限公司", "acme trading", "上海华明电子", "成都天诚软件有限公司", "明达明达"]


@pytest.fixture
def world(db: Any, clock: Any, make_user: Callable[..., Any], make_customer: Callable[..., Any]) -> None:
    """Sixty customers spread over two reps and the pool, some deleted, some invalid in the pool, one of li's
    shared with wang; names repeat so that terms match many or few."""
    from crm_cli import pool
    from crm_cli.customers import delete_customer, edit_customer, resolve_customer
    from crm_cli.users import get_user

    make_user("wang", role="rep")
    make_user("li", role="rep")
    owners = ["wang", "li", "pool", "wang", "boss"]
    made = [make_customer(f"{NAMES[i % len(NAMES)]} {i}", owner=owners[i % len(owners)], phone=f"138{i:08d}")
            for i in range(60)]
    with db.write() as session:
        boss = get_user(session, "boss")
        for i in (3, 17, 18, 40):
            delete_customer(session, user=boss, clock=clock, customer=resolve_customer(session, f"#{made[i].id}",
                                                                                       user=boss))
        for i in (2, 22):  # pool customers marked invalid: hidden from reps
            edit_customer(session, user=boss, clock=clock, customer=resolve_customer(session, f"#{made[i].id}",
                                                                                    user=boss),
                          changes={"level": "invalid"})
        pool.share(session, user=boss, clock=clock, customer=resolve_customer(session, f"#{made[6].id}", user=boss),
                   with_user=get_user(session, "wang"))


def backend(db_path: Any, user: str) -> Any:
    from crm_cli.tui.backend import Backend

    b = Backend(db_path, user, now=FIXED_NOW, tz=TZ)
    b.open()
    return b


def reference_ids(db: Any, user: str, query: Any, clock: Any) -> list[int]:
    from crm_cli.customers import list_customers
    from crm_cli.users import get_user

    with db.read() as session:
        return [c.id for c in list_customers(session, query, user=get_user(session, user), clock=clock)]


@pytest.mark.usefixtures("world")
@pytest.mark.parametrize("window", [6, 25, 5_000])
@pytest.mark.parametrize("user", ["wang", "boss"])
def test_a_page_in_id_order_is_the_one_the_general_query_gives(db: Any, db_path: Any, clock: Any, window: int,
                                                              user: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from crm_cli.customers import CustomerQuery
    from crm_cli.tui import backend as module

    monkeypatch.setattr(module, "ID_WINDOW", window)
    b = backend(db_path, user)
    try:
        for search in (None, "明达", "明", "有限公司", "acme", "138000000", "zzz", "华 电子"):
            for offset, limit in ((0, 1), (0, 5), (5, 5), (10, 3), (0, 60)):
                for extra in ({}, {"owner": "me"}, {"owner": "pool"}, {"level": ["potential"]}):
                    query = CustomerQuery(search=search, offset=offset, limit=limit, **extra)  # type: ignore[arg-type]
                    got = [r.id for r in b.customers(query, count=False).rows]
                    assert got == reference_ids(db, user, query, clock), (search, offset, limit, extra)
    finally:
        b.close()


@pytest.mark.usefixtures("world")
def test_the_fast_path_answers_when_the_window_holds_the_page_and_defers_otherwise(
        db: Any, db_path: Any, clock: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy import and_

    from crm_cli.customers import CustomerQuery, query_conditions
    from crm_cli.tui import backend as module
    from crm_cli.users import get_user

    monkeypatch.setattr(module, "ID_WINDOW", 12)
    common, rare = CustomerQuery(search="明", limit=3), CustomerQuery(search="天诚", limit=3)
    with db.read() as session:
        wang = get_user(session, "wang")

        def first(query: Any) -> list[int] | None:
            where = and_(*query_conditions(session, query, user=wang, clock=clock))
            return module.Backend._first_ids(session, where, query)

        assert first(common) == reference_ids(db, "wang", common, clock)
        assert first(rare) is None  # fewer matches than a page among the first ids: the general query runs
        assert first(replace(common, sort="name")) is None
        assert first(replace(common, offset=1)) is None  # the page ends beyond a quarter of the window


@pytest.mark.usefixtures("world")
@pytest.mark.parametrize("user", ["wang", "boss"])
def test_the_match_count_is_the_one_the_general_count_gives(db: Any, db_path: Any, clock: Any, user: str) -> None:
    from crm_cli.customers import CustomerQuery, count_customers
    from crm_cli.users import get_user

    b = backend(db_path, user)
    try:
        for search in (None, "明达", "明", "有限公司", "acme", "zzz", "华 电子", "明 有限公司"):
            for extra in ({}, {"owner": "me"}, {"level": ["potential"]}):
                query = CustomerQuery(search=search, **extra)  # type: ignore[arg-type]
                with db.read() as session:
                    expected = count_customers(session, query, user=get_user(session, user), clock=clock)
                assert b.count(query) == expected, (search, extra)
    finally:
        b.close()
