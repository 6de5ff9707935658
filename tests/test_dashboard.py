"""The dashboard, driven through Textual's pilot against a real database file at a fixed clock."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from tests.conftest import FIXED_NOW, TZ

SIZE = (120, 36)


def make_app(db_path: Path, user: str = "boss", **kwargs: Any) -> Any:
    from crm_cli.tui.app import CrmApp

    return CrmApp(db_path, user, now=FIXED_NOW, tz=TZ, blink=False, **kwargs)


async def settle(pilot: Any, delay: float = 0.0) -> None:
    """Wait until every worker has finished and its result is on screen (callbacks may start more work)."""
    from textual.worker import WorkerCancelled

    app = pilot.app
    for _ in range(10):
        await pilot.pause(delay)
        try:
            await app.workers.wait_for_complete()
        except WorkerCancelled:  # an exclusive worker was superseded by a newer one: wait again
            continue
        await pilot.pause()
        if not any(w.is_running for w in app.workers):
            break


async def wait_for(pilot: Any, condition: Callable[[], bool], timeout: float = 15.0) -> None:
    """For what depends on a timer (the change watcher): poll the condition rather than guess a delay."""
    import time

    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        await settle(pilot, 0.05)


@pytest.fixture
def shop(make_user: Callable[..., Any], make_customer: Callable[..., Any], db: Any, clock: Any) -> dict[str, Any]:
    """A small fixed world: a rep, a manager, four customers (one in the pool) with contacts and follow-ups."""
    from crm_cli import contacts, followups
    from crm_cli.customers import resolve_customer
    from crm_cli.users import get_user

    make_user()
    make_user("wang.fang", role="rep")
    made = {
        "mingda": make_customer("深圳市明达电子科技有限公司", owner="wang.fang", phone="0755-86001234", level="意向",
                                stars=3, region="深圳"),
        "huaxin": make_customer("广州华信贸易有限公司", owner="wang.fang", phone="020-1234567", level="key"),
        "acme": make_customer("Acme Widgets Inc.", owner="wang.fang", email="info@acme.com"),
        "pooled": make_customer("杭州远航物流有限公司", owner="pool", phone="0571-5550000"),
    }
    with db.write() as session:
        rep = get_user(session, "wang.fang")
        c = resolve_customer(session, str(made["mingda"].id), user=rep)
        contacts.add_contact(session, user=rep, clock=clock, customer=c, data={"name": "王强", "mobile": "13812345678"})
        followups.log_followup(session, user=rep, clock=clock, customer=c, content="报价已发", method="电话",
                               next_on=clock.today)
    return made


def followups_of(db: Any, customer_id: int) -> list[Any]:
    from crm_cli.db.models import FollowUp

    with db.read() as session:
        return list(session.exec(select(FollowUp).where(FollowUp.customer_id == customer_id)))


async def test_search_open_and_log_followup_writes_the_row(db_path: Path, db: Any, shop: dict[str, Any]) -> None:
    app = make_app(db_path, "wang.fang")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press(*"华信")
        await settle(pilot)
        assert [r.name for r in app.screen.page.rows] == ["广州华信贸易有限公司"]
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "CustomerScreen"
        await pilot.press("f")
        await pilot.press(*"客户要样品", "enter", *"+3d", "enter", *"寄样品", "enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "CustomerScreen"
    [followup] = followups_of(db, shop["huaxin"].id)
    assert (followup.content, followup.next_on.isoformat(), followup.plan) == ("客户要样品", "2026-11-26", "寄样品")


async def test_followup_with_a_bad_date_keeps_the_form_and_says_why(db_path: Path, db: Any,
                                                                    shop: dict[str, Any]) -> None:
    from crm_cli.tui.screens.forms import FollowUpForm

    app = make_app(db_path, "wang.fang")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(FollowUpForm(shop["acme"].id))
        await pilot.pause()
        await pilot.press(*"called", "tab", *"32/13", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, FollowUpForm)
        assert "invalid date '32/13'" in str(app.screen.query_one("#form-error").render())
        assert app.screen.query_one("#content").value == "called"
    assert followups_of(db, shop["acme"].id) == []


async def test_add_customer_shows_the_duplicate_live_and_saves_only_when_insisted(
        db_path: Path, db: Any, shop: dict[str, Any]) -> None:
    from crm_cli.db.models import Customer
    from crm_cli.tui.screens.forms import CustomerForm

    app = make_app(db_path, "wang.fang")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, CustomerForm)
        await pilot.press(*"明达电子", "tab", *"0755 8600 1234")
        await settle(pilot, 0.3)
        dupes = str(app.screen.query_one("#dupes").render())
        assert "深圳市明达电子科技有限公司" in dupes and "same phone" in dupes
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CustomerForm)
        assert "ctrl+s again" in str(app.screen.query_one("#form-error").render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert type(app.screen).__name__ == "CustomerScreen"
    with db.read() as session:
        assert session.exec(select(Customer).where(Customer.name == "明达电子")).one().phone == "0755 8600 1234"


async def test_edit_with_an_invalid_date_shows_the_error_and_changes_nothing(
        db_path: Path, db: Any, shop: dict[str, Any]) -> None:
    from crm_cli.db.models import Customer
    from crm_cli.tui.screens.forms import CustomerForm

    app = make_app(db_path, "wang.fang")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(CustomerForm(shop["acme"].id))
        await settle(pilot)
        app.screen.query_one("#f-next").focus()
        await pilot.press(*"2026-02-30")
        await pilot.pause()
        assert "day is out of range" in str(app.screen.query_one("#e-next").render())
        app.screen.query_one("#f-region").focus()
        await pilot.press(*"上海", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CustomerForm)
        assert "next" in str(app.screen.query_one("#form-error").render())
    with db.read() as session:
        assert session.get(Customer, shop["acme"].id).region is None


async def test_edit_saves_changed_fields_and_the_next_date(db_path: Path, db: Any, shop: dict[str, Any]) -> None:
    from crm_cli.db.models import Customer
    from crm_cli.tui.screens.forms import CustomerForm

    app = make_app(db_path, "wang.fang")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(CustomerForm(shop["acme"].id))
        await settle(pilot)
        app.screen.query_one("#f-next").focus()
        await pilot.press(*"friday")
        app.screen.query_one("#f-region").focus()
        await pilot.press(*"上海", "ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, CustomerForm)
    with db.read() as session:
        acme = session.get(Customer, shop["acme"].id)
        assert (acme.region, acme.next_followup_on.isoformat()) == ("上海", "2026-11-27")


async def test_an_edit_is_not_blocked_by_an_old_value_todays_rules_refuse(db_path: Path, db: Any,
                                                                           shop: dict[str, Any]) -> None:
    import sqlite3

    from crm_cli.db.models import Customer
    from crm_cli.tui.screens.forms import CustomerForm

    con = sqlite3.connect(db_path)  # a phone as an old import wrote it; typed in today, it is refused
    con.execute("UPDATE customers SET phone = '见备注' WHERE id = ?", (shop["acme"].id,))
    con.commit()
    con.close()
    app = make_app(db_path, "wang.fang")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(CustomerForm(shop["acme"].id))
        await settle(pilot)
        app.screen.query_one("#f-region").focus()
        await pilot.press(*"上海", "ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, CustomerForm)
        app.push_screen(CustomerForm(shop["acme"].id))
        await settle(pilot)
        phone = app.screen.query_one("#f-phone")
        phone.focus()
        phone.value = "暂时没有"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CustomerForm)  # a changed phone is checked
        assert "has no digits" in str(app.screen.query_one("#form-error").content)
    with db.read() as session:
        acme = session.get(Customer, shop["acme"].id)
        assert (acme.region, acme.phone) == ("上海", "见备注")


async def test_a_change_by_another_process_appears_without_a_key(db_path: Path, db: Any, clock: Any,
                                                                 make_customer: Callable[..., Any],
                                                                 shop: dict[str, Any]) -> None:
    app = make_app(db_path, "wang.fang", poll_interval=0.1)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        before = app.screen.page.total
        make_customer("成都天诚软件有限公司", owner="wang.fang")  # another connection, like cron or an import
        await wait_for(pilot, lambda: app.screen.page.total == before + 1)
        assert "成都天诚软件有限公司" in [r.name for r in app.screen.page.rows]


async def test_a_bad_filter_token_is_reported_in_the_status_line(db_path: Path, shop: dict[str, Any]) -> None:
    app = make_app(db_path, "wang.fang")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press(*"level:hot")
        await settle(pilot)
        assert "unknown level 'hot'" in str(app.screen.query_one("#status").render())
        assert app.screen.query_one("#search").value == "level:hot"


async def test_moving_past_the_last_row_loads_the_next_page(db_path: Path, db: Any, clock: Any,
                                                           make_user: Callable[..., Any],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from crm_cli.customers import add_customer
    from crm_cli.tui.screens import customers

    monkeypatch.setattr(customers.CustomersScreen, "fixed_page_size", 5)
    boss = make_user()
    with db.write() as session:
        for i in range(12):
            add_customer(session, user=boss, clock=clock, data={"name": f"客户{i:02d}"}, force=True)
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press("enter", *["down"] * 5)
        await settle(pilot)
        assert [r.name for r in app.screen.page.rows][0] == "客户05"
        assert "6–10 of 12" in str(app.screen.query_one("#status").render())


async def test_help_and_home_show(db_path: Path, shop: dict[str, Any]) -> None:
    app = make_app(db_path, "wang.fang")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        home = app.screen
        assert [r.name for r in home.data.due_today] == ["深圳市明达电子科技有限公司"]
        assert home.data.summary.by_level["intent"] == 1
        await pilot.press("f1")
        assert type(app.screen).__name__ == "HelpScreen"


def owner_of(db: Any, customer_id: int) -> int | None:
    from crm_cli.db.models import Customer

    with db.read() as session:
        return session.get(Customer, customer_id).owner_id


async def test_claim_from_the_pool_shows_the_cap_and_takes_the_customer(db_path: Path, db: Any,
                                                                       shop: dict[str, Any]) -> None:
    app = make_app(db_path, "wang.fang")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        assert "you own 3 of 500" in app.screen.sub_title
        assert [r.name for r in app.screen.page.rows] == ["杭州远航物流有限公司"]
        await pilot.press("enter", "c")
        await settle(pilot)
        assert app.screen.page.rows == []
        assert "you own 4 of 500" in app.screen.sub_title
    assert owner_of(db, shop["pooled"].id) == shop["mingda"].owner_id


async def test_claim_beyond_the_cap_is_refused_with_the_reason(db_path: Path, db: Any,
                                                               shop: dict[str, Any]) -> None:
    from crm_cli.settings import set_setting

    with db.write() as session:
        set_setting(session, "pool.max_owned", 3)
    app = make_app(db_path, "wang.fang")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        assert "room for 0" in app.screen.sub_title
        await pilot.press("enter", "c")
        await settle(pilot)
        assert any("the cap is 3" in n.message for n in app._notifications)
    assert owner_of(db, shop["pooled"].id) is None


async def test_a_manager_assigns_a_pool_customer(db_path: Path, db: Any, shop: dict[str, Any]) -> None:
    app = make_app(db_path, "boss")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        await pilot.press("enter", "g")
        await settle(pilot)
        assert type(app.screen).__name__ == "PickUser"
        await pilot.press("down", "enter")  # boss, wang.fang
        await settle(pilot)
    assert owner_of(db, shop["pooled"].id) == shop["mingda"].owner_id


@pytest.fixture
def contract(db: Any, clock: Any, shop: dict[str, Any]) -> str:
    """A signed contract for Acme (wang.fang's) with two installments, the first due in five days."""
    from datetime import timedelta

    from crm_cli import contracts, deals, payments
    from crm_cli.customers import resolve_customer
    from crm_cli.users import get_user

    with db.write() as session:
        rep = get_user(session, "wang.fang")
        acme = resolve_customer(session, str(shop["acme"].id), user=rep)
        deals.add_deal(session, user=rep, clock=clock, customer=acme, title="Widgets 2027", amount="12000")
        c = contracts.add_contract(session, user=rep, clock=clock, number="HT-2026-001", customer=acme,
                                   signed_on=clock.today, amount="12000")
        payments.set_plan(session, user=rep, clock=clock, contract=c,
                          items=[(clock.today + timedelta(days=5), 600000), (clock.today + timedelta(days=35), 600000)])
    return "HT-2026-001"


async def test_home_lists_payments_due_and_the_customer_shows_its_contract(db_path: Path, contract: str,
                                                                         shop: dict[str, Any]) -> None:
    app = make_app(db_path, "wang.fang")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        [due] = app.screen.data.panels["Payments due"]
        assert "11-28 6000.00 CNY" in due and contract in due
        app.open_customer(shop["acme"].id)
        await settle(pilot)
        await pilot.press("4")
        extras = app.screen.detail.extras
        assert [c["number"] for c in extras["contracts"]] == [contract]
        assert [d["title"] for d in extras["deals"]] == ["Widgets 2027"]


async def test_the_command_palette_adds_a_customer(db_path: Path, shop: dict[str, Any]) -> None:
    from crm_cli.tui.screens.forms import CustomerForm

    app = make_app(db_path, "wang.fang")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"Add customer")
        await settle(pilot, 0.2)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerForm)


