import json
from datetime import date, timedelta

import pytest

from crm_cli import contracts, payments, products
from crm_cli.errors import Conflict, InvalidInput, PermissionDenied, Refused


def _boss(session):
    from crm_cli.users import get_user

    return get_user(session, "boss")


@pytest.fixture
def customer(db, clock, make_customer):
    made = make_customer("明达电子", level="intent")
    with db.write() as session:
        boss = _boss(session)
        products.add_product(session, user=boss, clock=clock, data={"code": "P-100", "name": "CRM", "price": "1000"})
        products.add_product(session, user=boss, clock=clock, data={"code": "P-200", "name": "实施", "price": "5000"})
    return made


def _contract(db, clock, customer, number="HT-1", **kw):
    kw.setdefault("lines", ["P-100:3", "P-200:1:4000"])
    with db.write() as session:
        return contracts.add_contract(session, user=_boss(session), clock=clock, number=number, customer=customer,
                                      **kw)


def test_total_is_the_sum_of_the_computed_lines(db, clock, customer) -> None:
    contract = _contract(db, clock, customer, lines=["P-100:2.5:1000:10%", "P-200:1"])
    assert contract.total_cents == 225000 + 500000
    with db.read() as session:
        amounts = [line.amount_cents for line in contracts.contract_lines(session, contract)]
    assert amounts == [225000, 500000]


def test_contract_number_is_unique(db, clock, customer) -> None:
    _contract(db, clock, customer)
    with pytest.raises(Conflict, match="HT-1"):
        _contract(db, clock, customer)


def test_signing_makes_the_customer_won_with_the_date(db, clock, customer) -> None:
    signed = clock.today - timedelta(days=3)
    _contract(db, clock, customer, signed_on=signed)
    with db.read() as session:
        from crm_cli.audit import history
        from crm_cli.db.models import Customer

        fresh = session.get(Customer, customer.id)
        assert (fresh.level, fresh.won_on) == ("won", signed)
        assert any(e.action == "won" for e in history(session, customer.id))


def test_a_draft_does_not_win_until_it_is_signed(db, clock, customer) -> None:
    contract = _contract(db, clock, customer)
    assert contract.status == "draft"
    with db.write() as session:
        from crm_cli.db.models import Customer

        assert session.get(Customer, customer.id).level == "intent"
        contracts.edit_contract(session, user=_boss(session), clock=clock, contract=contract,
                                changes={"signed_on": clock.today})
        assert contract.status == "active"
        assert session.get(Customer, customer.id).won_on == clock.today


def test_setting_level_won_by_hand_sets_won_on(db, clock, customer) -> None:
    from crm_cli.customers import edit_customer

    with db.write() as session:
        edit_customer(session, user=_boss(session), clock=clock, customer=customer, changes={"level": "成交"})
    assert customer.won_on == clock.today


def test_signed_date_in_the_future_is_refused(db, clock, customer) -> None:
    with pytest.raises(InvalidInput, match="future"):
        _contract(db, clock, customer, signed_on=clock.today + timedelta(days=1))


def test_supplementary_contract_belongs_to_the_parent_customer(db, clock, customer, make_customer) -> None:
    parent = _contract(db, clock, customer, signed_on=clock.today)
    sub = _contract(db, clock, None, number="HT-1-S1", parent="HT-1", lines=None, amount="500")
    assert (sub.kind, sub.parent_id, sub.customer_id) == ("supplementary", parent.id, customer.id)
    other = make_customer("Other Co")
    with pytest.raises(InvalidInput, match="parent's customer"):
        _contract(db, clock, other, number="HT-1-S2", parent="HT-1", lines=None, amount="1")


def test_a_rep_cannot_contract_for_someone_elses_customer(db, clock, customer, make_user) -> None:
    make_user("wang", role="rep")
    with db.write() as session:
        from crm_cli.users import get_user

        with pytest.raises(PermissionDenied):
            contracts.add_contract(session, user=get_user(session, "wang"), clock=clock, number="X",
                                   customer=customer, amount="1")


