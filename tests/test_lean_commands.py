"""`crm customer add` and `crm customer show` work through light Core tables (crm_cli.db.lean): they build no sales,
dedupe or pool-history model and import neither pool.py nor sales_views.py, and write/read the same rows."""

from __future__ import annotations

from pathlib import Path

from test_lazy_models import LAZY, _modules_after_crm

from crm_cli import customers
from crm_cli.users import get_user

HEAVY = {*LAZY, "crm_cli.pool", "crm_cli.sales_views", "crm_cli.payments"}


def test_add_and_show_of_a_customer_with_sales_load_no_heavy_module(db, make_customer, clock, db_path: Path) -> None:
    from crm_cli import deals

    c = make_customer("有商机的客户")
    with db.write() as session:
        boss = get_user(session, "boss")
        deals.add_deal(session, user=boss, clock=clock, title="ERP",
                       customer=customers.resolve_customer(session, str(c.id), user=boss))
    db.dispose()
    assert not _modules_after_crm(["customer", "add", "新加的客户", "--force"], db_path) & HEAVY
    assert not _modules_after_crm(["customer", "add", "另一个新客户"], db_path) & HEAVY
    loaded = _modules_after_crm(["customer", "show", str(c.id)], db_path)
    assert "crm_cli.sales_show" in loaded and not loaded & HEAVY


def test_add_writes_the_ownership_entry_that_the_pool_reads(db, make_customer, make_user, clock) -> None:
    from crm_cli import pool

    make_user("wang", role="rep")
    c = make_customer("归属记录", owner="wang")
    with db.read() as session:
        events = pool.history(session, c.id)
        boss, wang = get_user(session, "boss"), get_user(session, "wang")
        assert [(e.kind, e.from_user_id, e.to_user_id, e.by_user_id, e.reason, e.at) for e in events] == [
            ("add", None, wang.id, boss.id, None, clock.now)]


COLD = {"crm_cli.db.models_contacts", "crm_cli.db.models_admin"}


def test_hot_commands_build_no_contact_audit_setting_or_share_class(db, make_customer, make_user, db_path: Path) -> None:
    make_user("wang.fang", role="rep")
    c = make_customer("冷表测试", owner="wang.fang")
    db.dispose()
    env_user = ["--as", "wang.fang"]
    for args in (["customer", "list"], ["today"], ["customer", "add", "冷表新客户", "--force"],
                 ["customer", "add", "另一家冷表公司", "--phone", "13812345678"],
                 ["customer", "list", "--search", "冷表"]):
        assert not _modules_after_crm([*env_user, *args], db_path) & COLD, args
    loaded = _modules_after_crm([*env_user, "customer", "show", str(c.id)], db_path)
    assert not loaded & COLD  # (--json prints the models' dumps, and builds them)
    agenda = _modules_after_crm([*env_user, "today"], db_path)
    assert not agenda & {"crm_cli.customers", "crm_cli.access"}  # the plain agenda reads its columns only
    # a forced add keeps the keys and tokens (crm_cli.dedupe_keys) without the entry check's scoring
    forced = _modules_after_crm([*env_user, "customer", "add", "又一家冷表公司", "--force"], db_path)
    assert "crm_cli.dedupe_keys" in forced and not forced & {"crm_cli.dedupe", "crm_cli.matching"}


def test_record_now_writes_the_same_audit_row_as_record(db, make_user, clock) -> None:
    from datetime import date

    import sqlalchemy as sa

    from crm_cli import audit

    make_user()
    cases = [
        {"changes": None, "note": None},
        {"changes": {}, "note": "空的"},
        {"changes": {"name": [None, "明达「电子」\u3000"], "next": [date(2026, 12, 5), None], "n": [1, 2.5]}, "note": None},
        {"changes": {"custom": [{"a": [1, None]}, {"b": "é\\\"x"}], "when": [clock.now, None]}, "note": "x'y"},
    ]
    rows = []
    for write in (audit.record, audit.record_now):
        with db.write() as session:
            for i, case in enumerate(cases):
                write(session, at=clock.now, user_id=1, entity="customer", entity_id=i, customer_id=i or None,
                      action="update", **case)
        with db.read() as session:
            got = session.execute(sa.text("SELECT at, user_id, entity, entity_id, customer_id, action, changes, note "
                                          "FROM audit_log ORDER BY id DESC LIMIT :n"), {"n": len(cases)}).all()
            rows.append([tuple(r) for r in reversed(got)])
    assert rows[0] == rows[1]


