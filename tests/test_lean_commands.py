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
