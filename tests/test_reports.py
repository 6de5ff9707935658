"""Reports on a hand-built data set whose right answers are known, through the domain layer and the CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import TZ


@pytest.fixture
def world(db: Any, make_user: Any) -> dict[str, Any]:
    """Users: boss (admin), mgr (manager of rep1, rep2), rep1, rep2, rep3 (nobody's report).

    Customers (created at, Shanghai time):
      A rep1 intent  source 展会  2026-11-05  followed up 2026-11-10 by rep1, 2026-11-20 by rep1
      B rep1 won     source 官网  2026-10-15  followed up 2026-10-20 by rep1
      C rep2 intent  source 展会  2026-11-01 01:00 (= 2026-10-31 17:00 UTC)  never followed up
      D pool potential source 展会 2026-09-10
      E rep3 key     no source    2026-11-22  followed up 2026-11-22 by rep3
      F rep1 potential deleted    2026-11-06  followed up 2026-11-06 by rep1 (before it was deleted)
    """
    from crm_cli.customers import add_customer, delete_customer
    from crm_cli.dates import Clock
    from crm_cli.followups import log_followup
    from crm_cli.users import get_user

    make_user()
    make_user("mgr", role="manager")
    make_user("rep1", role="rep", manager="mgr")
    make_user("rep2", role="rep", manager="mgr")
    make_user("rep3", role="rep")

    def at(text: str) -> Clock:
        return Clock(datetime.fromisoformat(text).replace(tzinfo=TZ).astimezone(UTC), TZ)

    specs = [
        ("A", "rep1", "intent", "展会", "2026-11-05 10:00"),
        ("B", "rep1", "won", "官网", "2026-10-15 10:00"),
        ("C", "rep2", "intent", "展会", "2026-11-01 01:00"),
        ("D", None, "potential", "展会", "2026-09-10 10:00"),
        ("E", "rep3", "key", None, "2026-11-22 10:00"),
        ("F", "rep1", "potential", None, "2026-11-06 10:00"),
    ]
    ids: dict[str, int] = {}
    with db.write() as session:
        boss = get_user(session, "boss")
        for name, owner, level, source, created in specs:
            c = add_customer(session, user=boss, clock=at(created), data={"name": f"客户{name}", "level": level,
                             "source": source}, owner=get_user(session, owner) if owner else None, force=True)
            ids[name] = c.id
        for name, who, when in [("A", "rep1", "2026-11-10 09:00"), ("A", "rep1", "2026-11-20 09:00"),
                                ("B", "rep1", "2026-10-20 09:00"), ("E", "rep3", "2026-11-22 11:00"),
                                ("F", "rep1", "2026-11-06 11:00")]:
            from crm_cli.db.models import Customer

            log_followup(session, user=get_user(session, who), clock=at("2026-11-23 09:00"),
                         customer=session.get(Customer, ids[name]), content="called", at=at(when).now)
        delete_customer(session, user=boss, clock=at("2026-11-07 10:00"), customer=session.get(Customer, ids["F"]))
    return ids


def run(db: Any, name: str, username: str = "boss", **opts: Any) -> Any:
    from crm_cli.dates import Clock
    from crm_cli.reports import ReportOptions, run_report
    from crm_cli.users import get_user
    from tests.conftest import FIXED_NOW

    with db.read() as session:
        return run_report(name, session=session, user=get_user(session, username), clock=Clock(FIXED_NOW, TZ),
                          options=ReportOptions(**opts))


def by_key(report: Any, measure: str) -> dict[Any, Any]:
    return {row["key"]: row[measure] for row in report.rows}


# ------------------------------------------------------------------------------------------------ customers


def test_customers_by_level_counts_live_customers_and_new_ones_this_month(db, world) -> None:
    report = run(db, "customers", by="level")
    assert by_key(report, "customers") == {"potential": 1, "intent": 2, "key": 1, "won": 1}
    # The window defaults to this month (2026-11-01 … 2026-11-23); C was created 01:00 on Nov 1st, Shanghai time.
    assert by_key(report, "new") == {"potential": 0, "intent": 2, "key": 1, "won": 0}
    assert report.totals == {"customers": 5, "new": 3}
    assert [r["key"] for r in report.rows] == ["potential", "intent", "key", "won"]


def test_customers_by_source_puts_the_biggest_group_first_and_keeps_missing_values(db, world) -> None:
    report = run(db, "customers", by="source")
    assert [(r["key"], r["customers"]) for r in report.rows] == [("展会", 3), ("官网", 1), (None, 1)]


def test_customers_new_counts_only_customers_created_in_the_window(db, world) -> None:
    from datetime import date

    report = run(db, "customers", by="owner", new=True, start=date(2026, 10, 1), end=date(2026, 10, 31))
    assert by_key(report, "new") == {"rep1": 1}
    assert report.totals == {"new": 1}


def test_a_rep_sees_only_their_own_customers_and_the_pool(db, world) -> None:
    report = run(db, "customers", "rep1", by="owner")
    assert by_key(report, "customers") == {"rep1": 2, None: 1}


def test_customers_per_month_gives_every_month_with_a_running_total(db, world) -> None:
    from datetime import date

    report = run(db, "customers", period="month", start=date(2026, 10, 1))
    assert [(r["key"], r["new"], r["customers"]) for r in report.rows] == [("2026-10", 1, 2), ("2026-11", 3, 5)]
    assert report.totals == {"new": 4, "customers": 5}


def test_customers_per_quarter_and_year_use_their_keys(db, world) -> None:
    quarters = run(db, "customers", period="quarter")
    assert [r["key"] for r in quarters.rows] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert by_key(quarters, "new") == {"2026-Q1": 0, "2026-Q2": 0, "2026-Q3": 1, "2026-Q4": 4}
    years = run(db, "customers", period="year")
    assert years.rows[-1] == {"key": "2026", "new": 5, "customers": 5}


def test_an_unknown_grouping_is_refused(db, world) -> None:
    from crm_cli.errors import InvalidInput

    with pytest.raises(InvalidInput, match="cannot be grouped by 'colour'"):
        run(db, "customers", by="colour")


# --------------------------------------------------------------------------------------------------- people


def test_people_counts_owned_new_followups_and_untouched_per_user(db, world) -> None:
    report = run(db, "people", idle_days=7)
    rows = {r["key"]: r for r in report.rows}
    assert (rows["rep1"]["owned"], rows["rep1"]["new"], rows["rep1"]["followups"], rows["rep1"]["untouched"]) \
        == (2, 1, 3, 1)  # B last followed up 2026-10-20; A on 2026-11-20 (3 days ago); F's follow-up still counts
    assert (rows["rep2"]["owned"], rows["rep2"]["new"], rows["rep2"]["followups"], rows["rep2"]["untouched"]) \
        == (1, 1, 0, 1)  # C never contacted
    assert (rows["rep3"]["owned"], rows["rep3"]["followups"], rows["rep3"]["untouched"]) == (1, 1, 0)
    assert report.totals["followups"] == 4 and report.totals["owned"] == 4


def test_people_window_limits_followups(db, world) -> None:
    from datetime import date

    report = run(db, "people", start=date(2026, 10, 1), end=date(2026, 10, 31))
    assert {r["key"]: r["followups"] for r in report.rows}["rep1"] == 1


def test_a_manager_sees_their_team_and_a_rep_only_themselves(db, world) -> None:
    assert [r["key"] for r in run(db, "people", "mgr").rows] == ["mgr", "rep1", "rep2"]
    assert [r["key"] for r in run(db, "people", "rep2").rows] == ["rep2"]


def test_targets_of_the_months_in_the_window_are_summed(db, world, clock) -> None:
    from datetime import date

    from crm_cli.reports import set_target
    from crm_cli.users import get_user

    with db.write() as session:
        mgr = get_user(session, "mgr")
        set_target(session, user=mgr, clock=clock, username="rep1", month="2026-11", won=5, amount="100000")
        set_target(session, user=mgr, clock=clock, username="rep1", month="2026-12", won=3, amount="50000.50")
        set_target(session, user=mgr, clock=clock, username="rep1", month="2026-11", won=4)  # changes only won
    nov = {r["key"]: r for r in run(db, "people").rows}["rep1"]
    assert (nov["target_won"], nov["target_amount"]) == (4, Decimal("100000.00"))
    both = run(db, "people", start=date(2026, 11, 1), end=date(2026, 12, 31))
    rep1 = {r["key"]: r for r in both.rows}["rep1"]
    assert (rep1["target_won"], rep1["target_amount"]) == (7, Decimal("150000.50"))
    assert both.as_json()["totals"]["target_amount"] == "150000.50"


def test_only_an_admin_or_the_users_manager_sets_targets(db, world, clock) -> None:
    from crm_cli.errors import PermissionDenied
    from crm_cli.reports import set_target
    from crm_cli.users import get_user

    with db.write() as session:
        for actor, target in (("rep1", "rep1"), ("mgr", "rep3"), ("mgr", "mgr")):
            with pytest.raises(PermissionDenied):
                set_target(session, user=get_user(session, actor), clock=clock, username=target, month="2026-12",
                           won=1)


# ------------------------------------------------------------------------------------------------------ CLI


def test_report_json_has_exactly_report_rows_and_totals(cli, db, world) -> None:
    result = cli("report", "customers", "--by", "level", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"report", "rows", "totals"} and data["report"] == "customers"
    assert data["rows"][1] == {"key": "intent", "customers": 2, "new": 2}
    assert data["totals"] == {"customers": 5, "new": 3}


def test_report_table_draws_bars_and_totals(cli, db, world) -> None:
    out = cli("report", "customers", "--by", "level").stdout
    assert "intent 意向" in out and "█" * 24 in out and "Total" in out


def test_target_set_from_the_cli_and_money_as_exact_strings(cli, db, world) -> None:
    result = cli("target", "set", "rep1", "2026年11月", "--won", "5", "--amount", "1,234.56")
    assert result.exit_code == 0, result.stderr
    data = json.loads(cli("report", "people", "--json").stdout)
    rep1 = next(r for r in data["rows"] if r["key"] == "rep1")
    assert rep1["target_amount"] == "1234.56" and rep1["target_won"] == 5
    assert json.loads(cli("target", "list", "--json").stdout)[0]["amount"] == "1234.56"


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (["target", "set", "rep1", "2026-13", "--won", "1"], 1, "invalid month '2026-13'"),
        (["target", "set", "rep1", "2026-12", "--amount", "1.234"], 1, "at most two decimals"),
        (["target", "set", "rep1", "2026-12"], 1, "give --won"),
        (["target", "set", "ghost", "2026-12", "--won", "1"], 3, "no user 'ghost'"),
        (["report", "customers", "--period", "week"], 1, "unknown period 'week'"),
        (["report", "customers", "--from", "2026-11-20", "--to", "2026-11-01"], 1, "is after --to"),
        (["report", "people", "--xlsx", "out.csv"], 1, "ending in .xlsx"),
    ],
)
def test_bad_report_input_gets_a_clear_message(cli, db, world, args, code, fragment) -> None:
    result = cli(*args)
    assert result.exit_code == code
    assert fragment in result.stderr


def test_a_rep_cannot_set_targets(cli, db, world) -> None:
    result = cli("target", "set", "rep1", "2026-12", "--won", "9", user="rep1")
    assert result.exit_code == 4 and "cannot set targets" in result.stderr


# ----------------------------------------------------------------------------------------------------- xlsx


def test_xlsx_holds_the_values_and_a_native_chart(cli, db, world, tmp_path) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "levels.xlsx"
    assert cli("report", "customers", "--by", "level", "--xlsx", str(path)).exit_code == 0
    ws = load_workbook(path)["customers"]
    table = [[c.value for c in row] for row in ws.iter_rows(min_row=4, max_row=9, max_col=3)]
    assert table == [["level", "Customers", "New in window"], ["potential 潜在", 1, 0], ["intent 意向", 2, 2],
                     ["key 重点", 1, 1], ["won 成交", 1, 0], ["Total", 5, 3]]
    charts = ws._charts
    assert len(charts) == 1 and charts[0].tagname == "barChart"
    refs = [s.val.numRef.f for s in charts[0].series]
    assert refs == ["'customers'!$B$5:$B$8", "'customers'!$C$5:$C$8"]
    assert charts[0].series[0].cat.numRef.f == "'customers'!$A$5:$A$8"


def test_xlsx_money_is_a_number_with_cents_and_period_reports_get_a_line_chart(cli, db, world, tmp_path) -> None:
    from openpyxl import load_workbook

    cli("target", "set", "rep1", "2026-11", "--amount", "1234.5")
    path = tmp_path / "people.xlsx"
    assert cli("report", "people", "--xlsx", str(path)).exit_code == 0
    ws = load_workbook(path)["people"]
    headers = [c.value for c in ws[4]]
    col = headers.index("Target amount") + 1
    rep1_row = next(r for r in range(5, ws.max_row + 1) if ws.cell(row=r, column=1).value == "rep1")
    cell = ws.cell(row=rep1_row, column=col)
    assert cell.value == 1234.5 and cell.number_format == "#,##0.00"
    monthly = tmp_path / "monthly.xlsx"
    assert cli("report", "customers", "--period", "month", "--xlsx", str(monthly)).exit_code == 0
    kinds = sorted(c.tagname for c in load_workbook(monthly)["customers"]._charts)
    assert kinds == ["barChart", "lineChart"]


def test_period_key_in_sql_matches_the_python_key(db, world) -> None:
    """The SQL strftime keys (crm_cli.db.reporting) and the Python keys must agree for every month."""
    from datetime import date

    from sqlalchemy import literal, select

    from crm_cli.db.reporting import period_key
    from crm_cli.reports import period_key_of

    with db.read() as session:
        for month in range(1, 13):
            day = date(2026, month, 15)
            for period in ("month", "quarter", "year"):
                sql = session.execute(select(period_key(literal(day.isoformat()), period))).scalar_one()
                assert sql == period_key_of(day, period)


def test_xlsx_never_turns_a_key_from_user_data_into_a_formula(cli, db, world, make_customer, tmp_path) -> None:
    from openpyxl import load_workbook

    make_customer("坏数据", source='=HYPERLINK("http://x","y")')
    path = tmp_path / "sources.xlsx"
    assert cli("report", "customers", "--by", "source", "--xlsx", str(path)).exit_code == 0
    ws = load_workbook(path)["customers"]
    cells = [ws.cell(row=r, column=1) for r in range(5, ws.max_row + 1)]
    bad = next(c for c in cells if str(c.value).startswith("=HYPERLINK"))
    assert bad.data_type == "s"
