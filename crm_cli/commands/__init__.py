"""The root Typer app. Command modules are thin: parse, call a domain function, render.

Start-up speed: only Typer is imported at start-up, and the command groups are loaded lazily. Typer turns every
registered command's signature into click parameters (and a pydantic adapter per parameter) when the app starts,
which for some seventy commands costs more than the command being run; so the root group knows only the names and
one-line help of its commands (``COMMANDS``) and imports and builds a group when it is invoked. SQLModel, rich
tables, openpyxl, Textual and rapidfuzz are imported inside the commands that need them.
"""

from __future__ import annotations

from copy import copy
from importlib import import_module
from typing import Annotated, Any

import typer
from typer.core import TyperGroup
from typer.models import DefaultPlaceholder

from crm_cli.commands._common import STATE, CrmGroup

# name → (module, attribute: a Typer group or a command function, one-line help), in the order `crm --help` lists
# them. tests/test_architecture.py checks that the help here is the command's own.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "today": ("today", "today_cmd", "My agenda: follow-ups due today and overdue, never-contacted and idle customers."),
    "dashboard": ("dashboard", "dashboard_cmd", "Open the dashboard: today's agenda, customers with live search, the pool, forms."),
    "customer": ("customer", "app", "Customers: add, find, show, change."),
    "contact": ("contact", "app", "Contacts of a customer."),
    "follow": ("follow", "app", "Follow-ups (跟单): log what happened and when to call next."),
    "pool": ("pool", "app", "The public pool (公海): customers nobody owns."),
    "approvals": ("approvals", "app", "Approvals: requests to mark customers invalid (无效客户)."),
    "remind": ("remind", "remind_cmd", "Sweep customers that break the pool rules back to the pool, then show what needs attention."),
    "dedupe": ("dedupe", "dedupe_cmd", "Find clusters of likely duplicate customers (blocking + fuzzy scoring; merge them with `crm merge`)."),
    "merge": ("merge", "merge_cmd", "Merge customers into the first one: empty fields are filled from the others, contacts, follow-ups and history move over, the others are deleted."),
    "import": ("importing", "app", "Import customers, contacts and follow-ups from .xlsx or .csv: crm import FILE [options]"),
    "export": ("importing", "export_app", "Export to .xlsx or .csv."),
    "product": ("product", "app", "Products: the catalogue that deal and contract lines use."),
    "deal": ("deal", "app", "Deals (商机): opportunities through stages to won or lost."),
    "contract": ("contract", "app", "Contracts (合同): numbers, lines, totals, status, balances."),
    "payment": ("payment", "app", "Payment plans and payments received; what is due and overdue."),
    "report": ("report", "app", "Reports: customers, funnel, sales, people, pool, imports. Each takes --from/--to or --period, --json and --xlsx FILE."),
    "target": ("target", "app", "Monthly sales targets per user, for `crm report people`."),
    "user": ("user", "app", "Users: who works in the CRM, their role and manager."),
    "config": ("config", "app", "Settings: personal ones in the config file, shared ones in the database."),
    "demo": ("demo", "demo_cmd", "Build a demo database (Chinese and English companies, contacts, follow-ups) and print its path."),
}  # fmt: skip


def load_command(name: str) -> Any:
    """Import the module of command ``name`` and build its click command, with the root app's settings.

    A group's own commands are built when invoked or listed (``LazyCommands``), not all when the group is."""
    module_name, attribute, _ = COMMANDS[name]
    target = getattr(import_module(f"crm_cli.commands.{module_name}"), attribute)
    holder = typer.Typer(rich_markup_mode=None, pretty_exceptions_enable=False, add_completion=False)

    @holder.callback()
    def _holder() -> None:  # a callback makes `holder` a group even with one command
        pass

    if not isinstance(target, typer.Typer):
        holder.command(name)(target)
        return typer.main.get_command(holder).commands[name]  # type: ignore[attr-defined]
    if not isinstance(target.info.cls, DefaultPlaceholder | None):  # a group class of its own (crm import FILE)
        holder.add_typer(target, name=name)
        return typer.main.get_command(holder).commands[name]  # type: ignore[attr-defined]
    shell = copy(target)  # the group without its commands: typer builds the group, LazyCommands the commands
    shell.registered_commands = []
    holder.add_typer(shell, name=name, cls=LazyCommands)
    group = typer.main.get_command(holder).commands[name]  # type: ignore[attr-defined]
    group.pending = {info.name or typer.main.get_command_name(info.callback.__name__): info
                     for info in target.registered_commands}
    group.build = lambda info: typer.main.get_command_from_info(
        info, pretty_exceptions_short=holder.pretty_exceptions_short, rich_markup_mode=holder.rich_markup_mode)
    return group


class LazyCommands(TyperGroup):
    """A command group that builds a command (its click parameters and pydantic adapters) when it is invoked or
    listed: `crm customer list` builds one of the group's eleven commands."""

    pending: dict[str, Any]
    build: Any

    def list_commands(self, ctx: Any) -> list[str]:
        return [*self.pending, *(n for n in self.commands if n not in self.pending)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands and cmd_name in self.pending:
            self.commands[cmd_name] = self.build(self.pending[cmd_name])
        return self.commands.get(cmd_name)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] not in self.pending:  # a typo: build them all, so that typer can suggest one
            for cmd_name in self.pending:
                self.get_command(ctx, cmd_name)
        return super().resolve_command(ctx, args)


class LazyGroup(CrmGroup):
    """The root group: lists every command from ``COMMANDS`` and builds only the one that is invoked."""

    def list_commands(self, ctx: Any) -> list[str]:
        return [*COMMANDS, *(n for n in self.commands if n not in COMMANDS)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            self.commands[cmd_name] = load_command(cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = []
        limit = formatter.width - 6 - max(len(n) for n in self.list_commands(ctx))
        for name in self.list_commands(ctx):
            if name in self.commands:
                text = self.commands[name].get_short_help_str(limit)
            else:
                text = _short(COMMANDS[name][2], limit)
            rows.append((name, text))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 3, 1)].rstrip() + "..."


app = typer.Typer(
    cls=LazyGroup,
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
