"""`crm target ...`: monthly sales targets per user (deals won, amount), shown by `crm report people`."""

from __future__ import annotations

from typing import Annotated

import typer

from crm_cli.commands import _out
from crm_cli.commands._common import read_session, write_session

app = typer.Typer(help="Monthly sales targets per user, for `crm report people`.", no_args_is_help=True)


@app.command("set")
def set_cmd(
    username: Annotated[str, typer.Argument(help="User name")],
    month: Annotated[str, typer.Argument(help="Month, e.g. 2026-12")],
    won: Annotated[int | None, typer.Option("--won", help="Deals to win in the month")] = None,
    amount: Annotated[str | None, typer.Option("--amount", help="Amount to win in the month, e.g. 100000")] = None,
) -> None:
    """Set a user's target for a month (admins, or the user's manager).

    Example: crm target set wang.fang 2026-12 --won 5 --amount 100000
    """
    from crm_cli import reports

    with write_session() as (session, user, clock):
        target = reports.set_target(session, user=user, clock=clock, username=username, month=month, won=won,
                                    amount=amount)
        won_text = "–" if target.won is None else str(target.won)
        amount_text = "–" if target.amount_cents is None else f"{reports.money(target.amount_cents):,.2f}"
    _out.ok(f"Target for {username} in {target.month}: won {won_text}, amount {amount_text}")


@app.command("list")
def list_cmd(
    month: Annotated[str | None, typer.Option("--month", help="Only this month, e.g. 2026-12")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    as_csv: Annotated[bool, typer.Option("--csv")] = False,
) -> None:
    """List the targets I may see (mine; my team's; everyone's for admins).

    Example: crm target list --month 2026-12
    """
    from crm_cli import reports

    fmt = _out.list_format(as_json, as_csv, False)
    with read_session() as (session, user, _clock):
        rows = reports.list_targets(session, user=user, month=month)
    _out.emit_list(fmt, [("user", "User"), ("month", "Month"), ("won", "Won"), ("amount", "Amount")], rows,
                   title="Targets")
