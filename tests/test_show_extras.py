"""`crm customer show`'s sales sections: a customer without sales is answered without the sales tables."""

from __future__ import annotations

from crm_cli import customers
from crm_cli.users import get_user


def test_no_sales_is_what_sales_views_says_for_a_customer_without_sales(db, make_customer, clock) -> None:
    from crm_cli.sales_views import customer_sales

    c = make_customer("明达")
    with db.read() as session:
        boss = get_user(session, "boss")
        customer = customers.resolve_customer(session, str(c.id), user=boss)
        assert customers.show_extras(session, customer, user=boss, clock=clock) == customer_sales(
            session, customer, boss, clock) == customers.NO_SALES


def test_a_customer_with_a_deal_or_a_contract_gets_the_full_sections(db, make_customer, clock) -> None:
    from crm_cli import contracts, deals
    from crm_cli.sales_views import customer_sales

    with_deal, with_contract = make_customer("有商机"), make_customer("有合同")
    with db.write() as session:
        boss = get_user(session, "boss")
        deals.add_deal(session, user=boss, clock=clock, title="ERP",
                       customer=customers.resolve_customer(session, str(with_deal.id), user=boss))
        contracts.add_contract(session, user=boss, clock=clock, number="HT-1",
                               customer=customers.resolve_customer(session, str(with_contract.id), user=boss))
    with db.read() as session:
        boss = get_user(session, "boss")
        for c, key in ((with_deal, "deals"), (with_contract, "contracts")):
            customer = customers.resolve_customer(session, str(c.id), user=boss)
            extras = customers.show_extras(session, customer, user=boss, clock=clock)
            assert extras == customer_sales(session, customer, boss, clock)
            assert len(extras[key]) == 1


def test_the_core_sections_equal_the_orm_ones_on_tricky_sales(db, make_customer, clock) -> None:
    """crm_cli.sales_show (Core, what `customer show` uses) gives exactly crm_cli.sales_views' (ORM) result: ties in
    the order, undated contracts, several currencies, draft/terminated contracts left out of the balance,
    overdue and partly paid installments, overpayment, contracts with no plan or no payment."""
    from datetime import UTC, date, datetime, timedelta

    from crm_cli import sales_show
    from crm_cli.db.models import Contract, Deal, Installment, Payment
    from crm_cli.sales_views import customer_sales

    c, other = make_customer("复杂销售"), make_customer("别的客户")
    today = clock.today
    at = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    with db.write() as session:
        session.add_all([
            Deal(customer_id=c.id, title="A", amount_cents=12345, created_at=at, expected_close_on=date(2026, 5, 1)),
            Deal(customer_id=c.id, title="B (same instant)", amount_cents=0, created_at=at, stage="lost",
                 lost_reason="价格", probability=0),
            Deal(customer_id=c.id, title="C", amount_cents=99, currency="USD", created_at=None),
            Deal(customer_id=other.id, title="not theirs", created_at=at),
        ])  # fmt: skip
        specs = [("HT-1", date(2026, 1, 5), "CNY", 100000, "active"), ("HT-2", None, "USD", 5000, "active"),
                 ("HT-3", date(2026, 1, 5), "CNY", 700, "draft"), ("HT-4", date(2025, 12, 1), "CNY", 300, "terminated"),
                 ("HT-5", date(2026, 2, 1), "USD", 10, "finished"), ("HT-6", date(2026, 2, 2), "CNY", 0, "active")]
        made = {}
        for number, signed, cur, total, status in specs:
            made[number] = Contract(number=number, customer_id=c.id, signed_on=signed, currency=cur, total_cents=total,
                                    status=status, end_on=signed and signed + timedelta(days=365))
            session.add(made[number])
        session.add(Contract(number="HT-X", customer_id=other.id, total_cents=1, status="active"))
        session.flush()
        plan = [("HT-1", today - timedelta(days=30), 40000, 40000), ("HT-1", today - timedelta(days=1), 30000, 5000),
                ("HT-1", today, 30000, 0), ("HT-2", today - timedelta(days=3), 5000, 0),
                ("HT-4", today - timedelta(days=9), 300, 100), ("HT-5", today + timedelta(days=9), 10, 0)]
        for number, due, amount, paid in plan:
            session.add(Installment(contract_id=made[number].id, due_on=due, amount_cents=amount, paid_cents=paid))
        for number, amount in (("HT-1", 40000), ("HT-1", 5000), ("HT-4", 100), ("HT-5", 25), ("HT-6", 7)):
            session.add(Payment(contract_id=made[number].id, received_on=today, amount_cents=amount))
    with db.read() as session:
        boss = get_user(session, "boss")
        customer = customers.resolve_customer(session, str(c.id), user=boss)
        lean = sales_show.customer_sales(session, customer, boss, clock)
        assert lean == customer_sales(session, customer, boss, clock)
        assert customers.show_extras(session, customer, user=boss, clock=clock) == lean
        assert [d["title"] for d in lean["deals"]] == ["B (same instant)", "A", "C"]
        assert len(lean["contracts"]) == 6 and {b["currency"] for b in lean["balance"]} == {"CNY", "USD"}
