"""`crm today`: my agenda — follow-ups due today and overdue, never-contacted customers, idle customers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlmodel import Session, col, select

from crm_cli.dates import Clock
from crm_cli.db.models import Customer, CustomerOwner, User


@dataclass
class Agenda:
    due_today: list[Customer] = field(default_factory=list)
    overdue: list[Customer] = field(default_factory=list)
    never_contacted: list[Customer] = field(default_factory=list)
    idle: list[Customer] = field(default_factory=list)
    idle_days: int = 30

    @property
    def empty(self) -> bool:
        return not (self.due_today or self.overdue or self.never_contacted or self.idle)


# The columns `crm today` renders: `today_agenda(..., brief=True)` reads only these (a small Core select compiles
# and loads several times faster than the whole Customer entity), as rows with the same attribute names.
BRIEF_COLUMNS = ("id", "name", "level", "phone", "next_followup_on", "last_followup_at")


def today_agenda(
    session: Session, *, user: User, clock: Clock, idle_days: int | None = None, limit: int = 50, brief: bool = False
) -> Agenda:
    """The agenda's four lists; with ``brief`` each list holds rows of BRIEF_COLUMNS instead of Customer objects."""
    from crm_cli.settings import get_setting

    days = idle_days if idle_days is not None else int(get_setting(session, "today.idle_days"))
    today = clock.today
    # The owner and the follow-up clock are columns of customer_owners, joined by primary key.
    o: Any = CustomerOwner.__table__.c  # type: ignore[attr-defined]
    if brief:
        from sqlalchemy import select as core_select

        c: Any = Customer.__table__.c  # type: ignore[attr-defined]
        base = core_select(*(o[name] if name == "last_followup_at" else c[name] for name in BRIEF_COLUMNS))

        def run(stmt: Any) -> list[Any]:
            return list(session.execute(stmt).all())
    else:
        c = Customer
        base = select(Customer)

        def run(stmt: Any) -> list[Any]:
            return list(session.exec(stmt))

    base = base.join(CustomerOwner.__table__, o.customer_id == c.id)  # type: ignore[attr-defined]
    owner = o.owner_id == user.id
    live = [col(c.deleted_at).is_(None), c.level != "invalid"]
    # Due today, overdue, never contacted: the owner is in customer_owners, the dates in customers, so no index
    # holds both. A user who owns many customers (a rep's 28k of 100k) is best served by walking customers in date
    # order (ix_customers_due, ix_customers_report for created_at) and checking the owner by primary
    # key, which stops after the page (overdue: 1 ms instead of 66 ms led by the owner); one who owns few (a
    # manager's none) by their own rows in customer_owners. no_index hides the other side from the planner.
    from crm_cli.db.dialect import no_index

    def keep(cond: Any) -> Any:
        return cond

    by_owner, by_customer = (no_index, keep) if owns_many(session, user.id, page=limit) else (keep, no_index)
    led = [by_owner(owner), *live]
    due = base.where(*led, by_customer(c.next_followup_on == today)).order_by(c.id).limit(limit)
    overdue = (base.where(*led, by_customer(col(c.next_followup_on) < today))
               .order_by(col(c.next_followup_on), col(c.id)).limit(limit))
    never = (base.where(*led, by_owner(o.last_followup_at.is_(None)))
             .order_by(col(c.created_at), col(c.id)).limit(limit))
    # Idle: ix_customer_owners_clock holds the owner and the clock, in order.
    cutoff = clock.day_start(today - timedelta(days=days))
    idle = (base.where(owner, *live, o.last_followup_at < cutoff,
                       col(c.next_followup_on).is_(None) | (col(c.next_followup_on) > today))
            .order_by(o.last_followup_at).limit(limit))
    return Agenda(
        due_today=run(due), overdue=run(overdue), never_contacted=run(never), idle=run(idle), idle_days=days,
    )  # fmt: skip


def owns_many(session: Session, user_id: int | None, page: int = 50) -> bool:
    """Whether ``user_id`` owns more than about sqrt(page x customers) customers: then a walk in date order finds a
    page of theirs sooner (about page x customers / owned rows) than reading all they own. Counts at most that many
    entries of ix_customer_owners_owner."""
    from sqlalchemy import func
    from sqlalchemy import select as core_select

    o: Any = CustomerOwner.__table__.c  # type: ignore[attr-defined]
    customers = session.execute(core_select(func.max(o.customer_id))).scalar() or 0
    threshold = int((page * customers) ** 0.5)
    owned = core_select(o.customer_id).where(o.owner_id == user_id).limit(threshold + 1).subquery()
    return int(session.execute(core_select(func.count()).select_from(owned)).scalar() or 0) > threshold
