"""`crm follow ...`: log and list follow-ups (跟单)."""

from __future__ import annotations

from typing import Annotated

import typer

from crm_cli.commands import _out
from crm_cli.commands._common import read_session, write_session

app = typer.Typer(help="Follow-ups (跟单): log what happened and when to call next.", no_args_is_help=True)


@app.command("add")
def add_cmd(
    customer: Annotated[str, typer.Argument(help="Customer id, code or name")],
    content: Annotated[str, typer.Argument(help="What happened")],
    method: Annotated[str, typer.Option("--method", "-m", help="phone|visit|email|wechat|meeting|other or 电话|拜访|…")] = "phone",
    next_on: Annotated[str | None, typer.Option("--next", "-n", help="Next follow-up date: 2026-12-05, +3d, friday…")] = None,
    plan: Annotated[str | None, typer.Option(help="What to do next time")] = None,
    at: Annotated[str | None, typer.Option(help="When it happened (default now), e.g. '2026-11-20 15:00' or yesterday")] = None,
    quiet: Annotated[bool, typer.Option("-q", "--ids", help="Print only the new id")] = False,
) -> None:
    """Log a follow-up; the customer's next date and last contact are updated.

    Example: crm follow add 明达 "报价已发，客户下周决定" --method 电话 --next +7d --plan "确认订单"
    """
    from crm_cli import customers, followups

    with write_session() as (session, user, clock):
        target = customers.resolve_customer(session, customer, user=user)
        record = followups.log_followup(
            session, user=user, clock=clock, customer=target, content=content, method=method,
            at=clock.parse_datetime(at) if at else None, next_on=clock.parse_date(next_on) if next_on else None,
            plan=plan,
        )  # fmt: skip
    if quiet:
        _out.print_ids([record.id])
    else:
        nxt = f", next on {record.next_on.isoformat()}" if record.next_on else ""
        _out.ok(f"Logged follow-up #{record.id} for #{target.id} {target.name}{nxt}")
        if record.next_on is None:
            _out.info(f"  no next follow-up planned: plan one with `crm follow next {target.id} +7d`")


@app.command("next")
def next_cmd(
    customer: Annotated[str, typer.Argument(help="Customer id, code or name")],
    when: Annotated[str, typer.Argument(help="The next follow-up date (+3d, friday, 下周五, 2026-12-05…) or none")],
) -> None:
    """Plan (or move, or clear with 'none') the customer's next follow-up without logging a contact.

    Example: crm follow next 明达 下周五
    """
    from crm_cli import customers, followups

    with write_session() as (session, user, clock):
        target = customers.resolve_customer(session, customer, user=user)
        next_on = None if when.strip().lower() in ("none", "clear", "无", "-") else clock.parse_date(when)
        changed = followups.set_next_followup(session, user=user, clock=clock, customer=target, next_on=next_on)
    what = next_on.isoformat() if next_on else "none"
    if changed:
        _out.ok(f"Next follow-up of #{target.id} {target.name}: {what}")
    else:
        _out.info(f"#{target.id} {target.name}: next follow-up already {what}")


@app.command("list")
def list_cmd(
    customer: Annotated[str | None, typer.Argument(help="Only this customer (id, code or name)")] = None,
    mine: Annotated[bool, typer.Option("--mine", help="Only follow-ups I logged")] = False,
    since: Annotated[str | None, typer.Option(help="Only since this date, e.g. -7d or 2026-11-01")] = None,
    limit: Annotated[int, typer.Option(help="At most this many (0: all)")] = 50,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    as_csv: Annotated[bool, typer.Option("--csv")] = False,
    ids: Annotated[bool, typer.Option("-q", "--ids")] = False,
) -> None:
    """List follow-ups, newest first.

    Example: crm follow list 明达 --since -30d
    """
    from crm_cli import customers, followups

    fmt = _out.list_format(as_json, as_csv, ids)
    with read_session() as (session, user, clock):
        target = customers.resolve_customer(session, customer, user=user) if customer else None
        found = followups.list_followups(
            session, user=user, customer=target, mine=mine,
            since=clock.day_start(clock.parse_date(since)) if since else None, limit=limit or None,
        )  # fmt: skip
        from crm_cli.db.models import Customer

        names = customers.usernames(session, {f.user_id for f in found})
        cnames = {f.customer_id: (session.get(Customer, f.customer_id).name) for f in found}  # type: ignore[union-attr]
    rows = [
        {"id": f.id, "at": f.at.astimezone(clock.tz) if f.at else None, "customer_id": f.customer_id,
         "customer": cnames[f.customer_id], "user": names.get(f.user_id),  # type: ignore[arg-type]
         "method": f.method, "content": f.content, "next_on": f.next_on, "plan": f.plan}
        for f in found
    ]  # fmt: skip
    columns = [("id", "ID"), ("at", "When"), ("customer", "Customer"), ("user", "By"), ("method", "How"),
               ("content", "What"), ("next_on", "Next"), ("plan", "Plan")]  # fmt: skip
    _out.emit_list(fmt, columns, rows, title="Follow-ups")