async def test_text_typed_while_a_page_query_runs_is_searched_once_with_the_latest_text(
        db_path: Path, shop: dict[str, Any]) -> None:
    app = make_app(db_path, "wang.fang")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        import threading

        searched = []
        customers = app.backend.customers
        typed = threading.Event()

        def slow_customers(query: Any, **kwargs: Any) -> Any:
            searched.append(query.search)
            typed.wait(10)  # a slow query: the texts below arrive while it runs (released once all are typed)
            return customers(query, **kwargs)

        app.backend.customers = slow_customers
        search = app.screen.query_one("#search")
        for text in ("广", "广州", "广州华", "华信"):
            search.value = text
            await pilot.pause()
        typed.set()
        await settle(pilot, 0.3)
        assert searched == ["广", "华信"]
        assert app.screen.page.query.search == "华信"
        assert [r.name for r in app.screen.page.rows] == ["广州华信贸易有限公司"]


async def test_the_history_tab_shows_instants_in_local_time(db_path: Path, shop: dict[str, Any]) -> None:
    from textual.widgets import Static

    app = make_app(db_path, "wang.fang")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press(*"明达")
        await settle(pilot)
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "CustomerScreen"
        history = str(app.screen.query_one("#history-text", Static).content)
    # the follow-up of the fixture, logged at FIXED_NOW (02:00 UTC): 10:00 in Shanghai, not an ISO string in UTC
    assert "at: None → 2026-11-23 10:00" in history and "+00:00" not in history
