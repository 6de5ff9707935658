"""Reads of a customer's owner outside the customer pages (payments due, contract alerts, batch dedupe, reports,
export) come from ``customer_owners``: after the owner changes they follow the new owner at once."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from crm_cli import contracts, payments, products
from crm_cli.db.models import Customer
from crm_cli.users import get_user


def _move(db: Any, customer_id: int, to: str | None) -> None:
    """Give the customer to ``to`` (None: the pool) through the loaded customer's owner row."""
    with db.write() as session:
        customer = session.get(Customer, customer_id)
        customer.owner_id = get_user(session, to).id if to else None


def get_user_id(db: Any, name: str) -> int:
    with db.read() as session:
        return int(get_user(session, name).id)


def _contract_with_plan(db: Any, clock: Any, customer: Any) -> Any:
    with db.write() as session:
        boss = get_user(session, "boss")
        products.add_product(session, user=boss, clock=clock, data={"code": "P-1", "name": "CRM", "price": "1000"})
        contract = contracts.add_contract(session, user=get_user(session, "li"), clock=clock, number="HT-1",
                                          customer=customer, lines=["P-1:2"],
                                          signed_on=clock.today - timedelta(days=30))
        payments.set_plan(session, user=boss, clock=clock, contract=contract,
                          items=[(clock.today - timedelta(days=3), 200000)])
    return contract


def test_payments_due_reach_the_customers_new_owner(db, clock, make_user, make_customer) -> None:
    make_user("li", role="rep")
    make_user("wang", role="rep")
    make_user("zhao", role="rep")
    customer = make_customer("明达电子", owner="li")
    _contract_with_plan(db, clock, customer)  # the contract stays li's
    _move(db, customer.id, "wang")
    with db.read() as session:
        due = {name: payments.payments_due(session, user=get_user(session, name), clock=clock, days=7)
               for name in ("li", "wang", "zhao")}
        [item] = payments.list_installments(session, user=None, clock=clock, overdue=True)
    # li still owns the contract but no longer sees the customer: only wang is reminded.
    assert [len(due[n]) for n in ("li", "wang", "zhao")] == [0, 1, 0]
    assert (item.customer_owner_id, item.contract_owner_id) == (get_user_id(db, "wang"), get_user_id(db, "li"))


def test_contract_ending_alert_goes_to_the_customers_current_owner(db, clock, make_user, make_customer) -> None:
    from crm_cli.sales_alerts import contract_alerts

    make_user("li", role="rep")
    make_user("wang", role="rep")
    customer = make_customer("明达电子", owner="li")
    with db.write() as session:
        boss = get_user(session, "boss")
        products.add_product(session, user=boss, clock=clock, data={"code": "P-1", "name": "CRM", "price": "1000"})
        contracts.add_contract(session, user=boss, clock=clock, number="HT-1", customer=customer, lines=["P-1:1"],
                               signed_on=clock.today - timedelta(days=300), end_on=clock.today + timedelta(days=5))
    _move(db, customer.id, "wang")
    with db.read() as session:
        [alert] = contract_alerts(session, clock, 30, None)
    assert alert.user_id == get_user_id(db, "wang")


def test_batch_dedupe_owner_filter_reads_the_current_owners(cli, db, make_user, make_customer) -> None:
    make_user("li", role="rep")
    make_user("wang", role="rep")
    li_a = make_customer("ACME Widgets, Inc.", owner="li")
    li_b = make_customer("Acme Widgets Ltd", owner="li")
    pool_a = make_customer("深圳市明达电子科技有限公司", owner="pool")
    pool_b = make_customer("深圳市明达电于科技有限公司", owner="pool")
    _move(db, pool_a.id, "wang")

    def clusters(*owner: str) -> list[list[int]]:
        result = cli("dedupe", "--json", *[a for o in owner for a in ("--owner", o)])
        assert result.exit_code == 0, result.stderr
        return [c["customers"] for c in json.loads(result.stdout)["clusters"]]

    assert clusters("li") == [[li_a.id, li_b.id]]
    assert clusters("wang") == [[pool_a.id, pool_b.id]]
    assert clusters("pool") == [[pool_a.id, pool_b.id]]
    _move(db, pool_b.id, "wang")
    assert clusters("pool") == []
    assert sorted(clusters("li", "wang")) == sorted([[li_a.id, li_b.id], [pool_a.id, pool_b.id]])


def test_customers_report_by_owner_follows_a_change_of_owner(db, clock, make_user, make_customer) -> None:
    from crm_cli.reports import ReportOptions, run_report

    make_user("li", role="rep")
    make_user("wang", role="rep")
    first = make_customer("一号公司", owner="li")
    make_customer("二号公司", owner="li")
    make_customer("三号公司", owner="pool")
    _move(db, first.id, "wang")
    with db.read() as session:
        report = run_report("customers", session=session, user=get_user(session, "boss"), clock=clock,
                            options=ReportOptions(by="owner"))
    assert {r["key"]: r["customers"] for r in report.rows} == {"li": 1, "wang": 1, None: 1}


