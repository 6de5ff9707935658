"""Home's numbers (crm_cli.overview): the birthdays list, checked against a plain reading of every contact."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import TZ


def clock_on(day: date) -> Any:
    from crm_cli.dates import Clock

    return Clock(datetime(day.year, day.month, day.day, 10, 0, tzinfo=TZ), TZ)


def reference(session: Any, user: Any, clock: Any, days: int, limit: int) -> list[tuple[str, int, date]]:
    """Every contact of the user's live customers whose month-day falls in the window, soonest first, then by
    customer and contact id: the definition, without any index or query plan."""
    from sqlmodel import select

    from crm_cli.db.models import Contact, Customer

    window = {(clock.today + timedelta(days=n)).strftime("%m-%d"): n for n in range(days + 1)}
    rows = []
    for contact, customer in session.exec(select(Contact, Customer).where(Contact.customer_id == Customer.id)):
        if (customer.owner_id != user.id or customer.deleted_at is not None or contact.birthday is None
                or contact.birthday.strftime("%m-%d") not in window):
            continue
        n = window[contact.birthday.strftime("%m-%d")]
        rows.append((n, customer.id, contact.id, contact.name, clock.today + timedelta(days=n)))
    return [(name, cid, on) for _n, cid, _id, name, on in sorted(rows)[:limit]]


@pytest.fixture
def birthdays(db: Any, clock: Any, make_user: Callable[..., Any], make_customer: Callable[..., Any]) -> Any:
    """Two reps; customers of each (one of them deleted), several contacts per customer with birthdays around the
    turn of the year and around the end of February, some without a birthday."""
    from crm_cli import contacts
    from crm_cli.customers import delete_customer, resolve_customer
    from crm_cli.users import get_user

    make_user("wang", role="rep")
    make_user("li", role="rep")
    days = ["1980-12-30", "1991-12-31", "1975-01-01", "1988-01-02", "1999-01-05", "1970-01-09", "1988-02-28",
            "1992-02-29", "1985-03-01", None, "1990-12-30", "2001-01-01"]
    made = []
    for i in range(8):
        owner = "wang" if i % 3 else "li"
        made.append((make_customer(f"客户{i}", owner=owner, phone=f"0755-8600{i:04d}"), owner))
    with db.write() as session:
        boss = get_user(session, "boss")
        for k, (customer, _owner) in enumerate(made):
            c = resolve_customer(session, str(customer.id), user=boss)
            for j in range(3):
                birthday = days[(k * 5 + j * 7) % len(days)]
                contacts.add_contact(session, user=boss, clock=clock, customer=c,
                                     data={"name": f"联系人{k}-{j}", "birthday": birthday})
        gone = resolve_customer(session, str(made[1][0].id), user=boss)
        delete_customer(session, user=boss, clock=clock, customer=gone)
    return made


@pytest.mark.parametrize("today", ["2026-12-28", "2026-12-31", "2027-02-24", "2028-02-24", "2026-11-23"])
@pytest.mark.parametrize(("days", "limit"), [(7, 20), (7, 2), (0, 20), (30, 5)])
@pytest.mark.usefixtures("birthdays")
def test_upcoming_birthdays_match_a_plain_reading_of_every_contact(db: Any, today: str, days: int,
                                                                   limit: int) -> None:
    from crm_cli.overview import upcoming_birthdays
    from crm_cli.users import get_user

    clock = clock_on(date.fromisoformat(today))
    with db.read() as session:
        for name in ("wang", "li"):
            user = get_user(session, name)
            got = [(b.contact, b.customer_id, b.on) for b in
                   upcoming_birthdays(session, user=user, clock=clock, days=days, limit=limit)]
            assert got == reference(session, user, clock, days, limit)


@pytest.mark.usefixtures("birthdays")
def test_upcoming_birthdays_cross_the_year_and_name_the_customer(db: Any) -> None:
    from crm_cli.overview import upcoming_birthdays
    from crm_cli.users import get_user

    with db.read() as session:
        found = upcoming_birthdays(session, user=get_user(session, "wang"), clock=clock_on(date(2026, 12, 30)))
    assert {b.on for b in found} >= {date(2026, 12, 30), date(2027, 1, 1)}
    assert all(b.customer.startswith("客户") and b.days_away == (b.on - date(2026, 12, 30)).days for b in found)
