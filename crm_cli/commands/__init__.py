"""The root Typer app. Command modules are thin: parse, call a domain function, render.

Only Typer is imported at start-up; SQLModel, rich tables, openpyxl, Textual and rapidfuzz are imported inside the
commands that need them, so `crm --help` stays fast.
"""

from __future__ import annotations

from typing import Annotated

import typer

from crm_cli.commands import config as config_cmds
from crm_cli.commands import contact, customer, follow, user
from crm_cli.commands._common import STATE, CrmGroup
from crm_cli.commands.dashboard import dashboard_cmd
from crm_cli.commands.demo import demo_cmd
from crm_cli.commands.today import today_cmd

app = typer.Typer(
    cls=CrmGroup,
    name="crm",
    help="crm — a customer management system for the terminal.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        from crm_cli import __version__

        typer.echo(f"crm_cli {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    db: Annotated[str | None, typer.Option("--db", help="Database file (default: $CRM_DB, config, user data dir)",
                                           envvar=None)] = None,
    as_user: Annotated[str | None, typer.Option("--as", help="Act as this user (default: $CRM_USER, config, login)")] = None,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version")] = False,
) -> None:
    """crm — customers, follow-ups and the public pool, from the terminal."""
    STATE.db_path = db
    STATE.username = as_user
    STATE.config = None
    STATE._db = None


app.add_typer(customer.app, name="customer")
app.add_typer(contact.app, name="contact")
app.add_typer(follow.app, name="follow")
app.command("today")(today_cmd)
app.add_typer(user.app, name="user")
app.add_typer(config_cmds.app, name="config")
app.command("demo")(demo_cmd)
from crm_cli.commands import pool as pool_cmds  # noqa: E402

app.add_typer(pool_cmds.app, name="pool")
app.command("remind")(__import__("crm_cli.commands.remind", fromlist=["remind_cmd"]).remind_cmd)
from crm_cli.commands import product as product_cmds  # noqa: E402

app.add_typer(product_cmds.app, name="product")
from crm_cli.commands import deal as deal_cmds  # noqa: E402

app.add_typer(deal_cmds.app, name="deal")
from crm_cli.commands import contract as contract_cmds  # noqa: E402

app.add_typer(contract_cmds.app, name="contract")
from crm_cli.commands import payment as payment_cmds  # noqa: E402

app.add_typer(payment_cmds.app, name="payment")
from crm_cli.commands import dedupe as dedupe_cmds  # noqa: E402
from crm_cli.commands import merge as merge_cmds  # noqa: E402

app.command("dedupe")(dedupe_cmds.dedupe_cmd)
app.command("merge")(merge_cmds.merge_cmd)
app.command("dashboard")(dashboard_cmd)