def test_plan_must_add_up_and_says_the_difference(db, clock, customer) -> None:
    contract = _contract(db, clock, customer, signed_on=clock.today)
    with db.write() as session, pytest.raises(InvalidInput, match="1,000.00 less"):
        payments.set_plan(session, user=_boss(session), clock=clock, contract=contract,
                          items=[(date(2026, 12, 1), 300000), (date(2027, 1, 1), 300000)])


def test_split_plan_adds_up_exactly_without_month_end_drift() -> None:
    items = payments.split_plan(100000, 3, date(2027, 1, 31), payments.parse_every("1m"))
    assert items == [(date(2027, 1, 31), 33333), (date(2027, 2, 28), 33333), (date(2027, 3, 31), 33334)]


def _planned(db, clock, customer):
    contract = _contract(db, clock, customer, signed_on=clock.today - timedelta(days=60))
    with db.write() as session:
        payments.set_plan(session, user=_boss(session), clock=clock, contract=contract,
                          items=[(clock.today - timedelta(days=30), 300000), (clock.today + timedelta(days=5), 200000),
                                 (clock.today + timedelta(days=40), 200000)])
    return contract


def _pay(db, clock, contract, amount, **kw):
    with db.write() as session:
        return payments.add_payment(session, user=_boss(session), clock=clock, contract=contract, amount=amount, **kw)


def test_unlinked_payment_pays_the_earliest_open_installments(db, clock, customer) -> None:
    contract = _planned(db, clock, customer)
    _pay(db, clock, contract, "4000")
    with db.read() as session:
        assert [i.paid_cents for i in payments.installments(session, contract)] == [300000, 100000, 0]
        bal = payments.balance(session, contract, clock.today)
    assert (bal.received_cents, bal.outstanding_cents, bal.overdue_cents) == (400000, 300000, 0)


def test_partial_payment_leaves_the_rest_overdue(db, clock, customer) -> None:
    contract = _planned(db, clock, customer)
    _pay(db, clock, contract, "1000")
    with db.read() as session:
        bal = payments.balance(session, contract, clock.today)
        overdue = payments.list_installments(session, user=_boss(session), clock=clock, overdue=True)
    assert bal.overdue_cents == 200000 and bal.outstanding_cents == 600000
    assert [(d.seq, d.open_cents) for d in overdue] == [(1, 200000)]


def test_linked_payment_pays_its_installment_first(db, clock, customer) -> None:
    contract = _planned(db, clock, customer)
    _pay(db, clock, contract, "2000", installment_seq=3)
    with db.read() as session:
        assert [i.paid_cents for i in payments.installments(session, contract)] == [0, 0, 200000]
        assert payments.balance(session, contract, clock.today).overdue_cents == 300000


def test_overpayment_is_refused_unless_allowed_then_flagged_as_credit(db, clock, customer) -> None:
    contract = _planned(db, clock, customer)
    _pay(db, clock, contract, "6000")
    with pytest.raises(Refused, match="only 1,000.00 CNY is outstanding"):
        _pay(db, clock, contract, "1500")
    _pay(db, clock, contract, "1500", allow_over=True)
    with db.read() as session:
        bal = payments.balance(session, contract, clock.today)
    assert (bal.outstanding_cents, bal.credit_cents) == (0, 50000)


def test_replanning_keeps_payments_and_reallocates(db, clock, customer) -> None:
    contract = _planned(db, clock, customer)
    _pay(db, clock, contract, "3500", installment_seq=1)
    with db.write() as session:
        payments.set_plan(session, user=_boss(session), clock=clock, contract=contract,
                          items=[(clock.today + timedelta(days=1), 700000)])
        assert [i.paid_cents for i in payments.installments(session, contract)] == [350000]


