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
            found, total = customers.list_customers_counted(session, query, user=user, clock=clock)
            expected = customers.list_customers(session, query, user=user, clock=clock)
            assert [c.id for c in found] == [c.id for c in expected], (search, sort, limit, offset)
            if len(expected) == limit:
                assert total == customers.count_customers(session, query, user=user, clock=clock)
            else:
                assert total is None


@pytest.mark.usefixtures("many")
def test_a_counted_page_without_search_or_limit(db, clock) -> None:
    with db.read() as session:
        boss = get_user(session, "boss")
        found, total = customers.list_customers_counted(session, CustomerQuery(limit=5), user=boss, clock=clock)
        assert [c.id for c in found] == [c.id for c in customers.list_customers(session, CustomerQuery(limit=5),
                                                                                 user=boss, clock=clock)]
        assert total == len(NAMES) + 1  # with the invalid pool customer: the admin sees it
        everything, total = customers.list_customers_counted(session, CustomerQuery(search="明达", limit=None),
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
