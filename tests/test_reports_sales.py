"""Funnel and sales reports on a hand-built set of deals, contracts, payment plans and payments."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import TZ
from tests.test_reports import by_key, run


def at(text: str) -> Any:
    from crm_cli.dates import Clock

    return Clock(datetime.fromisoformat(text).replace(tzinfo=TZ).astimezone(UTC), TZ)


@pytest.fixture
def sales(db: Any, make_user: Any) -> dict[str, Any]:
    """rep1 owns A and B, rep2 owns C and D (all created 2026-09-01); E and F are new pool customers (November).

    Products P1 (1000.00) and P2 (500.00).
    Contracts (status active):
      K1  A (rep1) signed 2026-10-10: P1×10 = 10000.00; plan 2026-10-20 5000 + 2026-11-10 5000;
          paid 5000 on 2026-10-18 → outstanding 5000, overdue 5000 (due 2026-11-10)
      K2  C (rep2) signed 2026-11-05: P1×2 + P2×4 = 4000.00; plan 2026-12-05 4000; paid 1000 on 2026-11-15
    Deals (created in November):
      d1 rep1 A 10000 lead 11-02 → qualified 11-04 → proposal 11-09 → won 11-10
      d2 rep1 B  5000 lead 11-03 → qualified 11-05 → lost 11-08
      d3 rep2 C  3000 created at proposal 11-06
      d4 rep2 D  1000 lead 11-07
    Follow-ups on C (won 2026-11-05 by K2): 11-01, 11-02, 11-03 and 11-20 (after the win).
    """
    from crm_cli.contracts import add_contract
    from crm_cli.customers import add_customer
    from crm_cli.deals import add_deal, move_deal
    from crm_cli.followups import log_followup
    from crm_cli.payments import add_payment, set_plan
    from crm_cli.products import add_product
    from crm_cli.users import get_user

    make_user()
    make_user("mgr", role="manager")
    make_user("rep1", role="rep", manager="mgr")
    make_user("rep2", role="rep", manager="mgr")
    out: dict[str, Any] = {}
    with db.write() as s:
        boss = get_user(s, "boss")
        rep1, rep2 = get_user(s, "rep1"), get_user(s, "rep2")
        for name, owner in (("A", rep1), ("B", rep1), ("C", rep2), ("D", rep2)):
            out[name] = add_customer(s, user=boss, clock=at("2026-09-01 10:00"), data={"name": f"客户{name}"},
                                     owner=owner, force=True)
        for name in ("E", "F"):
            out[name] = add_customer(s, user=boss, clock=at("2026-11-02 10:00"), data={"name": f"客户{name}"},
                                     owner=None, force=True)
        add_product(s, user=boss, clock=at("2026-09-01 10:00"), data={"code": "P1", "name": "主机", "price": "1000"})
        add_product(s, user=boss, clock=at("2026-09-01 10:00"), data={"code": "P2", "name": "配件", "price": "500"})
        k1 = add_contract(s, user=rep1, clock=at("2026-10-10 10:00"), number="K1", customer=out["A"],
                          signed_on=date(2026, 10, 10), lines=["P1:10"])
        set_plan(s, user=rep1, clock=at("2026-10-10 10:00"), contract=k1,
                 items=[(date(2026, 10, 20), 500000), (date(2026, 11, 10), 500000)])
        add_payment(s, user=rep1, clock=at("2026-10-18 10:00"), contract=k1, amount="5000",
                    received_on=date(2026, 10, 18))
        k2 = add_contract(s, user=rep2, clock=at("2026-11-05 10:00"), number="K2", customer=out["C"],
                          signed_on=date(2026, 11, 5), lines=["P1:2", "P2:4"])
        set_plan(s, user=rep2, clock=at("2026-11-05 10:00"), contract=k2, items=[(date(2026, 12, 5), 400000)])
        add_payment(s, user=rep2, clock=at("2026-11-15 10:00"), contract=k2, amount="1000",
                    received_on=date(2026, 11, 15))
        for when in ("2026-11-01 09:00", "2026-11-02 09:00", "2026-11-03 09:00", "2026-11-20 09:00"):
            log_followup(s, user=rep2, clock=at(when), customer=out["C"], content="called")

        def deal(owner: Any, customer: str, amount: str, stage: str, when: str) -> Any:
            return add_deal(s, user=owner, clock=at(when), customer=out[customer], title=f"deal {customer}",
                            amount=amount, stage=stage)

        d1 = deal(rep1, "A", "10000", "lead", "2026-11-02 10:00")
        d2 = deal(rep1, "B", "5000", "lead", "2026-11-03 10:00")
        deal(rep2, "C", "3000", "proposal", "2026-11-06 10:00")
        deal(rep2, "D", "1000", "lead", "2026-11-07 10:00")
        for d, stage, when in ((d1, "qualified", "2026-11-04 10:00"), (d2, "qualified", "2026-11-05 10:00"),
                               (d2, "lost", "2026-11-08 10:00"), (d1, "proposal", "2026-11-09 10:00"),
                               (d1, "won", "2026-11-10 10:00")):
            move_deal(s, user=rep1, clock=at(when), deal=d, stage=stage, reason="价格太高" if stage == "lost" else None)
    return out


# ----------------------------------------------------------------------------------------------------- sales


def test_sales_per_month_signed_received_outstanding_overdue(db, sales) -> None:
    report = run(db, "sales", period="month", start=date(2026, 10, 1))
    rows = {r["key"]: r for r in report.rows}
    assert list(rows) == ["2026-10", "2026-11"]
    assert rows["2026-10"] == {"key": "2026-10", "contracts": 1, "signed": Decimal("10000.00"),
                               "received": Decimal("5000.00"), "outstanding": Decimal("5000.00"),
                               "overdue": Decimal("0.00")}
    assert rows["2026-11"] == {"key": "2026-11", "contracts": 1, "signed": Decimal("4000.00"),
                               "received": Decimal("1000.00"), "outstanding": Decimal("3000.00"),
                               "overdue": Decimal("5000.00")}
    assert report.as_json()["totals"] == {"signed": "14000.00", "contracts": 2, "received": "6000.00",
                                          "outstanding": "8000.00", "overdue": "5000.00"}


def test_sales_per_quarter_adds_the_months_up(db, sales) -> None:
    report = run(db, "sales", period="quarter", start=date(2026, 10, 1))
    assert report.as_json()["rows"] == [{"key": "2026-Q4", "signed": "14000.00", "contracts": 2,
                                         "received": "6000.00", "outstanding": "8000.00", "overdue": "5000.00"}]


def test_sales_by_owner_and_region(db, sales) -> None:
    report = run(db, "sales", by="owner", start=date(2026, 10, 1))
    assert by_key(report, "signed") == {"rep1": Decimal("10000.00"), "rep2": Decimal("4000.00")}
    assert by_key(report, "overdue") == {"rep1": Decimal("5000.00"), "rep2": Decimal("0.00")}
    assert by_key(report, "outstanding") == {"rep1": Decimal("5000.00"), "rep2": Decimal("3000.00")}


def test_sales_by_product_shares_payments_over_the_lines(db, sales) -> None:
    report = run(db, "sales", by="product", start=date(2026, 10, 1))
    rows = {r["key"]: r for r in report.rows}
    assert (rows["P1"]["signed"], rows["P1"]["received"], rows["P1"]["outstanding"], rows["P1"]["overdue"]) == (
        Decimal("12000.00"), Decimal("5500.00"), Decimal("6500.00"), Decimal("5000.00"))
    assert (rows["P2"]["signed"], rows["P2"]["received"], rows["P2"]["outstanding"]) == (
        Decimal("2000.00"), Decimal("500.00"), Decimal("1500.00"))
    assert (rows["P1"]["contracts"], rows["P2"]["contracts"], report.totals["contracts"]) == (2, 1, 2)


def test_a_rep_sees_only_the_sales_of_their_customers(db, sales) -> None:
    report = run(db, "sales", "rep2", period="month", start=date(2026, 10, 1))
    assert report.as_json()["totals"]["signed"] == "4000.00"


# ----------------------------------------------------------------------------------------------------- funnel


def test_funnel_counts_reached_stages_conversion_and_days(db, sales) -> None:
    report = run(db, "funnel")
    rows = {r["key"]: r for r in report.rows}
    assert [r["key"] for r in report.rows] == ["lead", "qualified", "proposal", "negotiation", "won", "lost"]
    assert {k: r["entered"] for k, r in rows.items()} == {"lead": 4, "qualified": 3, "proposal": 2,
                                                          "negotiation": 1, "won": 1, "lost": 1}
    assert rows["lead"]["conversion"] == 0.75 and rows["qualified"]["conversion"] == pytest.approx(2 / 3)
    assert rows["proposal"]["conversion"] == 0.5 and rows["negotiation"]["conversion"] == 1.0
    assert rows["lead"]["avg_days"] == pytest.approx(2.0)
    assert rows["qualified"]["avg_days"] == pytest.approx(4.0)
    assert rows["proposal"]["avg_days"] == pytest.approx(1.0)
    assert (rows["lead"]["current"], rows["lead"]["amount"]) == (1, Decimal("1000.00"))
    assert (rows["proposal"]["current"], rows["proposal"]["amount"]) == (1, Decimal("3000.00"))


def test_funnel_totals_win_rate_and_the_k20_ratios(db, sales) -> None:
    totals = run(db, "funnel").as_json()["totals"]
    assert totals["deals"] == 4 and totals["won"] == 1 and totals["lost"] == 1
    assert totals["win_rate"] == 0.5 and totals["won_amount"] == "10000.00"
    # C was won on 2026-11-05 (contract K2) after 3 follow-ups; E and F are November's new customers.
    assert totals["won_customers"] == 1 and totals["followups_per_win"] == 3.0
    assert totals["new_customers"] == 2 and totals["customers_per_win"] == 2.0


def test_funnel_by_owner(db, sales) -> None:
    report = run(db, "funnel", by="owner")
    rows = {r["key"]: r for r in report.rows}
    assert (rows["rep1"]["deals"], rows["rep1"]["won"], rows["rep1"]["lost"], rows["rep1"]["win_rate"]) \
        == (2, 1, 1, 0.5)
    assert rows["rep1"]["won_amount"] == Decimal("10000.00")
    assert (rows["rep2"]["deals"], rows["rep2"]["open_amount"], rows["rep2"]["followups_per_win"]) \
        == (2, Decimal("4000.00"), 3.0)


def test_people_shows_deals_won_against_target(db, sales, clock) -> None:
    from crm_cli.reports import set_target
    from crm_cli.users import get_user

    with db.write() as s:
        set_target(s, user=get_user(s, "boss"), clock=clock, username="rep1", month="2026-11", won=4,
                   amount="40000")
    rep1 = {r["key"]: r for r in run(db, "people").rows}["rep1"]
    assert (rep1["won"], rep1["won_amount"]) == (1, Decimal("10000.00"))
    assert (rep1["won_pct"], rep1["amount_pct"]) == (0.25, 0.25)


# -------------------------------------------------------------------------------------------------------- CLI


def test_sales_cli_json_and_xlsx_with_charts(cli, db, sales, tmp_path) -> None:
    from openpyxl import load_workbook

    data = json.loads(cli("report", "sales", "--period", "month", "--from", "2026-10-01", "--json").stdout)
    assert data["report"] == "sales" and [r["key"] for r in data["rows"]] == ["2026-10", "2026-11"]
    path = tmp_path / "sales.xlsx"
    assert cli("report", "sales", "--period", "month", "--from", "2026-10-01", "--xlsx", str(path)).exit_code == 0
    ws = load_workbook(path)["sales"]
    assert [ws.cell(row=r, column=1).value for r in (5, 6, 7)] == ["2026-10", "2026-11", "Total"]
    assert ws.cell(row=7, column=2).value == 14000
    assert len(ws._charts) == 2


def test_funnel_cli_table_shows_the_summary(cli, db, sales) -> None:
    out = cli("report", "funnel").stdout
    assert "Win rate" in out and "50.0%" in out and "Follow-ups per won customer: 3.0" in out


def test_deal_funnel_shows_the_funnel_reports_numbers(cli, db, sales) -> None:
    import json

    deal = {r["stage"]: r for r in json.loads(cli("deal", "funnel", "--json").stdout)}
    report = json.loads(cli("report", "funnel", "--json", "--from", "2026-11-01").stdout)
    rows = {r["key"]: r for r in report["rows"]}
    assert list(deal) == list(rows) == ["lead", "qualified", "proposal", "negotiation", "won", "lost"]
    for key, r in rows.items():
        assert (deal[key]["entered"], deal[key]["current"], deal[key]["amount"]) == (
            r["entered"], r["current"], str(r["amount"])), key
    assert deal["lead"]["conversion"] == 75.0 and deal["qualified"]["avg_days"] == 4.0  # days to one decimal
    since = {r["stage"]: r["entered"] for r in json.loads(cli("deal", "funnel", "--since", "2026-11-06",
                                                              "--json").stdout)}
    assert since["lead"] == 2  # d3 (created at proposal on 11-06) and d4 (11-07)
    future = cli("deal", "funnel", "--since", "+5d")
    assert future.exit_code == 1 and "in the future" in future.stderr


def test_a_rep_sees_only_the_funnel_of_their_customers(db, sales) -> None:
    report = run(db, "funnel", "rep2")
    assert {r["key"]: r["entered"] for r in report.rows}["lead"] == 2  # d3 (at proposal) and d4
    assert report.totals["deals"] == 2 and report.totals["won_customers"] == 1  # C, won by K2
