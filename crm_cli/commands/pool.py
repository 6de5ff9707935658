"""`crm pool ...`: the public pool (公海) — list, claim, release, assign."""

from __future__ import annotations

from typing import Annotated

import typer

from crm_cli.commands import _out
from crm_cli.commands._common import write_session
from crm_cli.commands.customer import CsvOpt, IdsOpt, JsonOpt, RefArg, show_customer_list

app = typer.Typer(help="The public pool (公海): customers nobody owns.", no_args_is_help=True)

RefsArg = Annotated[list[str], typer.Argument(help="Customer ids, codes or names")]


@app.command("list")
def list_cmd(
    level: Annotated[list[str] | None, typer.Option(help="Level (repeatable); invalid customers only when asked")] = None,
    stars: Annotated[str | None, typer.Option(help="At least this many stars (0 to 5)")] = None,
    source: Annotated[str | None, typer.Option()] = None,
    region: Annotated[str | None, typer.Option()] = None,
    industry: Annotated[str | None, typer.Option()] = None,
    due: Annotated[str | None, typer.Option(help="today, overdue or week (next follow-up date)")] = None,
    idle_days: Annotated[int | None, typer.Option(help="Not followed up for N days (or never)")] = None,
    search: Annotated[str | None, typer.Option("--search", "-s", help="Text in name, code, contacts, phones, e-mails")] = None,
    target: Annotated[bool | None, typer.Option("--target/--no-target", help="Only target / non-target")] = None,
    sort: Annotated[str, typer.Option(help="id, name, created, updated, next, last, stars, level (- for reverse)")] = "id",
    limit: Annotated[int, typer.Option(help="At most this many rows (0: all)")] = 50,
    offset: Annotated[int, typer.Option(help="Skip this many rows")] = 0,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
    ids: IdsOpt = False,
) -> None:
    """List the customers in the public pool (same filters and outputs as `crm customer list`).

    Example: crm pool list --region 深圳 --search 电子
    """
    from crm_cli import customers
    from crm_cli.vocab import Level

    fmt = _out.list_format(as_json, as_csv, ids)
    levels = level or [lv.value for lv in Level if lv is not Level.INVALID]
    query = customers.CustomerQuery(
        level=levels, min_stars=stars, owner="pool", source=source, region=region, industry=industry, due=due,
        idle_days=idle_days, search=search, is_target=target, sort=sort, limit=limit or None, offset=offset,
    )  # fmt: skip
    show_customer_list(query, fmt, title="Public pool (公海)")


@app.command("claim")
def claim_cmd(refs: RefsArg) -> None:
    """Claim customers from the public pool (all or nothing: refused beyond your cap or during a cooldown).

    Example: crm pool claim 42 "明达电子"
    """
    from crm_cli import pool

    with write_session() as (session, user, clock):
        found = [pool.resolve_for_pool(session, ref, user=user) for ref in refs]
        claimed = pool.claim(session, user=user, clock=clock, customers=found)
    for customer in claimed:
        _out.ok(f"Claimed {customer.label}")


@app.command("release")
def release_cmd(
    ref: RefArg,
    reason: Annotated[str, typer.Option(help="Why it goes back to the pool (required)")],
) -> None:
    """Return one of your customers to the public pool.

    Example: crm pool release 42 --reason "no budget this year"
    """
    from crm_cli import customers, pool

    with write_session() as (session, user, clock):
        customer = customers.resolve_customer(session, ref, user=user)
        pool.release(session, user=user, clock=clock, customer=customer, reason=reason)
    _out.ok(f"Released {customer.label} to the pool")


@app.command("assign")
def assign_cmd(
    refs: RefsArg,
    to: Annotated[str, typer.Option("--to", help="User name of the new owner")],
    reason: Annotated[str | None, typer.Option(help="Why (kept in the history)")] = None,
) -> None:
    """Give pool customers to a user (managers — to their team —, admins and assistants).

    Example: crm pool assign 42 43 --to wang.fang
    """
    from crm_cli import pool
    from crm_cli.users import get_user

    with write_session() as (session, user, clock):
        target = get_user(session, to)
        found = [pool.resolve_for_pool(session, ref, user=user) for ref in refs]
        done = pool.assign(session, user=user, clock=clock, customers=found, to=target, reason=reason)
    for customer in done:
        _out.ok(f"Assigned {customer.label} to {target.username}")
