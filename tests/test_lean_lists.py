"""`crm today` and `crm customer list` read only the columns they render (agenda.today_agenda(..., brief=True),
customers.list_customers(..., columns=...)): the same customers, in the same order, with the same values as the full
Customer objects of the JSON path."""

from __future__ import annotations

from datetime import timedelta

from crm_cli import agenda
from crm_cli.agenda import BRIEF_COLUMNS
from crm_cli.db.models import Customer
from crm_cli.users import get_user


def test_brief_agenda_equals_the_full_one(db, make_customer, make_user, clock) -> None:
    make_user("wang", role="rep")
    today, now = clock.today, clock.now
    # (next follow-up, last follow-up, level, deleted): ties in every ordering key, each section's edges, rows that
    # must not appear (another owner, deleted, invalid).
    shapes = [
        (today, None, "potential", False), (today, now - timedelta(days=40), "key", False),
        (today - timedelta(days=3), now - timedelta(days=5), "intent", False),
        (today - timedelta(days=3), None, "potential", False), (today - timedelta(days=9), None, "won", False),
        (None, None, "potential", False), (None, now - timedelta(days=31), "intent", False),
        (None, now - timedelta(days=31), "key", False), (today + timedelta(days=2), now - timedelta(days=60), "won", False),
        (today + timedelta(days=2), now - timedelta(days=2), "potential", False),
        (today, None, "invalid", False), (today - timedelta(days=1), None, "potential", True),
        (None, now - timedelta(days=29), "potential", False),
    ]  # fmt: skip
    ids = []
    for n, (next_on, last_at, level, deleted) in enumerate(shapes):
        c = make_customer(f"议程客户{n}", owner="wang", phone=f"1380000{n:04d}" if n % 2 else None)
        ids.append(c.id)
        with db.write() as session:
            row = session.get(Customer, c.id)
            row.next_followup_on, row.last_followup_at, row.level = next_on, last_at, level
            row.deleted_at = now if deleted else None
    make_customer("别人的客户", owner="boss")
    with db.read() as session:
        wang = get_user(session, "wang")
        for days in (None, 30, 3, 0):
            for limit in (50, 2):
                full = agenda.today_agenda(session, user=wang, clock=clock, idle_days=days, limit=limit)
                brief = agenda.today_agenda(session, user=wang, clock=clock, idle_days=days, limit=limit, brief=True)
                assert brief.idle_days == full.idle_days and brief.empty == full.empty
                for section in ("due_today", "overdue", "never_contacted", "idle"):
                    want = [tuple(getattr(c, k) for k in BRIEF_COLUMNS) for c in getattr(full, section)]
                    got = [tuple(getattr(r, k) for k in BRIEF_COLUMNS) for r in getattr(brief, section)]
                    assert got == want, (section, days, limit)
        full = agenda.today_agenda(session, user=wang, clock=clock)
        assert all(getattr(full, s) for s in ("due_today", "overdue", "never_contacted", "idle"))
        assert full.idle[0].last_followup_at.tzinfo is not None


def test_list_of_columns_equals_the_full_list(db, make_customer, make_user, clock) -> None:
    from crm_cli import customers
    from crm_cli.commands.customer import ROW_FIELDS, row_of

    make_user("wang", role="rep")
    for n in range(7):
        make_customer(f"深圳明达{n}号科技有限公司", owner="wang" if n % 3 else "boss", phone=f"1390000{n:04d}",
                      region="华南" if n % 2 else None, stars=n % 4)
    make_customer("公海客户", owner="pool")
    queries = [
        customers.CustomerQuery(), customers.CustomerQuery(limit=3), customers.CustomerQuery(limit=3, offset=2),
        customers.CustomerQuery(search="明达", limit=2), customers.CustomerQuery(search="明达", limit=50),
        customers.CustomerQuery(sort="stars", limit=4), customers.CustomerQuery(owner="pool"),
        customers.CustomerQuery(sort="name", limit=None),
    ]  # fmt: skip
    with db.read() as session:
        for username in ("boss", "wang"):
            user = get_user(session, username)
            owners = customers.usernames(session, {u.id for u in (get_user(session, "boss"), user)})
            for q in queries:
                full = customers.list_customers_counted(session, q, user=user, clock=clock)
                lean = customers.list_customers_counted(session, q, user=user, clock=clock, columns=ROW_FIELDS)
                assert lean[1:] == full[1:]
                assert [row_of(r, owners, clock.tz) for r in lean[0]] == [row_of(c, owners, clock.tz) for c in full[0]]
                plain = customers.list_customers(session, q, user=user, clock=clock, columns=ROW_FIELDS)
                assert [r.id for r in plain] == [c.id for c in customers.list_customers(session, q, user=user,
                                                                                         clock=clock)]
            assert len(customers.list_customers(session, customers.CustomerQuery(), user=user, clock=clock)) > 1


def test_the_agenda_is_the_same_led_by_the_date_or_by_the_owner(db, make_customer, make_user, clock) -> None:
    """A short agenda of a user who owns many customers walks the dates and checks the owner (crm_cli.agenda
    .owns_many); a long one reads the owner's customers: both give the same customers, in the same order, and
    none of another owner's."""
    make_user("wang", role="rep")
    today, now = clock.today, clock.now
    for n in range(16):
        owner = "wang" if n % 4 else "boss"  # boss's customers lie between wang's on every date
        c = make_customer(f"议程{n}", owner=owner)
        with db.write() as session:
            row = session.get(Customer, c.id)
            row.next_followup_on = (today, today - timedelta(days=n % 3 + 1), None)[n % 3]
            row.last_followup_at = None if n % 2 else now - timedelta(days=40 + n)
    with db.read() as session:
        wang = get_user(session, "wang")
        assert agenda.owns_many(session, wang.id, page=2) and not agenda.owns_many(session, wang.id, page=50)
        long = agenda.today_agenda(session, user=wang, clock=clock, idle_days=30, limit=50)
        short = agenda.today_agenda(session, user=wang, clock=clock, idle_days=30, limit=2)
        for section in ("due_today", "overdue", "never_contacted", "idle"):
            assert [c.id for c in getattr(short, section)] == [c.id for c in getattr(long, section)][:2], section
            assert all(c.owner_id == wang.id for c in getattr(long, section)), section
            assert len(getattr(long, section)) >= 2, section