def test_settings_read_through_the_light_table_equal_the_orm_read(db, make_user, monkeypatch) -> None:
    from crm_cli import dedupe, settings  # noqa: F401  (dedupe registers its settings)

    make_user()
    with db.write() as session:
        settings.set_setting(session, "dedupe.phone_region", "HK")
        settings.set_setting(session, "today.idle_days", 14)
    keys = ["dedupe.phone_region", "today.idle_days", "company.currency", "dedupe.min_score"]
    seen = []
    for unbuilt in (False, True):
        monkeypatch.setattr(settings, "_setting_class_unbuilt", lambda unbuilt=unbuilt: unbuilt)
        with db.read() as session:
            seen.append(([settings.get_setting(session, k) for k in keys], settings.get_settings(session, keys)))
    assert seen[0] == seen[1]
    assert seen[0][0] == ["HK", 14, "CNY", dedupe.DEFAULT_MIN_SCORE]


def test_show_rows_through_the_light_tables_equal_the_model_lists(db, make_customer, make_user, clock) -> None:
    from datetime import date, timedelta

    from crm_cli import contacts, customer_page, followups

    make_user("wang", role="rep")
    make_user("li", role="rep")
    mine = make_customer("看得见的客户", owner="wang")
    pool = make_customer("公海客户", owner="pool")
    with db.write() as session:
        wang, boss = get_user(session, "wang"), get_user(session, "boss")
        for customer in (customers.resolve_customer(session, str(mine.id), user=boss),
                         customers.resolve_customer(session, str(pool.id), user=boss)):
            for name, extra in (("王强", {"birthday": "1980-02-29", "title": "总经理"}), ("李娜", {"is_primary": True}),
                                ("Zoë O'Neil", {"email": "zoe@example.com", "wechat": "zoe_1"})):
                contacts.add_contact(session, user=boss, clock=clock, customer=customer, data={"name": name, **extra})
            for i in range(13):  # more than the page of 10, with ties on the time
                followups.log_followup(session, user=wang if i % 2 and customer.owner_id else boss, clock=clock,
                                       customer=customer,
                                       content=f"第{i}次", at=clock.now - timedelta(hours=i // 3),
                                       next_on=date(2026, 12, 1) if i == 0 else None)
    with db.read() as session:
        for who in ("wang", "li", "boss"):
            user = get_user(session, who)
            for cid in (mine.id, pool.id):
                customer = session.get(customers.Customer, cid)
                assert [customer_page.as_dict(r) for r in customer_page.contact_rows(session, customer)] == \
                    [c.model_dump() for c in contacts.list_contacts(session, customer)]
                light = customer_page.recent_followup_rows(session, user=user, customer=customer, limit=10)
                full = followups.list_followups(session, user=user, customer=customer, limit=10)
                assert [customer_page.as_dict(r) for r in light] == [f.model_dump() for f in full]
                assert len(full) == (0 if (who, cid) == ("li", mine.id) else 10)


def test_usernames_are_the_same_with_and_without_pending_changes(db, make_user) -> None:
    make_user("wang", role="rep")
    make_user("li", role="rep")
    with db.write() as session:
        wang, li = get_user(session, "wang"), get_user(session, "li")
        ids = {wang.id, li.id, None, 999}
        assert customers.usernames(session, ids) == {wang.id: "wang", li.id: "li"}
        assert customers.usernames(session, {None}) == {}
        wang.username = "wang.w"  # pending: answered as the ORM select answers (after its autoflush)
        assert session.dirty and customers.usernames(session, ids) == {wang.id: "wang.w", li.id: "li"}
        assert not session.dirty and customers.usernames(session, ids) == {wang.id: "wang.w", li.id: "li"}
