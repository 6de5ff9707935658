"""`crm today`: my agenda."""

from __future__ import annotations

from typing import Annotated

import typer

from crm_cli.commands import _out
from crm_cli.commands._common import read_session


def today_cmd(
    idle_days: Annotated[int | None, typer.Option(help="Idle means not followed up for N days (setting today.idle_days)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """My agenda: follow-ups due today and overdue, never-contacted and idle customers.

    Example: crm today --idle-days 14
    """
    from crm_cli import agenda

    with read_session() as (session, user, clock):
        day = agenda.today_agenda(session, user=user, clock=clock, idle_days=idle_days, brief=not as_json)
        sections = {
            "overdue": day.overdue, "due_today": day.due_today, "never_contacted": day.never_contacted,
            "idle": day.idle,
        }  # fmt: skip
        if as_json:
            from crm_cli import customers  # only here: the plain agenda needs neither it nor crm_cli.access

            _out.print_json({"user": user.username, "date": clock.today, "idle_days": day.idle_days,
                             **{k: [customers.customer_dict(c) for c in v] for k, v in sections.items()}})
            return
    titles = {
        "overdue": "Overdue follow-ups", "due_today": "Due today",
        "never_contacted": "Never contacted", "idle": f"Not followed up for {day.idle_days}+ days",
    }  # fmt: skip
    _out.info(f"{user.label} — {clock.today.isoformat()}")
    if day.empty:
        _out.info("Nothing due. ☕")
        return
    for key, found in sections.items():
        if not found:
            continue
        rows = [
            {"id": c.id, "name": c.name, "level": c.level, "phone": c.phone, "next": c.next_followup_on,
             "last": c.last_followup_at.astimezone(clock.tz).date() if c.last_followup_at else None}
            for c in found
        ]  # fmt: skip
        _out.print_table([("id", "ID"), ("name", "Customer"), ("level", "Level"), ("phone", "Phone"),
                          ("last", "Last"), ("next", "Next")], rows, title=f"{titles[key]} ({len(found)})")
