"""`customers.list_customers_counted` (one scan for a search) gives exactly `list_customers` + `count_customers`."""

from __future__ import annotations

import itertools

import pytest

from crm_cli import customers
from crm_cli.customers import CustomerQuery
from crm_cli.users import get_user

NAMES = ["深圳市明达电子科技有限公司", "明达", "上海明达贸易", "华信科技", "明达电子", "Orion Trading", "orion 明达",
         "北京明达", "明", "达明", "杭州市明达新材料有限公司", "明达电子"]


@pytest.fixture
def many(db, make_user, make_customer) -> None:
    make_user("rep1", role="rep")
    for i, name in enumerate(NAMES):
        owner = ("boss", "rep1", "pool")[i % 3]
        make_customer(name, owner=owner, stars=i % 4, level=("potential", "intent", "key")[i % 3])
    make_customer("无效的公海客户", owner="pool", level="invalid")  # hidden from reps


@pytest.mark.usefixtures("many")
@pytest.mark.parametrize("username", ["boss", "rep1"])
def test_a_counted_page_is_the_page_and_the_count(db, clock, username) -> None:
    searches = ["明达", "明", "明达电子", "orion", "明达 电子", "nothing", "%", "_"]
    sorts = ["id", "-id", "name", "-name", "stars", "level"]
    with db.read() as session:
        user = get_user(session, username)
        for search, sort, limit, offset in itertools.product(searches, sorts, [1, 2, 3, 50], [0, 1, 4, 20]):
            query = CustomerQuery(search=search, sort=sort, limit=limit, offset=offset)
            found, total, more = customers.list_customers_counted(session, query, user=user, clock=clock)
            expected = customers.list_customers(session, query, user=user, clock=clock)
            assert [c.id for c in found] == [c.id for c in expected], (search, sort, limit, offset)
            if len(expected) == limit:
                assert total == customers.count_customers(session, query, user=user, clock=clock)
            else:
                assert total is None
            assert more is False


@pytest.mark.usefixtures("many")
def test_a_counted_page_without_search_or_limit(db, clock) -> None:
    with db.read() as session:
        boss = get_user(session, "boss")
        found, total, more = customers.list_customers_counted(session, CustomerQuery(limit=5), user=boss,
                                                              clock=clock)
        assert [c.id for c in found] == [c.id for c in customers.list_customers(session, CustomerQuery(limit=5),
                                                                                 user=boss, clock=clock)]
        assert (total, more) == (len(NAMES) + 1, False)  # with the invalid pool customer: the admin sees it
        everything, total, _ = customers.list_customers_counted(session, CustomerQuery(search="明达", limit=None),
                                                             user=boss, clock=clock)
        assert len(everything) == sum("明达" in n for n in NAMES) and total is None


def test_a_counted_search_refuses_an_unknown_sort(db, make_user, clock) -> None:
    from crm_cli.errors import InvalidInput

    make_user()
    with db.read() as session, pytest.raises(InvalidInput, match="unknown sort"):
        customers.list_customers_counted(session, CustomerQuery(search="x", sort="colour"), user=get_user(
            session, "boss"), clock=clock)


@pytest.mark.usefixtures("many")
@pytest.mark.parametrize("username", ["boss", "rep1"])
def test_the_default_page_read_in_id_order_is_the_filtered_page(db, clock, username) -> None:
    """The plain id-ordered listing is planned without indexes (dialect.no_index); the same customers come back
    as through another plan (sorted by name, then re-sorted by id)."""
    with db.read() as session:
        user = get_user(session, username)
        visible = sorted(c.id for c in customers.list_customers(session, CustomerQuery(sort="name", limit=None),
                                                                user=user, clock=clock))
        for sort, limit, offset in itertools.product(["id", "-id"], [1, 3, 50], [0, 2, 30]):
            page = customers.list_customers(session, CustomerQuery(sort=sort, limit=limit, offset=offset),
                                            user=user, clock=clock)
            ordered = visible if sort == "id" else visible[::-1]
            assert [c.id for c in page] == ordered[offset:offset + limit]
    assert (username == "rep1") == (len(visible) < len(NAMES) + 1)


@pytest.mark.usefixtures("many")
@pytest.mark.parametrize("username", ["boss", "rep1"])
def test_a_count_up_to_a_limit_stops_there_and_says_so(db, clock, username) -> None:
    with db.read() as session:
        user = get_user(session, username)
        for query in (CustomerQuery(), CustomerQuery(level=["intent"]), CustomerQuery(search="明达")):
            exact = customers.count_customers(session, query, user=user, clock=clock)
            for limit in range(1, exact + 2):
                counted = customers.count_customers_upto(session, query, user=user, clock=clock, limit=limit)
                assert counted == (min(exact, limit), exact > limit)


@pytest.mark.usefixtures("many")
def test_the_caption_says_plus_when_the_count_stopped(cli, monkeypatch) -> None:
    monkeypatch.setattr(customers, "COUNT_LIMIT", 5)
    assert "2 of 5+ shown" in cli("customer", "list", "--limit", "2").output
    monkeypatch.setattr(customers, "COUNT_LIMIT", 100)
    assert f"2 of {len(NAMES) + 1} shown" in cli("customer", "list", "--limit", "2").output


def test_owner_and_idle_filters_match_the_customers_own_rows(db, make_user, make_customer, clock) -> None:
    """The owner, visibility and idle conditions (customer_owners, read row by row or led by the owner index) pick
    exactly the customers that a check of each loaded customer picks."""
    from datetime import timedelta

    from crm_cli import pool
    from crm_cli.access import can_see
    from crm_cli.db.models import Customer

    make_user("li.na", role="manager")
    make_user("wang", role="rep", manager="li.na")
    make_user("chen", role="rep")
    owners = ["boss", "wang", "chen", "pool", "li.na", "wang", "pool", "chen"]
    ids = [make_customer(f"客户{i}", owner=o, level="invalid" if i == 6 else "potential").id
           for i, o in enumerate(owners)]
    with db.write() as session:
        for n, cid in enumerate(ids):
            c = session.get(Customer, cid)
            c.last_followup_at = None if n % 3 == 0 else clock.now - timedelta(days=10 * n)
            c.deleted_at = clock.now if n == 5 else None
        pool.share(session, user=get_user(session, "chen"), clock=clock, customer=session.get(Customer, ids[2]),
                   with_user=get_user(session, "wang"))
    with db.read() as session:
        every = list(session.exec(customers.select(Customer)))
        ids_of = {name: get_user(session, name).id for name in ("wang", "chen")}
        for username in ("boss", "li.na", "wang", "chen"):
            user = get_user(session, username)
            for owner, idle in itertools.product(["all", "me", "pool", "wang", "chen"], [None, 0, 25]):
                cutoff = clock.day_start(clock.today - timedelta(days=idle)) if idle is not None else None
                wanted_owner = user.id if owner == "me" else None if owner in ("all", "pool") else ids_of[owner]
                want = sorted(
                    c.id for c in every
                    if c.deleted_at is None and can_see(user, c, session)
                    and (owner == "all" or (c.owner_id is None if owner == "pool" else c.owner_id == wanted_owner))
                    and (cutoff is None or c.last_followup_at is None or c.last_followup_at < cutoff))
                for limit in (None, 2):
                    query = CustomerQuery(owner=owner, idle_days=idle, limit=limit)
                    got = [c.id for c in customers.list_customers(session, query, user=user, clock=clock)]
                    assert got == want[:limit], (username, owner, idle, limit)
                    found, total, _more = customers.list_customers_counted(session, query, user=user, clock=clock)
                    assert total in (None, len(want)), (username, owner, idle, limit)
