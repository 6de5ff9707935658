"""`crm user ...`: add, list, edit users."""

from __future__ import annotations

from typing import Annotated

import typer

from crm_cli.commands import _out
from crm_cli.commands._common import read_session, write_session

app = typer.Typer(help="Users: who works in the CRM, their role and manager.", no_args_is_help=True)


@app.command("add")
def add_cmd(
    username: Annotated[str, typer.Argument(help="Login name, e.g. li.na")],
    name: Annotated[str | None, typer.Option(help="Display name, e.g. 李娜")] = None,
    email: Annotated[str | None, typer.Option()] = None,
    role: Annotated[str, typer.Option(help="rep, manager, admin or assistant")] = "rep",
    manager: Annotated[str | None, typer.Option(help="User name of their manager")] = None,
) -> None:
    """Add a user (admins only; the first user of a new database becomes admin).

    Example: crm user add li.na --name 李娜 --role rep --manager zhang.wei
    """
    from crm_cli import users

    with write_session() as (session, actor, clock):
        user = users.add_user(session, actor=actor, clock=clock, username=username, display_name=name,
                              email=email, role=role, manager=manager)
    _out.ok(f"Added user {user.label} ({user.role})")


@app.command("list")
def list_cmd(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    as_csv: Annotated[bool, typer.Option("--csv")] = False,
    ids: Annotated[bool, typer.Option("-q", "--ids")] = False,
) -> None:
    """List users.

    Example: crm user list
    """
    from crm_cli import users

    fmt = _out.list_format(as_json, as_csv, ids)
    with read_session() as (session, me, _clock):
        everyone = users.list_users(session)
        by_id = {u.id: u.username for u in everyone}
        rows = [
            {"id": u.id, "username": u.username, "name": u.display_name, "role": u.role, "email": u.email,
             "manager": by_id.get(u.manager_id) if u.manager_id else None, "active": u.active,
             "me": "*" if u.id == me.id else ""}
            for u in everyone
        ]  # fmt: skip
    _out.emit_list(fmt, [("me", ""), ("id", "ID"), ("username", "User"), ("name", "Name"), ("role", "Role"),
                         ("manager", "Manager"), ("email", "E-mail"), ("active", "Active")], rows)


@app.command("edit")
def edit_cmd(
    username: Annotated[str, typer.Argument(help="Login name")],
    name: Annotated[str | None, typer.Option(help="Display name")] = None,
    email: Annotated[str | None, typer.Option()] = None,
    role: Annotated[str | None, typer.Option(help="rep, manager, admin or assistant")] = None,
    manager: Annotated[str | None, typer.Option(help="Manager's user name ('none' to clear)")] = None,
    active: Annotated[bool | None, typer.Option("--active/--inactive", help="Activate or deactivate")] = None,
) -> None:
    """Change a user (admins only).

    Example: crm user edit li.na --role manager
    """
    from crm_cli import users

    with write_session() as (session, actor, _clock):
        user = users.edit_user(session, actor=actor, username=username, display_name=name, email=email, role=role,
                               manager=manager, active=active)
    _out.ok(f"Updated user {user.label}")
