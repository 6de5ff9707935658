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
