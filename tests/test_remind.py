"""`crm remind`: time-travel tests of every pool rule, alerts delivered once, dry run, JSON, locking, mail."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import date, timedelta

import pytest

from crm_cli.dates import Clock
from tests.conftest import FIXED_NOW, TZ

# FIXED_NOW is 2026-11-23 10:00 in Shanghai; customers made by the fixtures are owned since then.
BEFORE_IDLE = "2026-12-23 09:59"
AFTER_IDLE = "2026-12-23 10:01"


@pytest.fixture
def reps(cli, make_user):
    make_user()
    make_user("li.na", role="manager")
    make_user("wang", role="rep", manager="li.na")
    make_user("chen", role="rep", manager="li.na")
    return cli


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def remind(cli, *args, user=None):
    return cli("remind", *args, user=user)


def remind_json(cli, *args, user=None):
    result = remind(cli, "--json", *args, user=user)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def owner(db, customer_id):
    from crm_cli.db.models import Customer

    with db.read() as session:
        return session.get(Customer, customer_id).owner_id


def log_followup(db, customer_id, when, next_on=None, username="wang"):
    from crm_cli.db.models import Customer
    from crm_cli.followups import log_followup as log
    from crm_cli.users import get_user

    with db.write() as session:
        log(session, user=get_user(session, username), clock=Clock(when, TZ),
            customer=session.get(Customer, customer_id), content="called", next_on=next_on)


def test_prints_nothing_when_nothing_is_swept_or_due(reps, make_customer) -> None:
    make_customer("明达", owner="wang")
    result = remind(reps)
    assert result.exit_code == 0 and result.stdout == ""


def test_idle_customer_returns_to_pool_after_idle_days_with_reason(reps, make_customer, db) -> None:
    cid = make_customer("明达", owner="wang").id
    assert remind_json(reps, "--now", BEFORE_IDLE)["swept"] == []
    swept = remind_json(reps, "--now", AFTER_IDLE)["swept"]
    assert [(s["customer"], s["from"]) for s in swept] == [(cid, "wang")]
    assert "no follow-up for 30 days" in swept[0]["reason"]
    assert owner(db, cid) is None
    last = json.loads(reps("customer", "history", str(cid), "--owners", "--json").stdout)[-1]
    assert (last["action"], last["from"], last["user"]) == ("sweep", "wang", None)
    assert "no follow-up for 30 days" in last["reason"]


def test_logging_a_followup_resets_the_clock_but_editing_does_not(reps, make_customer, db) -> None:
    followed = make_customer("followed", owner="wang").id
    edited = make_customer("edited", owner="wang").id
    log_followup(db, followed, FIXED_NOW + timedelta(days=10))
    reps("customer", "edit", str(edited), "--stars", "3")
    swept = remind_json(reps, "--now", AFTER_IDLE)["swept"]
    assert [s["customer"] for s in swept] == [edited]
    assert owner(db, followed) is not None


def test_unwon_rule_sweeps_after_unwon_days_even_when_followed_up(reps, make_customer, db) -> None:
    reps("config", "set", "pool.unwon_days", "60")
    cid = make_customer("明达", owner="wang").id
    for day in (20, 40):
        log_followup(db, cid, FIXED_NOW + timedelta(days=day))
    assert remind_json(reps, "--now", "2027-01-22 09:59")["swept"] == []
    swept = remind_json(reps, "--now", "2027-01-22 10:01")["swept"]
    assert [s["customer"] for s in swept] == [cid] and "not won within 60 days" in swept[0]["reason"]


def test_won_customers_are_exempt_and_exempt_levels_is_a_setting(reps, make_customer, db) -> None:
    won = make_customer("won", owner="wang", level="won").id
    key = make_customer("key", owner="wang", level="key").id
    reps("config", "set", "pool.exempt_levels", "won,重点")
    assert remind_json(reps, "--now", "2027-06-01")["swept"] == []
    assert owner(db, won) is not None and owner(db, key) is not None
    reps("config", "set", "pool.exempt_levels", "won")
    assert [s["customer"] for s in remind_json(reps, "--now", "2027-06-01")["swept"]] == [key]


def test_a_rule_set_to_zero_is_off(reps, make_customer) -> None:
    reps("config", "set", "pool.idle_days", "0")
    reps("config", "set", "pool.unwon_days", "0")
    make_customer("明达", owner="wang")
    assert remind_json(reps, "--now", "2028-01-01")["swept"] == []


def test_warns_the_owner_within_warn_days_before_the_sweep(reps, make_customer) -> None:
    cid = make_customer("明达", owner="wang").id
    assert remind_json(reps, "--now", "2026-12-20 09:59")["alerts"] == []
    alerts = remind_json(reps, "--now", "2026-12-20 10:01")["alerts"]
    assert [(a["user"], a["kind"], a["customer"], a["due"]) for a in alerts] == [
        ("wang", "pool_warning", cid, "2026-12-23")]


def test_second_run_sweeps_nothing_and_repeats_no_alert(reps, make_customer, db) -> None:
    make_customer("swept", owner="wang")
    due = make_customer("due", owner="chen").id
    log_followup(db, due, FIXED_NOW + timedelta(days=29), next_on=date(2026, 12, 23), username="chen")
    first = remind(reps, "--now", AFTER_IDLE)
    assert "Returned to the pool (1)" in first.stdout and "follow-up due today" in first.stdout
    second = remind(reps, "--now", "2026-12-23 10:31")
    assert second.exit_code == 0 and second.stdout == ""


def test_alert_is_delivered_once_per_item_and_day_and_all_shows_it_again(reps, make_customer, db) -> None:
    cid = make_customer("明达", owner="wang").id
    log_followup(db, cid, FIXED_NOW, next_on=date(2026, 11, 25))
    assert [a["kind"] for a in remind_json(reps, "--now", "2026-11-25 08:00")["alerts"]] == ["followup"]
    assert remind_json(reps, "--now", "2026-11-25 08:30")["alerts"] == []
    assert remind_json(reps, "--now", "2026-11-26 08:00")["alerts"] == []  # not yesterday's again
    shown = remind_json(reps, "--now", "2026-11-26 08:00", "--all")["alerts"]
    assert [(a["kind"], a["due"]) for a in shown] == [("followup", "2026-11-25")]
    log_followup(db, cid, FIXED_NOW + timedelta(days=3), next_on=date(2026, 11, 30))  # a new due day: alerted
    assert [a["due"] for a in remind_json(reps, "--now", "2026-11-30 08:00")["alerts"]] == ["2026-11-30"]


def test_dry_run_changes_nothing_and_marks_nothing(reps, make_customer, db) -> None:
    cid = make_customer("明达", owner="wang").id
    other = make_customer("华信", owner="chen").id
    log_followup(db, other, FIXED_NOW + timedelta(days=20), next_on=date(2026, 12, 23), username="chen")
    dry = remind_json(reps, "--now", AFTER_IDLE, "--dry-run")
    assert [s["customer"] for s in dry["swept"]] == [cid] and len(dry["alerts"]) == 1
    assert owner(db, cid) is not None
    real = remind_json(reps, "--now", AFTER_IDLE)
    assert real == dry


def test_no_sweep_only_alerts(reps, make_customer, db) -> None:
    cid = make_customer("明达", owner="wang").id
    out = remind_json(reps, "--now", AFTER_IDLE, "--no-sweep")
    assert out["swept"] == [] and owner(db, cid) is not None


def test_json_has_the_documented_shape(reps, make_customer, db) -> None:
    cid = make_customer("明达", owner="wang").id
    log_followup(db, cid, FIXED_NOW, next_on=date(2026, 11, 23))
    out = remind_json(reps)
    assert set(out) == {"swept", "alerts"}
    assert out["alerts"][0] | {"text": None} == {"user": "wang", "kind": "followup", "customer": cid,
                                                  "due": "2026-11-23", "name": "明达", "text": None,
                                                  "item": f"customer:{cid}"}


def test_user_option_and_reps_see_only_their_own_alerts(reps, make_customer, db) -> None:
    for name, who in (("a", "wang"), ("b", "chen")):
        cid = make_customer(name, owner=who).id
        log_followup(db, cid, FIXED_NOW, next_on=date(2026, 11, 23), username=who)
    assert {a["user"] for a in remind_json(reps, "--user", "chen", "--dry-run")["alerts"]} == {"chen"}
    assert {a["user"] for a in remind_json(reps, "--dry-run", user="wang")["alerts"]} == {"wang"}
    assert {a["user"] for a in remind_json(reps, "--dry-run", user="li.na")["alerts"]} == {"wang", "chen"}
    assert remind(reps, "--user", "chen", user="wang").exit_code == 4


def test_birthdays_within_days_are_alerted_to_the_owner(reps, make_customer, db) -> None:
    cid = make_customer("明达", owner="wang").id
    reps("contact", "add", str(cid), "王强", "--birthday", "1985-11-27", user="wang")
    reps("contact", "add", str(cid), "李梅", "--birthday", "1990-12-15", user="wang")
    alerts = remind_json(reps, "--days", "7", "--dry-run")["alerts"]
    assert [(a["kind"], a["due"], a["user"]) for a in alerts] == [("birthday", "2026-11-27", "wang")]
    assert "王强 turns 41" in alerts[0]["text"]
    assert remind_json(reps, "--days", "2", "--dry-run")["alerts"] == []


def _import_alert_modules() -> None:
    """Import the modules that register alert providers, as `crm remind` does on its first run."""
    import importlib

    from crm_cli import remind as remind_mod

    for module in remind_mod.ALERT_MODULES:
        importlib.import_module(module)


def test_a_registered_provider_plugs_in_new_alert_kinds(reps, make_customer, monkeypatch) -> None:
    from crm_cli import remind as remind_mod

    cid = make_customer("明达", owner="wang").id

    def payments(session, clock, days, user_ids):
        from crm_cli.users import get_user

        wang = get_user(session, "wang")
        return [remind_mod.Alert(wang.id, "payment", cid, "明达", clock.today + timedelta(days=2),
                                 "payment of ¥5,000 due", "plan:1:1")]

    _import_alert_modules()  # else a module first imported below registers into the copy, and is lost after
    monkeypatch.setattr(remind_mod, "ALERT_PROVIDERS", list(remind_mod.ALERT_PROVIDERS))
    remind_mod.register_alert_provider(payments)
    out = remind(reps)
    assert "payment of ¥5,000 due" in out.stdout
    assert remind(reps).stdout == ""  # delivered once


def test_followup_committed_before_the_run_protects_the_customer(reps, make_customer, db) -> None:
    from crm_cli import remind as remind_mod
    from crm_cli.users import get_user

    cid = make_customer("明达", owner="wang").id
    later = Clock(FIXED_NOW + timedelta(days=30, minutes=1), TZ)
    with db.read() as session:  # a dashboard shows the customer as about to be swept ...
        assert [s.customer_id for s in remind_mod.sweep(session, clock=later, dry_run=True)] == [cid]
    log_followup(db, cid, later.now - timedelta(minutes=1))  # ... and the rep logs a call a moment before cron
    with db.write() as session:
        assert remind_mod.run(session, actor=get_user(session, "boss"), clock=later).swept == []
    assert owner(db, cid) is not None


def test_busy_database_exits_5_with_a_clear_message(reps, make_customer, db_path) -> None:
    make_customer("明达", owner="wang")
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        result = remind(reps, "--wait", "0.2")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 5 and "busy" in result.stderr


def test_two_processes_started_at_once_sweep_each_customer_once(reps, make_customer, db) -> None:
    ids = [make_customer(f"客户{i}", owner="wang" if i % 2 else "chen").id for i in range(20)]
    db.dispose()
    cmd = [sys.executable, "-m", "crm_cli", "remind", "--json", "--now", AFTER_IDLE]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))
             for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1] for o in outs]
    swept = [s["customer"] for out, _err in outs for s in json.loads(out)["swept"]]
    assert sorted(swept) == ids
    from sqlmodel import func, select

    from crm_cli.db.models import OwnershipEvent

    with db.read() as session:
        count = session.exec(select(func.count()).select_from(OwnershipEvent).where(OwnershipEvent.kind == "sweep")).one()
    assert count == 20


def test_mail_sends_each_user_their_own_alerts_over_smtp(reps, make_customer, db) -> None:
    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
            received.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
            return "250 OK"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        reps("user", "edit", "wang", "--email", "wang@example.com")
        reps("config", "set", "mail.host", "127.0.0.1")
        reps("config", "set", "mail.port", str(port))
        reps("config", "set", "mail.from", "crm@example.com")
        for name, who in (("明达", "wang"), ("华信", "chen")):
            cid = make_customer(name, owner=who).id
            log_followup(db, cid, FIXED_NOW, next_on=date(2026, 11, 23), username=who)
        result = remind(reps, "--mail")
    finally:
        controller.stop()
    assert result.exit_code == 0, result.stderr
    assert [r[0] for r in received] == [["wang@example.com"]]
    assert "明达" in received[0][1] and "华信" not in received[0][1]
    assert "华信" in result.stdout and "明达" not in result.stdout  # chen has no address: printed for cron


def test_mail_server_down_prints_the_alerts_and_exits_non_zero(reps, make_customer, db) -> None:
    free = free_port()
    reps("user", "edit", "wang", "--email", "wang@example.com")
    reps("config", "set", "mail.host", "127.0.0.1")
    reps("config", "set", "mail.port", str(free))
    cid = make_customer("明达", owner="wang").id
    log_followup(db, cid, FIXED_NOW, next_on=date(2026, 11, 23))
    result = remind(reps, "--mail")
    assert result.exit_code == 1 and "cannot send mail" in result.stderr
    assert "明达" in result.stdout


def test_sweep_ends_shares_of_the_swept_customer(reps, make_customer, db) -> None:
    from crm_cli.db.models import CustomerShare

    cid = make_customer("明达", owner="wang").id
    reps("customer", "share", str(cid), "--with", "chen", user="wang")
    remind(reps, "--now", AFTER_IDLE)
    with db.read() as session:
        assert session.get(CustomerShare, (cid, _id(db, "chen"))) is None


def _id(db, name):
    from crm_cli.users import get_user

    with db.read() as session:
        return get_user(session, name).id


def test_alert_modules_are_imported_so_their_providers_run(reps, make_customer, tmp_path, monkeypatch) -> None:
    from crm_cli import remind as remind_mod

    cid = make_customer("明达", owner="wang").id
    (tmp_path / "crm_contracts_plugin.py").write_text(
        "from datetime import timedelta\n"
        "from crm_cli.remind import Alert, register_alert_provider\n"
        "@register_alert_provider\n"
        "def contracts(session, clock, days, user_ids):\n"
        "    from crm_cli.users import get_user\n"
        f"    return [Alert(get_user(session, 'wang').id, 'contract', {cid}, '明达', clock.today + timedelta(days=5),\n"
        "                  'contract expires', 'contract:9')]\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    _import_alert_modules()  # else a module first imported below registers into the copy, and is lost after
    monkeypatch.setattr(remind_mod, "ALERT_PROVIDERS", list(remind_mod.ALERT_PROVIDERS))
    monkeypatch.setattr(remind_mod, "ALERT_MODULES", ["crm_contracts_plugin"])
    monkeypatch.delitem(sys.modules, "crm_contracts_plugin", raising=False)
    alerts = remind_json(reps)["alerts"]
    assert [(a["kind"], a["text"]) for a in alerts] == [("contract", "contract expires")]


def test_a_29_february_birthday_is_alerted_on_the_28th_in_a_common_year(reps, make_customer) -> None:
    cid = make_customer("明达", owner="wang").id
    reps("contact", "add", str(cid), "王强", "--birthday", "1988-02-29", user="wang")
    alerts = remind_json(reps, "--now", "2027-02-27 09:00", "--days", "2", "--no-sweep")["alerts"]
    assert [(a["kind"], a["due"]) for a in alerts if a["kind"] == "birthday"] == [("birthday", "2027-02-28")]


def test_delivered_alerts_are_left_out_by_the_providers_own_sql(reps, make_customer, db) -> None:
    from crm_cli import remind as remind_mod

    cid = make_customer("明达", owner="wang").id
    reps("contact", "add", str(cid), "王强", "--birthday", "1985-11-25", user="wang")
    log_followup(db, cid, FIXED_NOW, next_on=date(2026, 11, 23))
    clock = Clock(FIXED_NOW, TZ)
    providers = (remind_mod.birthday_alerts, remind_mod.followup_alerts)
    with db.read() as session:
        assert [len(p(session, clock, 7, None, fresh_only=True)) for p in providers] == [1, 1]
    assert remind(reps).stdout  # delivers both
    with db.read() as session:
        assert [len(p(session, clock, 7, None, fresh_only=True)) for p in providers] == [0, 0]
        assert [len(p(session, clock, 7, None)) for p in providers] == [1, 1]


def test_remind_includes_payment_alerts_from_the_sales_module_once(reps, db, clock, make_customer) -> None:
    from crm_cli import products
    from crm_cli.users import get_user
    from tests.test_contracts import _planned

    made = make_customer("明达电子", owner="wang", level="intent")
    with db.write() as session:
        boss = get_user(session, "boss")
        products.add_product(session, user=boss, clock=clock, data={"code": "P-100", "name": "CRM", "price": "1000"})
        products.add_product(session, user=boss, clock=clock, data={"code": "P-200", "name": "实施", "price": "5000"})
    _planned(db, clock, made)
    kinds = [(a["user"], a["kind"]) for a in remind_json(reps, "--no-sweep")["alerts"]]
    assert ("wang", "payment_overdue") in kinds and ("wang", "payment_due") in kinds
    assert remind(reps, "--no-sweep").stdout == ""


def test_a_payment_alerted_as_due_is_not_alerted_again_when_it_becomes_overdue(reps, db, clock, make_customer) -> None:
    from crm_cli import products
    from crm_cli.users import get_user
    from tests.test_contracts import _planned

    made = make_customer("明达电子", owner="wang", level="intent")
    with db.write() as session:
        boss = get_user(session, "boss")
        products.add_product(session, user=boss, clock=clock, data={"code": "P-100", "name": "CRM", "price": "1000"})
        products.add_product(session, user=boss, clock=clock, data={"code": "P-200", "name": "实施", "price": "5000"})
    _planned(db, clock, made)
    first = [(a["kind"], a["due"]) for a in remind_json(reps, "--no-sweep")["alerts"] if a["kind"].startswith("pay")]
    due = (clock.today + timedelta(days=5)).isoformat()
    assert ("payment_due", due) in first
    later = (clock.now + timedelta(days=6)).astimezone(clock.tz).strftime("%Y-%m-%d %H:%M")
    everything = remind_json(reps, "--no-sweep", "--all", "--dry-run", "--now", later)["alerts"]
    assert ("payment_overdue", due) in [(a["kind"], a["due"]) for a in everything]
    again = remind_json(reps, "--no-sweep", "--now", later)["alerts"]
    assert [a for a in again if a["kind"].startswith("pay")] == []


def test_pool_warnings_with_a_limit_are_the_ones_due_first(reps, make_customer, db) -> None:
    """The dashboard's Home asks for the first 15 of possibly thousands: the order comes from SQL and must be the
    order of the deadlines the full list computes (idle and not-won rules, never followed up, won exempt)."""
    from datetime import UTC, datetime

    from sqlalchemy import update

    from crm_cli.db.models import Customer, CustomerOwner
    from crm_cli.remind import pool_warning_alerts

    def at(day: int) -> datetime:
        return datetime(2026, 10, day, 2, 0, tzinfo=UTC)

    setups = [  # (owned_since, last follow-up, level)
        (at(1), at(20), "intent"), (at(2), None, "potential"), (at(3), at(25), "key"), (at(4), at(5), "won"),
        (at(6), at(15), "intent"), (at(7), at(28), "potential"), (at(8), at(9), "potential"),
    ]
    ids = [make_customer(f"客户{n}号", owner="wang").id for n in range(len(setups))]
    with db.write() as s:
        for cid, (since, last, level) in zip(ids, setups, strict=True):
            s.execute(update(Customer).where(Customer.id == cid).values(level=level))
            s.execute(update(CustomerOwner).where(CustomerOwner.customer_id == cid)
                      .values(owned_since=since, last_followup_at=last))
    clock = Clock(datetime(2026, 11, 20, 2, 0, tzinfo=UTC), TZ)
    with db.read() as s:
        full = sorted(pool_warning_alerts(s, clock, 0, None), key=lambda a: (a.due, a.customer_id))
        first = sorted(pool_warning_alerts(s, clock, 0, None, limit=3), key=lambda a: (a.due, a.customer_id))
    assert len(full) == 4 and len({a.due for a in full}) == 4  # distinct deadlines: the order is unambiguous
    assert [a.customer_id for a in first] == [a.customer_id for a in full[:3]]


def test_the_sweep_gives_each_rule_its_full_reason(reps, make_customer, db) -> None:
    from crm_cli.settings import set_setting

    with db.write() as session:
        set_setting(session, "pool.idle_days", 30)
        set_setting(session, "pool.unwon_days", 40)
    never = make_customer("从未跟进公司", owner="wang", level="intent")
    called = make_customer("跟进过公司", owner="wang", level="intent")
    won = make_customer("已成交公司", owner="wang", level="won")
    log_followup(db, called.id, FIXED_NOW + timedelta(days=1))
    with db.write() as session:
        set_setting(session, "pool.idle_days", 60)
    swept = {s["customer"]: s["reason"] for s in remind_json(reps, "--now", "2027-01-10 09:00")["swept"]}
    assert swept == {never.id: "not won within 40 days of assignment (owned since 2026-11-23)",
                     called.id: "not won within 40 days of assignment (owned since 2026-11-23)"}
    assert won.id not in swept
    with db.write() as session:
        set_setting(session, "pool.unwon_days", 0)
    again = [make_customer("又一家公司", owner="chen", level="intent"), make_customer("再一家公司", owner="chen")]
    log_followup(db, again[0].id, FIXED_NOW + timedelta(days=2), username="chen")
    swept = {s["customer"]: s["reason"] for s in remind_json(reps, "--now", "2027-02-01 09:00")["swept"]}
    assert swept == {again[0].id: "no follow-up for 60 days (last follow-up 2026-11-25)",
                     again[1].id: "no follow-up for 60 days (never followed up)"}


def test_swept_customers_are_listed_by_previous_owner_then_id(reps, make_customer, db) -> None:
    from crm_cli.users import get_user

    made = [make_customer(f"公司{i}", owner=("chen", "wang")[i % 2]) for i in range(6)]
    with db.read() as session:
        rank = {"wang": get_user(session, "wang").id, "chen": get_user(session, "chen").id}
    swept = remind_json(reps, "--now", AFTER_IDLE)["swept"]
    expected = sorted(((rank[u], c.id) for c, u in zip(made, ["chen", "wang"] * 3, strict=True)))
    assert [(rank[s["from"]], s["customer"]) for s in swept] == expected
    assert len({s["from"] for s in swept}) == 2


def test_remind_turns_the_garbage_collector_back_on(reps, make_customer) -> None:
    import gc

    make_customer("明达", owner="wang")
    assert gc.isenabled()
    remind_json(reps, "--now", "+40d")
    assert gc.isenabled()
    assert remind(reps, "--user", "nobody-such").exit_code != 0  # also after an error
    assert gc.isenabled()


def test_a_first_run_with_more_alerts_than_sqlite_has_variables(reps, db) -> None:
    """A first `crm remind --no-sweep` on a big file can warn about hundreds of thousands of customers (585k on
    bench's 1M): their names are read in chunks within SQLite's limit of bound parameters (250,000 in this build;
    lowered here on the connection, so that a few thousand customers exceed it)."""
    import sqlite3
    from datetime import UTC, datetime

    from sqlalchemy import insert, select

    from crm_cli.db.models import Customer, CustomerOwner, User
    from crm_cli.remind import pool_warning_alerts

    n = 2_500
    since = datetime(2026, 10, 1, tzinfo=UTC)  # idle for 30 days on 2026-10-31: within the 3 warning days below
    with db.write() as s:
        wang = s.execute(select(User.id).where(User.username == "wang")).scalar_one()
        first = (s.execute(select(Customer.id).order_by(Customer.id.desc())).scalar() or 0) + 1
        s.execute(insert(Customer.__table__), [{"id": first + i, "name": f"客户{i}", "level": "potential", "stars": 0,
                                                  "is_target": False, "search_text": ""} for i in range(n)])
        s.execute(insert(CustomerOwner.__table__), [{"customer_id": first + i, "owner_id": wang, "owned_since": since}
                                                      for i in range(n)])
    clock = Clock(datetime(2026, 10, 29, 2, 0, tzinfo=UTC), TZ)
    with db.read() as s:
        s.connection().connection.driver_connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
        alerts = pool_warning_alerts(s, clock, 0, None)
    assert len(alerts) == n
    assert {a.customer_name for a in alerts} == {f"客户{i}" for i in range(n)}
