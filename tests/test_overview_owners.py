"""The dashboard's own numbers (crm_cli.overview) read the owner from customer_owners: led by the month's customers
for a user who owns many, by the user's own rows otherwise; both count the same customers."""

from __future__ import annotations

from datetime import timedelta

from crm_cli import agenda, overview
from crm_cli.db.models import Customer
from crm_cli.users import get_user


def test_new_this_month_and_by_level_count_the_users_live_customers(db, make_user, make_customer, clock) -> None:
    make_user("wang", role="rep")
    make_user("chen", role="rep")
    owners = ["wang"] * 56 + ["chen"] * 3 + ["pool"]
    ids = [make_customer(f"客户{n}", owner=o, level=("potential", "intent")[n % 2]).id for n, o in enumerate(owners)]
    start = clock.day_start(clock.today.replace(day=1))
    with db.write() as session:
        for n, cid in enumerate(ids):
            c = session.get(Customer, cid)
            c.created_at = start - timedelta(days=3) if n % 3 == 0 else start + timedelta(hours=n)
            c.deleted_at = clock.now if n % 7 == 0 else None
    with db.read() as session:
        every = list(session.exec(overview.select(Customer)))
        for username, many in (("wang", True), ("chen", False)):
            user = get_user(session, username)
            assert agenda.owns_many(session, user.id) is many
            mine = [c for c in every if c.owner_id == user.id and c.deleted_at is None]
            numbers = overview.month_numbers(session, user=user, clock=clock)
            assert numbers.new == sum(c.created_at >= start for c in mine) > 0, username
            by_level = overview.customers_by_level(session, user=user)
            assert by_level["potential"] + by_level["intent"] == len(mine) and by_level["intent"] > 0, username