def test_contract_alerts_and_payments_due_use_the_clock(db, clock, customer) -> None:
    from crm_cli.dates import Clock

    contract = _planned(db, clock, customer)
    with db.read() as session:
        boss = _boss(session)
        due = payments.payments_due(session, user=boss, clock=clock, days=7)
        later = payments.payments_due(session, user=boss, clock=Clock(clock.now + timedelta(days=50), clock.tz),
                                      days=0)
    assert [(d["seq"], d["status"]) for d in due] == [(1, "overdue"), (2, "open")]
    assert [d["seq"] for d in later] == [1, 2, 3] and contract.number == due[0]["contract"]


def test_issue_commands_for_contracts_and_payments(cli) -> None:
    cli("customer", "add", "明达电子")
    cli("product", "add", "P-100", "CRM 软件", "--price", "1000", "--unit", "套")
    result = cli("contract", "add", "HT-2026-001", "--customer", "明达", "--signed", "2026-11-20", "--start",
                 "2026-12-01", "--end", "2027-11-30", "--line", "P-100:3", "--line", "P-100:2:900")
    assert result.exit_code == 0, result.stderr
    assert cli("contract", "add", "HT-2026-001-A", "--customer", "明达", "--signed", "2026-11-22",
               "--line", "P-100:1", "--parent", "HT-2026-001").exit_code == 0
    assert cli("payment", "plan", "HT-2026-001", "--split", "3", "--every", "1m", "--first", "2026-10-01").exit_code == 0
    assert cli("payment", "plan", "HT-2026-001", "--on", "2026-10-01", "2400", "--on", "2026-12-01",
               "2400").exit_code == 0
    assert cli("payment", "add", "HT-2026-001", "1000", "--on", "2026-11-01", "--method", "transfer").exit_code == 0
    shown = json.loads(cli("contract", "show", "HT-2026-001", "--json").stdout)
    assert {k: shown[k] for k in ("total", "received", "outstanding", "overdue")} == {
        "total": "4800.00", "received": "1000.00", "outstanding": "3800.00", "overdue": "1400.00"}
    assert shown["supplements"][0]["number"] == "HT-2026-001-A"
    overdue = json.loads(cli("payment", "list", "--overdue", "--json").stdout)
    assert [(r["contract"], r["open"]) for r in overdue] == [("HT-2026-001", "1400.00")]
    assert json.loads(cli("payment", "list", "--due-within", "8", "--json").stdout)[0]["due_on"] == "2026-12-01"
    assert json.loads(cli("payment", "list", "--due-within", "7", "--json").stdout) == []
    assert json.loads(cli("customer", "show", "明达", "--json").stdout)["level"] == "won"


def test_plan_and_payment_errors_exit_with_the_right_code(cli) -> None:
    cli("customer", "add", "明达电子")
    cli("contract", "add", "HT-1", "--customer", "明达", "--signed", "today", "--amount", "1000")
    result = cli("payment", "plan", "HT-1", "--on", "2026-12-01", "900")
    assert result.exit_code == 1 and "100.00 less" in result.stderr
    assert cli("payment", "plan", "HT-1", "--on", "2026-12-01").exit_code == 2
    assert cli("payment", "add", "HT-1", "1200").exit_code == 4
    assert cli("payment", "add", "NOPE", "1").exit_code == 3
    assert cli("contract", "add", "HT-1", "--customer", "明达", "--amount", "1").exit_code == 4
    assert cli("payment", "add", "HT-1", "12.345").exit_code == 1
    assert json.loads(cli("contract", "show", "HT-1", "--json").stdout)["received"] == "0.00"


