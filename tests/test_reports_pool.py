"""The pool report on a hand-built ownership history."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from tests.test_reports import run
from tests.test_reports_sales import at


@pytest.fixture
def pool_world(db: Any, make_user: Any) -> None:
    """Cap 3 (pool.max_owned). rep1 owns A, B (B never contacted); rep2 owns C; D, E, F start in the pool.

    November: rep1 releases A (11-05), rep2 claims D (11-06) and E (11-08), rep1 claims A back? no — F stays.
    October: rep2 releases C? no — rep1 claims nothing. One event in October: rep1 claims G from the pool (10-15).
    """
    from crm_cli.customers import add_customer
    from crm_cli.followups import log_followup
    from crm_cli.pool import claim, release
    from crm_cli.settings import set_setting
    from crm_cli.users import get_user

    make_user()
    make_user("rep1", role="rep")
    make_user("rep2", role="rep")
    with db.write() as s:
        set_setting(s, "pool.max_owned", 3)
        set_setting(s, "pool.cooldown_days", 0)
        boss, rep1, rep2 = get_user(s, "boss"), get_user(s, "rep1"), get_user(s, "rep2")
        c = {}
        for name, owner in (("A", rep1), ("B", rep1), ("C", rep2), ("D", None), ("E", None), ("F", None),
                            ("G", None)):
            c[name] = add_customer(s, user=boss, clock=at("2026-09-01 10:00"), data={"name": f"客户{name}"},
                                   owner=owner, force=True)
        log_followup(s, user=rep1, clock=at("2026-09-02 10:00"), customer=c["A"], content="hi")
        log_followup(s, user=rep2, clock=at("2026-09-02 10:00"), customer=c["C"], content="hi")
        claim(s, user=rep1, clock=at("2026-10-15 10:00"), customers=[c["G"]])
        release(s, user=rep1, clock=at("2026-11-05 10:00"), customer=c["A"], reason="没有需求")
        claim(s, user=rep2, clock=at("2026-11-06 10:00"), customers=[c["D"]])
        claim(s, user=rep2, clock=at("2026-11-08 10:00"), customers=[c["E"]])


def test_pool_report_counts_owned_against_cap_never_contacted_and_moves(db, pool_world) -> None:
    report = run(db, "pool")
    rows = {r["key"]: r for r in report.rows}
    # rep1: B and G (A released); rep2: C, D, E; pool: A and F.
    assert (rows["rep1"]["owned"], rows["rep1"]["never_contacted"], rows["rep1"]["returned"],
            rows["rep1"]["claimed"]) == (2, 2, 1, 0)
    assert (rows["rep2"]["owned"], rows["rep2"]["cap"], rows["rep2"]["cap_used"], rows["rep2"]["claimed"]) \
        == (3, 3, 1.0, 2)
    assert (rows[None]["owned"], rows[None]["never_contacted"]) == (2, 1)
    assert report.totals["owned"] == 7 and report.totals["claimed"] == 2


def test_pool_report_window_moves_to_october(db, pool_world) -> None:
    report = run(db, "pool", start=date(2026, 10, 1), end=date(2026, 10, 31))
    rows = {r["key"]: r for r in report.rows}
    assert (rows["rep1"]["claimed"], rows["rep1"]["returned"], rows["rep2"]["claimed"]) == (1, 0, 0)


def test_pool_report_json_and_rep_view(cli, db, pool_world) -> None:
    data = json.loads(cli("report", "pool", "--json", user="rep1").stdout)
    assert [r["key"] for r in data["rows"]] == ["rep1", None]
    assert data["rows"][0]["owned"] == 2
