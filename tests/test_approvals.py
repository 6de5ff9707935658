"""Invalid customers (无效客户): request, approve or reject, every step in the history."""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def team(cli, make_user):
    make_user()
    make_user("li.na", role="manager")
    make_user("wang", role="rep", manager="li.na")
    make_user("emily", role="rep")
    make_user("other.boss", role="manager")
    return cli


def _pending(cli, user="boss"):
    return json.loads(cli("approvals", "list", "--json", user=user).stdout)


def test_approved_request_makes_the_customer_invalid_and_leaves_the_reps_list(team, make_customer) -> None:
    cid = make_customer("明达", owner="wang").id
    assert team("customer", "invalidate", "明达", "--reason", "company closed", user="wang").exit_code == 0
    [request] = _pending(team, user="li.na")
    assert (request["customer"], request["requested_by"], request["reason"]) == (cid, "wang", "company closed")
    assert team("approvals", "approve", str(request["id"]), "--note", "ok", user="li.na").exit_code == 0
    shown = json.loads(team("customer", "show", str(cid), "--json").stdout)
    assert shown["level"] == "invalid" and shown["owner"] is None
    assert team("customer", "list", "-q", user="wang").stdout == ""
    assert team("pool", "list", "-q").stdout == ""
    actions = [e["action"] for e in json.loads(team("customer", "history", str(cid), "--json").stdout)]
    assert {"invalidate-request", "invalidate", "invalidate-approve"} <= set(actions)  # one instant: any order


def test_rejected_request_changes_nothing_but_is_in_the_history(team, make_customer) -> None:
    cid = make_customer("明达", owner="wang").id
    team("customer", "invalidate", "明达", "--reason", "no answer", user="wang")
    [request] = _pending(team)
    assert team("approvals", "reject", str(request["id"]), "--note", "try again").exit_code == 0
    shown = json.loads(team("customer", "show", str(cid), "--json").stdout)
    assert shown["level"] == "potential" and shown["owner"] == "wang"
    history = json.loads(team("customer", "history", str(cid), "--json").stdout)
    assert history[-1]["action"] == "invalidate-reject" and "try again" in history[-1]["note"]
    assert team("approvals", "approve", str(request["id"])).exit_code == 4  # already decided


def test_only_managers_of_the_team_and_admins_decide(team, make_customer) -> None:
    make_customer("明达", owner="wang")
    team("customer", "invalidate", "明达", "--reason", "closed", user="wang")
    assert team("approvals", "list", user="wang").exit_code == 4
    assert _pending(team, user="other.boss") == []
    assert team("approvals", "approve", "1", user="other.boss").exit_code == 3
    assert team("approvals", "approve", "1", user="emily").exit_code == 4


def test_a_second_request_while_one_is_pending_is_refused(team, make_customer) -> None:
    make_customer("明达", owner="wang")
    team("customer", "invalidate", "明达", "--reason", "closed", user="wang")
    result = team("customer", "invalidate", "明达", "--reason", "again", user="wang")
    assert result.exit_code == 4 and "already waiting" in result.stderr


def test_a_rep_cannot_set_level_invalid_by_editing(team, make_customer) -> None:
    make_customer("明达", owner="wang")
    result = team("customer", "edit", "明达", "--level", "invalid", user="wang")
    assert result.exit_code == 4 and "invalidate 1 --reason" in result.stderr