def test_export_names_the_current_owner_and_the_pool(cli, db, make_user, make_customer, tmp_path) -> None:
    import csv

    make_user("li", role="rep")
    make_user("wang", role="rep")
    moved = make_customer("一号公司", owner="li")
    make_customer("二号公司", owner="pool")
    _move(db, moved.id, "wang")
    out = tmp_path / "out.csv"
    assert cli("export", "customers", str(out), "--lang", "en").exit_code == 0
    with out.open(encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    owner_col = rows[0].index(next(h for h in rows[0] if h.lower() == "owner"))
    assert {r[2]: r[owner_col] for r in rows[1:]} == {"一号公司": "wang", "二号公司": "pool"}


def test_deal_contract_and_payment_lists_follow_the_customer_to_its_new_owner(db, clock, make_user,
                                                                             make_customer) -> None:
    from crm_cli import deals

    make_user("li", role="rep")
    make_user("wang", role="rep")
    moved = make_customer("一号公司", owner="li")
    kept = make_customer("二号公司", owner="li")
    _contract_with_plan(db, clock, moved)
    with db.write() as session:
        boss = get_user(session, "boss")
        for c in (moved, kept):
            deals.add_deal(session, user=boss, clock=clock, customer=c, title=f"deal {c.id}", amount="100")
        payments.add_payment(session, user=boss, clock=clock, contract=contracts.get_contract(session, "HT-1", user=boss),
                             amount="500")
    _move(db, moved.id, "wang")

    def seen(name: str) -> dict[str, list[int]]:
        with db.read() as session:
            user = get_user(session, name)
            return {
                "deals": sorted(c.id for _d, c in deals.list_deals(session, deals.DealQuery(), user=user, clock=clock)),
                "contracts": [c.id for _k, c in contracts.list_contracts(session, contracts.ContractQuery(), user=user,
                                                                         clock=clock)],
                "payments": [c.id for _p, _k, c in payments.list_payments(session, user=user)],
                "installments": [i.customer_id for i in payments.list_installments(session, user=user, clock=clock)],
            }

    assert seen("li") == {"deals": [kept.id], "contracts": [], "payments": [], "installments": []}
    assert seen("wang") == {"deals": [moved.id], "contracts": [moved.id], "payments": [moved.id],
                            "installments": [moved.id]}


def test_every_customer_keeps_exactly_one_owner_row_through_the_writes(tmp_path, cli, db, make_customer) -> None:
    """customer_owners has one row per customer, whatever wrote the customer: add, import, merge, claim, release,
    the undo of a merge and of an import (a customer without its row would be in no owner's list and not in the
    pool either)."""
    from sqlalchemy import text

    from tests.test_import import HEAD, xlsx

    def check() -> int:
        with db.read() as s:
            missing = s.execute(text("SELECT count(*) FROM customers c WHERE NOT EXISTS "
                                     "(SELECT 1 FROM customer_owners o WHERE o.customer_id = c.id)")).scalar_one()
            orphans = s.execute(text("SELECT count(*) FROM customer_owners o WHERE NOT EXISTS "
                                     "(SELECT 1 FROM customers c WHERE c.id = o.customer_id)")).scalar_one()
            assert (missing, orphans) == (0, 0)
            return int(s.execute(text("SELECT count(*) FROM customer_owners")).scalar_one())

    keep = make_customer("明达电子", code="C1")
    other = make_customer("明达电子科技", code="C2")
    assert cli("customer", "add", "华信贸易", "--force").exit_code == 0
    assert check() == 3
    path = xlsx(tmp_path / "a.xlsx", [HEAD, ["远航物流", "C7", 13812345670, "李雷", None, None, None],
                                      ["青松食品", "C8", 13912345671, "韩梅", None, None, None]])
    res = cli("import", str(path), "--json", "--pool")
    assert res.exit_code == 0, res.output
    batch = json.loads(res.stdout)["batch"]
    assert check() == 5
    merged = cli("merge", str(keep.id), str(other.id), "--yes", "--json")
    assert merged.exit_code == 0, merged.output
    assert check() == 5  # the merged-away customer is soft-deleted: it keeps its row
    assert cli("pool", "claim", "C7").exit_code == 0
    assert cli("pool", "release", "C7", "--reason", "test").exit_code == 0
    assert cli("merge", "undo", str(json.loads(merged.stdout)["merge_id"])).exit_code == 0
    assert check() == 5
    assert cli("import", "undo", str(batch)).exit_code == 0
    assert check() == 3
