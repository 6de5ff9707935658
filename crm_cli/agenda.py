"""`crm today`: my agenda — follow-ups due today and overdue, never-contacted customers, idle customers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlmodel import Session, col, select

from crm_cli.dates import Clock
from crm_cli.db.models import Customer, User


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
    if brief:
        from sqlalchemy import select as core_select

        c: Any = Customer.__table__.c  # type: ignore[attr-defined]
        base = core_select(*(c[name] for name in BRIEF_COLUMNS))

        def run(stmt: Any) -> list[Any]:
            return list(session.execute(stmt).all())
    else:
        c = Customer
        base = select(Customer)

        def run(stmt: Any) -> list[Any]:
            return list(session.exec(stmt))

    mine = [c.owner_id == user.id, col(c.deleted_at).is_(None), c.level != "invalid"]
    due = base.where(*mine, c.next_followup_on == today).order_by(c.id).limit(limit)
    overdue = base.where(*mine, col(c.next_followup_on) < today).order_by(col(c.next_followup_on), col(c.id)).limit(limit)
    never = base.where(*mine, col(c.last_followup_at).is_(None)).order_by(col(c.created_at), col(c.id)).limit(limit)
    cutoff = clock.day_start(today - timedelta(days=days))
    idle = (base.where(*mine, col(c.last_followup_at) < cutoff,
                       col(c.next_followup_on).is_(None) | (col(c.next_followup_on) > today))
            .order_by(col(c.last_followup_at)).limit(limit))
    return Agenda(
        due_today=run(due), overdue=run(overdue), never_contacted=run(never), idle=run(idle), idle_days=days,
    )  # fmt: skip
