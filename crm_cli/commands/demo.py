"""`crm demo`: build a realistic demo database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crm_cli.commands import _out


def demo_cmd(
    customers: Annotated[int, typer.Option("--customers", "-n", help="How many customers")] = 300,
    path: Annotated[Path | None, typer.Option(help="Where to write it (default: demo.db in the user data dir)")] = None,
    seed: Annotated[int, typer.Option(help="Random seed, for a reproducible database")] = 7,
    force: Annotated[bool, typer.Option(help="Replace an existing demo file")] = False,
) -> None:
    """Build a demo database (Chinese and English companies, contacts, follow-ups) and print its path.

    It never touches your real database. Example: crm demo --customers 500 && crm --db "$(crm demo)" today
    """
    from crm_cli import demo

    target = path or demo.default_demo_path()
    built = demo.build_demo(target, customers=customers, seed=seed, replace=force)
    _out.info(f"demo database with {customers} customers; users: {', '.join(demo.DEMO_USERNAMES)} "
              f"(you are {demo.DEMO_USERNAMES[0]}: CRM_USER={demo.DEMO_USERNAMES[0]})")
    typer.echo(str(built))
