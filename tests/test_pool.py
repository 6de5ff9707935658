"""Ownership, visibility and the public pool: claim, release, transfer, assign, share, history, caps, cooldown."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from crm_cli.dates import Clock
from tests.conftest import FIXED_NOW, TZ


@pytest.fixture
def team(cli, make_user):
    """boss (admin), li.na (manager) over wang (rep) and chen (rep); emily (rep, no manager)."""
    make_user()
    make_user("li.na", role="manager")
    make_user("wang", role="rep", manager="li.na")
    make_user("chen", role="rep", manager="li.na")
    make_user("emily", role="rep")
    return cli


def _ids(cli, *args, user=None):
    return [int(x) for x in cli(*args, "-q", user=user).stdout.split()]


def _owner_of(db, customer_id):
    from crm_cli.db.models import Customer

    with db.read() as session:
        return session.get(Customer, customer_id).owner_id


def _user_id(db, name):
    from crm_cli.users import get_user

    with db.read() as session:
        return get_user(session, name).id


def test_rep_sees_own_shared_and_pool_but_not_colleagues(team, make_customer) -> None:
    mine = make_customer("mine", owner="wang").id
    pool = make_customer("pooled", owner="pool").id
    theirs = make_customer("theirs", owner="chen").id
    assert _ids(team, "customer", "list", user="wang") == [mine, pool]
    assert team("customer", "show", str(theirs), user="wang").exit_code == 3
    team("customer", "share", "theirs", "--with", "wang", user="chen")
    assert _ids(team, "customer", "list", user="wang") == [mine, pool, theirs]


def test_manager_sees_team_recursively_but_not_other_teams(team, make_customer, make_user) -> None:
    make_user("junior", role="rep", manager="wang")
    a = make_customer("a", owner="wang").id
    b = make_customer("b", owner="junior").id
    make_customer("c", owner="emily")
    assert _ids(team, "customer", "list", user="li.na") == [a, b]
    assert len(_ids(team, "customer", "list")) == 3  # admin sees all


def test_claim_takes_a_pool_customer_and_records_history(team, make_customer, db) -> None:
    cid = make_customer("明达", owner="pool").id
    assert team("pool", "claim", "明达", user="wang").exit_code == 0
    assert _owner_of(db, cid) == _user_id(db, "wang")
    moves = [e for e in json.loads(team("customer", "history", "明达", "--json").stdout) if e["entity"] == "owner"]
    assert [(m["action"], m["from"], m["to"]) for m in moves] == [("add", None, None), ("claim", None, "wang")]


def test_claim_of_an_owned_customer_exits_4(team, make_customer) -> None:
    cid = make_customer("明达", owner="chen").id
    result = team("pool", "claim", str(cid), user="wang")
    assert result.exit_code == 4 and "not in the pool" in result.stderr


def test_claim_refuses_beyond_cap_and_changes_nothing(team, make_customer, db) -> None:
    team("config", "set", "pool.max_owned", "2")
    make_customer("owned", owner="wang")
    a = make_customer("pool a", owner="pool").id
    b = make_customer("pool b", owner="pool").id
    result = team("pool", "claim", str(a), str(b), user="wang")
    assert result.exit_code == 4
    assert "cap is 2" in result.stderr and "pool.max_owned" in result.stderr
    assert _owner_of(db, a) is None and _owner_of(db, b) is None
    assert team("pool", "claim", str(a), user="wang").exit_code == 0


def test_assign_refuses_beyond_the_targets_cap(team, make_customer) -> None:
    team("config", "set", "pool.max_owned", "1")
    make_customer("owned", owner="wang")
    cid = make_customer("pooled", owner="pool").id
    result = team("pool", "assign", str(cid), "--to", "wang")
    assert result.exit_code == 4 and "wang owns 1 customer and" in result.stderr


def test_release_needs_a_reason_and_returns_to_pool(team, make_customer, db) -> None:
    cid = make_customer("明达", owner="wang").id
    assert team("pool", "release", "明达", "--reason", " ", user="wang").exit_code == 1
    assert team("pool", "release", "明达", "--reason", "no budget", user="wang").exit_code == 0
    assert _owner_of(db, cid) is None
    last = json.loads(team("customer", "history", "明达", "--owners", "--json").stdout)[-1]
    assert (last["action"], last["from"], last["reason"]) == ("release", "wang", "no budget")


def test_cooldown_blocks_claiming_back_until_it_ends(team, make_customer, db) -> None:
    from crm_cli import pool
    from crm_cli.db.models import Customer
    from crm_cli.errors import Refused
    from crm_cli.users import get_user

    cid = make_customer("明达", owner="wang").id
    team("pool", "release", "明达", "--reason", "later", user="wang")
    result = team("pool", "claim", "明达", user="wang")
    assert result.exit_code == 4 and "pool.cooldown_days = 7" in result.stderr
    assert team("pool", "claim", "明达", user="chen").exit_code == 0  # others may
    team("pool", "release", "明达", "--reason", "x", user="chen")
    with db.write() as session, pytest.raises(Refused):
        pool.claim(session, user=get_user(session, "chen"), clock=Clock(FIXED_NOW + timedelta(days=1), TZ),
                   customers=[session.get(Customer, cid)])
    with db.write() as session:
        pool.claim(session, user=get_user(session, "wang"), clock=Clock(FIXED_NOW + timedelta(days=7, minutes=1), TZ),
                   customers=[session.get(Customer, cid)])
    assert _owner_of(db, cid) == _user_id(db, "wang")


def test_transfer_by_owner_and_by_manager_but_not_by_a_colleague(team, make_customer, db) -> None:
    cid = make_customer("明达", owner="wang").id
    assert team("customer", "transfer", "明达", "--to", "chen", user="wang").exit_code == 0
    assert team("customer", "transfer", str(cid), "--to", "wang", user="emily").exit_code == 3  # cannot see it
    team("customer", "share", str(cid), "--with", "emily", user="chen")
    result = team("customer", "transfer", str(cid), "--to", "emily", user="emily")
    assert result.exit_code == 4 and "only the owner or their manager" in result.stderr
    assert team("customer", "transfer", str(cid), "--to", "wang", "--reason", "back", user="li.na").exit_code == 0
    moves = json.loads(team("customer", "history", str(cid), "--owners", "--json").stdout)
    assert [(m["action"], m["to"], m["user"]) for m in moves][1:] == [("transfer", "chen", "wang"),
                                                                     ("transfer", "wang", "li.na")]


def test_assign_is_for_managers_and_only_to_their_team(team, make_customer, db) -> None:
    cid = make_customer("明达", owner="pool").id
    assert team("pool", "assign", str(cid), "--to", "chen", user="wang").exit_code == 4
    result = team("pool", "assign", str(cid), "--to", "emily", user="li.na")
    assert result.exit_code == 4 and "not in your team" in result.stderr
    assert team("pool", "assign", str(cid), "--to", "chen", user="li.na").exit_code == 0
    assert _owner_of(db, cid) == _user_id(db, "chen")


def test_share_and_revoke(team, make_customer) -> None:
    cid = make_customer("明达", owner="chen").id
    assert team("customer", "share", "明达", "--with", "wang", user="chen").exit_code == 0
    assert team("customer", "share", "明达", "--with", "wang", user="chen").exit_code == 4
    assert team("customer", "show", str(cid), user="wang").exit_code == 0
    assert team("customer", "share", "明达", "--with", "wang", "--revoke", user="chen").exit_code == 0
    assert team("customer", "show", str(cid), user="wang").exit_code == 3


def test_two_sessions_claiming_the_same_customer_only_one_wins(team, make_customer, db) -> None:
    from crm_cli import pool
    from crm_cli.db.models import Customer
    from crm_cli.errors import Conflict
    from crm_cli.users import get_user

    cid = make_customer("明达", owner="pool").id
    clock = Clock(FIXED_NOW, TZ)
    with db.read() as session:  # a stale copy, loaded before the other claim commits
        stale = session.get(Customer, cid)
        session.expunge(stale)
    assert team("pool", "claim", str(cid), user="chen").exit_code == 0
    with db.write() as session:
        stale = session.merge(stale, load=False)
        with pytest.raises(Conflict, match="just taken by chen"):
            pool.claim(session, user=get_user(session, "wang"), clock=clock, customers=[stale])
    assert _owner_of(db, cid) == _user_id(db, "chen")


def test_pool_list_shows_only_pool_customers(team, make_customer) -> None:
    make_customer("owned", owner="wang")
    pooled = make_customer("pooled", owner="pool").id
    assert _ids(team, "pool", "list", user="wang") == [pooled]


def test_contact_birthday_given_as_text_is_parsed(db, clock, make_customer) -> None:
    from crm_cli.contacts import add_contact
    from crm_cli.users import get_user

    customer = make_customer("明达")
    with db.write() as session:
        contact = add_contact(session, user=get_user(session, "boss"), clock=clock, customer=customer,
                              data={"name": "王强", "birthday": "1985-06-15"})
    assert contact.birthday.isoformat() == "1985-06-15"


def test_a_change_of_owner_ends_the_old_owners_shares(team, make_customer) -> None:
    cid = make_customer("明达", owner="chen").id
    team("customer", "share", "明达", "--with", "wang", user="chen")
    team("customer", "transfer", "明达", "--to", "emily", user="chen")
    assert team("customer", "show", str(cid), user="wang").exit_code == 3


def test_a_manager_edits_the_team_customers_but_a_rep_not_a_shared_one(team, make_customer) -> None:
    make_customer("team", owner="wang")
    make_customer("shared", owner="chen")
    assert team("customer", "edit", "team", "--stars", "2", user="li.na").exit_code == 0
    team("customer", "share", "shared", "--with", "wang", user="chen")
    result = team("customer", "edit", "shared", "--stars", "2", user="wang")
    assert result.exit_code == 4 and "not yours" in result.stderr


def _stale(db, cid):
    from crm_cli.db.models import Customer

    with db.read() as session:  # a copy loaded before another session's change commits
        stale = session.get(Customer, cid)
        session.expunge(stale)
    return stale


def test_claiming_a_customer_deleted_meanwhile_is_refused(team, make_customer, db) -> None:
    from crm_cli import pool
    from crm_cli.customers import delete_customer
    from crm_cli.db.models import Customer
    from crm_cli.errors import Conflict
    from crm_cli.users import get_user

    cid = make_customer("明达", owner="pool").id
    clock = Clock(FIXED_NOW, TZ)
    stale = _stale(db, cid)
    with db.write() as session:
        delete_customer(session, user=get_user(session, "boss"), clock=clock, customer=session.get(Customer, cid))
    with db.write() as session:
        stale = session.merge(stale, load=False)
        with pytest.raises(Conflict, match="just deleted"):
            pool.claim(session, user=get_user(session, "wang"), clock=clock, customers=[stale])
    assert _owner_of(db, cid) is None


def test_releasing_a_customer_that_changed_hands_meanwhile_changes_nothing(team, make_customer, db) -> None:
    from crm_cli import pool
    from crm_cli.errors import Conflict
    from crm_cli.users import get_user

    cid = make_customer("明达", owner="wang").id
    clock = Clock(FIXED_NOW, TZ)
    stale = _stale(db, cid)
    assert team("customer", "transfer", str(cid), "--to", "chen", user="li.na").exit_code == 0
    with db.write() as session:
        stale = session.merge(stale, load=False)
        with pytest.raises(Conflict, match="changed hands meanwhile: it belongs to chen"):
            pool.release(session, user=get_user(session, "li.na"), clock=clock, customer=stale, reason="idle")
    assert _owner_of(db, cid) == _user_id(db, "chen")
    with db.read() as session:
        assert [e.kind for e in pool.history(session, cid)] == ["add", "transfer"]


def test_owned_count_leaves_out_deleted_customers_and_other_owners(team, make_customer, db) -> None:
    from crm_cli import pool
    from crm_cli.customers import delete_customer
    from crm_cli.db.models import Customer
    from crm_cli.users import get_user

    kept = make_customer("甲", owner="wang").id
    gone = make_customer("乙", owner="wang").id
    make_customer("丙", owner="chen")
    make_customer("丁", owner="pool")
    with db.write() as session:
        delete_customer(session, user=get_user(session, "boss"), clock=Clock(FIXED_NOW, TZ),
                        customer=session.get(Customer, gone))
    with db.read() as session:
        assert pool.owned_count(session, _user_id(db, "wang")) == 1
    assert kept
