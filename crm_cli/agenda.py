"""`crm today`: my agenda — follow-ups due today and overdue, never-contacted customers, idle customers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

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


def today_agenda(session: Session, *, user: User, clock: Clock, idle_days: int | None = None, limit: int = 50) -> Agenda:
    from crm_cli.settings import get_setting

    days = idle_days if idle_days is not None else int(get_setting(session, "today.idle_days"))
    today = clock.today
    mine = [Customer.owner_id == user.id, col(Customer.deleted_at).is_(None), Customer.level != "invalid"]
    due = select(Customer).where(*mine, Customer.next_followup_on == today).order_by(Customer.id).limit(limit)
    overdue = (select(Customer).where(*mine, col(Customer.next_followup_on) < today)
               .order_by(col(Customer.next_followup_on), col(Customer.id)).limit(limit))
    never = (select(Customer).where(*mine, col(Customer.last_followup_at).is_(None))
             .order_by(col(Customer.created_at), col(Customer.id)).limit(limit))
    cutoff = clock.day_start(today - timedelta(days=days))
    idle = (select(Customer).where(*mine, col(Customer.last_followup_at) < cutoff,
                                   col(Customer.next_followup_on).is_(None) | (col(Customer.next_followup_on) > today))
            .order_by(col(Customer.last_followup_at)).limit(limit))
    return Agenda(
        due_today=list(session.exec(due)), overdue=list(session.exec(overdue)),
        never_contacted=list(session.exec(never)), idle=list(session.exec(idle)), idle_days=days,
    )  # fmt: skip
