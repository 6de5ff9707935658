"""`crm contact ...`: add, list, edit, delete contacts of a customer."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from crm_cli.commands import _out
from crm_cli.commands._common import read_session, write_session

app = typer.Typer(help="Contacts of a customer.", no_args_is_help=True)

COLUMNS = [("id", "ID"), ("primary", ""), ("name", "Name"), ("title", "Title"), ("department", "Dept"),
           ("mobile", "Mobile"), ("phone", "Phone"), ("email", "E-mail"), ("wechat", "WeChat"),
           ("birthday", "Birthday")]  # fmt: skip


def _data(clock: Any, **values: Any) -> dict[str, Any]:
    out = {k: v for k, v in values.items() if v is not None}
    if isinstance(out.get("birthday"), str):
        out["birthday"] = None if out["birthday"] == "" else clock.parse_date(out["birthday"])
    return out


@app.command("add")
def add_cmd(
    customer: Annotated[str, typer.Argument(help="Customer id, code or name")],
    name: Annotated[str, typer.Argument(help="Contact's name")],
    title: Annotated[str | None, typer.Option(help="Job title")] = None,
    department: Annotated[str | None, typer.Option()] = None,
    mobile: Annotated[str | None, typer.Option()] = None,
    phone: Annotated[str | None, typer.Option()] = None,
    email: Annotated[str | None, typer.Option()] = None,
    wechat: Annotated[str | None, typer.Option()] = None,
    birthday: Annotated[str | None, typer.Option(help="Date, e.g. 1985-06-15")] = None,
    notes: Annotated[str | None, typer.Option()] = None,
    primary: Annotated[bool, typer.Option("--primary", help="Make this the primary contact")] = False,
    force: Annotated[bool, typer.Option(help="Add even if the customer has a contact of that name and mobile")] = False,
    quiet: Annotated[bool, typer.Option("-q", "--ids", help="Print only the new id")] = False,
) -> None:
    """Add a contact to a customer (the first one becomes primary). A contact the customer already has (same name
    and mobile, phone or e-mail) is refused with exit 4 unless --force.

    Example: crm contact add 明达 王强 --title 采购经理 --mobile 13812345678 --birthday 1985-06-15
    """
    from crm_cli import contacts, customers

    with write_session() as (session, user, clock):
        target = customers.resolve_customer(session, customer, user=user)
        data = _data(clock, name=name, title=title, department=department, mobile=mobile, phone=phone, email=email,
                     wechat=wechat, birthday=birthday, notes=notes)
        if primary:
            data["is_primary"] = True
        contact = contacts.add_contact(session, user=user, clock=clock, customer=target, data=data, force=force)
    if quiet:
        _out.print_ids([contact.id])
    else:
        _out.ok(f"Added contact #{contact.id} {contact.name} to #{target.id} {target.name}")


@app.command("list")
def list_cmd(
    customer: Annotated[str, typer.Argument(help="Customer id, code or name")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
    as_csv: Annotated[bool, typer.Option("--csv")] = False,
    ids: Annotated[bool, typer.Option("-q", "--ids")] = False,
) -> None:
    """List a customer's contacts (primary first).

    Example: crm contact list 明达
    """
    from crm_cli import contacts, customers

    fmt = _out.list_format(as_json, as_csv, ids)
    with read_session() as (session, user, _clock):
        target = customers.resolve_customer(session, customer, user=user)
        rows = [c.model_dump() | {"primary": "*" if c.is_primary else ""} for c in contacts.list_contacts(session, target)]
    _out.emit_list(fmt, COLUMNS, rows, title=f"Contacts of #{target.id} {target.name}")


@app.command("edit")
def edit_cmd(
    contact_id: Annotated[int, typer.Argument(help="Contact id (see crm contact list)")],
    name: Annotated[str | None, typer.Option()] = None,
    title: Annotated[str | None, typer.Option()] = None,
    department: Annotated[str | None, typer.Option()] = None,
    mobile: Annotated[str | None, typer.Option()] = None,
    phone: Annotated[str | None, typer.Option()] = None,
    email: Annotated[str | None, typer.Option()] = None,
    wechat: Annotated[str | None, typer.Option()] = None,
    birthday: Annotated[str | None, typer.Option()] = None,
    notes: Annotated[str | None, typer.Option()] = None,
    primary: Annotated[bool, typer.Option("--primary", help="Make this the primary contact")] = False,
) -> None:
    """Change a contact.

    Example: crm contact edit 7 --title 总经理 --primary
    """
    from crm_cli import contacts

    with write_session() as (session, user, clock):
        contact = contacts.get_contact(session, contact_id)
        data = _data(clock, name=name, title=title, department=department, mobile=mobile, phone=phone, email=email,
                     wechat=wechat, birthday=birthday, notes=notes)
        if primary:
            data["is_primary"] = True
        if not data:
            raise typer.BadParameter("nothing to change: give at least one option, e.g. --mobile 13812345678")
        delta = contacts.edit_contact(session, user=user, clock=clock, contact=contact, changes=data)
    _out.ok(f"Updated contact #{contact_id}: {', '.join(delta) or 'nothing changed'}")


@app.command("delete")
def delete_cmd(contact_id: Annotated[int, typer.Argument(help="Contact id")]) -> None:
    """Delete a contact (the deletion is kept in the customer's history).

    Example: crm contact delete 7
    """
    from crm_cli import contacts

    with write_session() as (session, user, clock):
        contact = contacts.get_contact(session, contact_id)
        contacts.delete_contact(session, user=user, clock=clock, contact=contact)
    _out.ok(f"Deleted contact #{contact_id} {contact.name}")