def test_reminders_alert_due_and_overdue_installments_and_ending_contracts(db, clock, customer) -> None:
    from crm_cli.dates import Clock
    from crm_cli.sales_alerts import contract_alerts, payment_alerts

    contract = _planned(db, clock, customer)
    with db.write() as session:
        contracts.edit_contract(session, user=_boss(session), clock=clock, contract=contract,
                                changes={"end_on": clock.today + timedelta(days=45)})
    with db.read() as session:
        now = payment_alerts(session, clock, 7, None)
        assert [(a.kind, a.due) for a in now] == [("payment_overdue", clock.today - timedelta(days=30)),
                                                  ("payment_due", clock.today + timedelta(days=5))]
        assert "3,000.00 CNY overdue" in now[0].text and now[0].user_id == customer.owner_id
        assert payment_alerts(session, clock, 7, {999}) == []
        assert contract_alerts(session, clock, 30, None) == []
        later = Clock(clock.now + timedelta(days=20), clock.tz)
        ending = contract_alerts(session, later, 30, None)
        assert [a.item_key for a in ending] == [f"contract:{contract.id}"] and "in 25 days" in ending[0].text


def test_deleting_a_payment_reopens_the_installment(cli) -> None:
    cli("customer", "add", "明达电子")
    cli("contract", "add", "HT-1", "--customer", "明达", "--signed", "today", "--amount", "1000")
    cli("payment", "plan", "HT-1", "--split", "2", "--first", "2026-11-01")
    cli("payment", "add", "HT-1", "500")
    assert json.loads(cli("contract", "show", "HT-1", "--json").stdout)["overdue"] == "0.00"
    assert cli("payment", "delete", "1", "--reason", "typo").exit_code == 0
    shown = json.loads(cli("contract", "show", "HT-1", "--json").stdout)
    assert (shown["received"], shown["overdue"]) == ("0.00", "500.00")
    assert cli("payment", "delete", "1").exit_code == 3


def test_signing_a_contract_for_a_deal_wins_the_deal(cli) -> None:
    cli("customer", "add", "明达电子")
    cli("deal", "add", "明达", "CRM", "--amount", "1000", "--stage", "negotiation")
    assert cli("contract", "add", "HT-1", "--customer", "明达", "--deal", "1", "--signed", "today",
               "--amount", "1000").exit_code == 0
    deal = json.loads(cli("deal", "show", "1", "--json").stdout)
    assert deal["stage"] == "won" and deal["stage_history"][-1]["from"] == "negotiation"


def test_terminated_contracts_leave_the_due_lists(cli) -> None:
    cli("customer", "add", "明达电子")
    cli("contract", "add", "HT-1", "--customer", "明达", "--signed", "2026-10-01", "--amount", "1000")
    cli("payment", "plan", "HT-1", "--on", "2026-10-15", "1000")
    assert len(json.loads(cli("payment", "list", "--overdue", "--json").stdout)) == 1
    assert cli("contract", "edit", "HT-1", "--status", "终止").exit_code == 0
    assert json.loads(cli("payment", "list", "--overdue", "--json").stdout) == []


def test_reps_see_only_the_money_of_customers_they_can_see(cli, make_user) -> None:
    make_user("wang", role="rep")
    make_user("chen", role="rep")
    cli("customer", "add", "深圳明达电子", user="wang")
    cli("customer", "add", "Northwind Logistics", user="chen")
    cli("contract", "add", "HT-W", "--customer", "深圳明达电子", "--signed", "today", "--amount", "100", user="wang")
    assert cli("contract", "add", "HT-X", "--customer", "深圳明达电子", "--amount", "1", user="chen").exit_code == 3
    cli("contract", "add", "HT-C", "--customer", "Northwind Logistics", "--signed", "today", "--amount", "200", user="chen")
    for who, number in (("wang", "HT-W"), ("chen", "HT-C")):
        cli("payment", "plan", number, "--split", "1", "--first", "2026-11-01", user=who)
        assert [r["number"] for r in json.loads(cli("contract", "list", "--json", user=who).stdout)] == [number]
        assert [r["contract"] for r in json.loads(cli("payment", "list", "--overdue", "--json", user=who).stdout)] \
            == [number]
    assert cli("contract", "show", "HT-C", user="wang").exit_code == 3
    assert len(json.loads(cli("payment", "list", "--overdue", "--json").stdout)) == 2  # boss is admin
