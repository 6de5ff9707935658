import json

import pytest

from crm_cli import deals, products
from crm_cli.errors import Conflict, InvalidInput, NotFound


@pytest.fixture
def setup(db, clock, make_customer):
    customer = make_customer("明达电子")
    with db.write() as session:
        from crm_cli.users import get_user

        boss = get_user(session, "boss")
        products.add_product(session, user=boss, clock=clock, data={"code": "P-100", "name": "CRM", "price": "1000"})
    return customer


def _boss(session):
    from crm_cli.users import get_user

    return get_user(session, "boss")


def test_product_code_is_unique(db, clock, setup) -> None:
    with db.write() as session, pytest.raises(Conflict, match="P-100"):
        products.add_product(session, user=_boss(session), clock=clock, data={"code": "P-100", "name": "x"})


def test_deal_amount_is_computed_from_lines_with_level_discount(db, clock, setup) -> None:
    from crm_cli.settings import set_setting

    with db.write() as session:
        set_setting(session, "sales.level_discounts", ["intent=5"])
        setup.level = "intent"
        session.add(setup)
        deal = deals.add_deal(session, user=_boss(session), clock=clock, customer=setup, title="CRM",
                              lines=["P-100:3", "P-100:1:800"])
        assert deal.amount_cents == 3 * 95000 + 80000


def test_a_line_with_an_unknown_product_names_the_line(db, clock, setup) -> None:
    with db.write() as session, pytest.raises(NotFound, match="line 2 'X-1:1'"):
        deals.add_deal(session, user=_boss(session), clock=clock, customer=setup, title="CRM",
                       lines=["P-100:1", "X-1:1"])


def test_every_stage_move_is_recorded_with_its_date(db, clock, setup) -> None:
    with db.write() as session:
        deal = deals.add_deal(session, user=_boss(session), clock=clock, customer=setup, title="CRM",
                              amount="30000", stage="proposal")
        deals.move_deal(session, user=_boss(session), clock=clock, deal=deal, stage="商务谈判")
        history = deals.stage_history(session, deal)
    assert [(h.from_stage, h.to_stage, h.on) for h in history] == [
        (None, "proposal", clock.today), ("proposal", "negotiation", clock.today)]
    assert deal.probability == 75


def test_lost_needs_a_reason_and_unknown_stage_lists_the_choices(db, clock, setup) -> None:
    with db.write() as session:
        deal = deals.add_deal(session, user=_boss(session), clock=clock, customer=setup, title="CRM", amount="1")
        with pytest.raises(InvalidInput, match="why"):
            deals.move_deal(session, user=_boss(session), clock=clock, deal=deal, stage="lost")
        with pytest.raises(InvalidInput, match="negotiation"):
            deals.move_deal(session, user=_boss(session), clock=clock, deal=deal, stage="closing")


def test_configured_stages_keep_won_and_lost(db, setup) -> None:
    from crm_cli.settings import set_setting

    with db.write() as session:
        set_setting(session, "deal.stages", ["contact=初步接触", "demo=演示"])
        assert [s.key for s in deals.stages(session)] == ["contact", "demo", "won", "lost"]
        assert deals.parse_stage(session, "演示").key == "demo"


def test_funnel_measures_conversion_and_days_in_stage(db, clock, setup) -> None:
    from datetime import timedelta

    from crm_cli.dates import Clock

    later = Clock(clock.now + timedelta(days=4), clock.tz)
    with db.write() as session:
        boss = _boss(session)
        a = deals.add_deal(session, user=boss, clock=clock, customer=setup, title="A", amount="100")
        b = deals.add_deal(session, user=boss, clock=clock, customer=setup, title="B", amount="200")
        deals.move_deal(session, user=boss, clock=later, deal=a, stage="qualified")
        deals.move_deal(session, user=boss, clock=later, deal=b, stage="lost", reason="price")
        rows = {r.stage.key: r for r in deals.funnel(session, user=boss, clock=later)}
    assert rows["lead"].entered == 2 and rows["lead"].conversion == 0.5
    assert rows["lead"].avg_days == 4.0
    assert rows["lost"].current == 1 and rows["qualified"].amount_cents == 10000


def test_issue_commands_for_products_and_deals(cli) -> None:
    assert cli("customer", "add", "明达电子").exit_code == 0
    assert cli("product", "add", "P-100", "CRM 软件", "--price", "1000", "--unit", "套").exit_code == 0
    result = cli("deal", "add", "明达", "CRM 系统", "--amount", "30000", "--stage", "proposal", "--close", "+30d")
    assert result.exit_code == 0, result.stderr
    assert cli("deal", "move", "1", "negotiation").exit_code == 0
    shown = json.loads(cli("deal", "show", "1", "--json").stdout)
    assert shown["stage"] == "negotiation" and shown["amount"] == "30000.00"
    assert shown["expected_close_on"] == "2026-12-23"
    assert [h["to"] for h in shown["stage_history"]] == ["proposal", "negotiation"]
    assert cli("deal", "lost", "1", "--reason", "价格").exit_code == 0
    assert json.loads(cli("deal", "list", "--json").stdout)[0]["lost_reason"] == "价格"
    products_json = json.loads(cli("product", "list", "--json").stdout)
    assert products_json[0]["unit"] == "套" and products_json[0]["price"] == "1000.00"


def test_deal_commands_give_exit_codes(cli) -> None:
    cli("customer", "add", "明达电子")
    assert cli("deal", "show", "9").exit_code == 3
    assert cli("deal", "add", "明达", "x", "--amount", "abc").exit_code == 1
    assert cli("product", "edit", "NOPE", "--price", "1").exit_code == 3
    cli("product", "add", "P-1", "x")
    assert cli("product", "add", "P-1", "y").exit_code == 4
    assert json.loads(cli("product", "edit", "P-1", "--price", "1,200", "--json").stdout)["price"] == "1200.00"
