"""`crm customer ...`: add, list, show, edit, delete, restore, history.

No ``from __future__ import annotations`` here: with string annotations Typer compiles and evaluates each parameter's
annotation twice when it builds the command (~6 ms for the 21 options of `customer add`); evaluated once when the
module is imported they cost ~1.5 ms for all eleven commands.
"""

from typing import Annotated, Any

import typer

from crm_cli.commands import _common, _out
from crm_cli.commands._common import read_session, write_session

app = typer.Typer(help="Customers: add, find, show, change.", no_args_is_help=True)

RefArg = Annotated[str, typer.Argument(help="Customer id, code or name (a unique part of the name is enough)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON")]
CsvOpt = Annotated[bool, typer.Option("--csv", help="Print CSV")]
IdsOpt = Annotated[bool, typer.Option("-q", "--ids", help="Print only the ids, one per line")]

LIST_COLUMNS = [
    ("id", "ID"), ("name", "Name"), ("level", "Level"), ("stars", "★"), ("owner", "Owner"),
    ("region", "Region"), ("phone", "Phone"), ("last_followup", "Last follow-up"), ("next_followup_on", "Next"),
]  # fmt: skip


def _fields(**options: Any) -> dict[str, Any]:
    return {k: v for k, v in options.items() if v is not None}


def _custom(pairs: list[str] | None) -> dict[str, str] | None:
    if not pairs:
        return None
    out: dict[str, str] = {}
    for pair in pairs:
        if "=" not in pair:
            raise typer.BadParameter(f"{pair!r}: use --field name=value")
        key, value = pair.split("=", 1)
        if not key.strip():
            raise typer.BadParameter(f"{pair!r}: the field name is empty")
        out[key.strip()] = value.strip()
    return out


def _resolve_owner(session: Any, user: Any, owner: str | None) -> Any:
    if owner is None or owner == "me":
        return user
    if owner in ("pool", "公海"):
        return None
    from crm_cli.users import get_user

    return get_user(session, owner)


# The customer columns row_of reads: the list reads only these unless it prints JSON (which needs every field).
ROW_FIELDS = ("id", "name", "code", "level", "stars", "owner_id", "region", "industry", "source", "phone", "email",
              "last_followup_at", "next_followup_on")  # fmt: skip


def row_of(customer: Any, owners: dict[int, str], tz: Any) -> dict[str, Any]:
    last = customer.last_followup_at.astimezone(tz).strftime("%Y-%m-%d") if customer.last_followup_at else None
    return {
        "id": customer.id, "name": customer.name, "code": customer.code, "level": customer.level,
        "stars": customer.stars or None, "owner": owners.get(customer.owner_id, "(pool)") if customer.owner_id else "(pool)",
        "region": customer.region, "industry": customer.industry, "source": customer.source, "phone": customer.phone,
        "email": customer.email, "last_followup": last, "next_followup_on": customer.next_followup_on,
    }  # fmt: skip


def _ask_on_duplicate(action: Any, force: bool, question: str) -> Any:
    """Run ``action(force)``; on a likely duplicate, ask at a terminal (else the refusal stands: exit 4)."""
    from crm_cli.errors import DuplicateRefused

    try:
        return action(force)
    except DuplicateRefused as exc:
        if force or not _common.is_interactive():
            raise
        _out.warn(exc.message.replace("; use --force to add it anyway", ""))
        for line in exc.details:
            _out.info(f"  {line}")
        if not typer.confirm(question, default=False, err=True):
            raise
        return action(True)


@app.command("add")
def add_cmd(
    name: Annotated[str, typer.Argument(help="Company (or person) name")],
    code: Annotated[str | None, typer.Option(help="Customer code from another system (unique)")] = None,
    level: Annotated[str | None, typer.Option(help="potential|intent|key|won|invalid or 潜在|意向|重点|成交|无效")] = None,
    stars: Annotated[str | None, typer.Option(help="0 to 5: 3, 三星 or ★★★")] = None,
    source: Annotated[str | None, typer.Option(help="Where the customer came from")] = None,
    region: Annotated[str | None, typer.Option(help="Region or city")] = None,
    industry: Annotated[str | None, typer.Option(help="Industry")] = None,
    target: Annotated[bool | None, typer.Option("--target/--no-target", help="Mark as a target customer")] = None,
    credit_code: Annotated[str | None, typer.Option(help="统一社会信用代码 (18 characters)")] = None,
    phone: Annotated[str | None, typer.Option(help="Main phone")] = None,
    email: Annotated[str | None, typer.Option(help="Main e-mail")] = None,
    website: Annotated[str | None, typer.Option(help="Website")] = None,
    address: Annotated[str | None, typer.Option(help="Address")] = None,
    notes: Annotated[str | None, typer.Option(help="Notes")] = None,
    owner: Annotated[str | None, typer.Option(help="me (default), a user name, or pool")] = None,
    contact: Annotated[str | None, typer.Option(help="Name of the primary contact")] = None,
    mobile: Annotated[str | None, typer.Option(help="Mobile of the primary contact")] = None,
    next_on: Annotated[str | None, typer.Option("--next", help="First follow-up date: +3d, friday, 下周五…")] = None,
    field: Annotated[list[str] | None, typer.Option("--field", help="Custom field name=value (repeatable)")] = None,
    force: Annotated[bool, typer.Option(help="Add even if it looks like an existing customer")] = False,
    as_json: JsonOpt = False,
    quiet: IdsOpt = False,
) -> None:
    """Add a customer; refuses a likely duplicate (exit 4) unless --force.

    Example: crm customer add "深圳市明达电子科技有限公司" --level 意向 --phone 0755-86001234 --contact 王强 --mobile 13812345678
    """
    from crm_cli import customers

    data = _fields(
        name=name, code=code, level=level, stars=stars, source=source, region=region, industry=industry,
        is_target=target, credit_code=credit_code, phone=phone, email=email, website=website, address=address,
        notes=notes, custom=_custom(field),
    )  # fmt: skip
    with write_session() as (session, user, clock):
        owner_user = _resolve_owner(session, user, owner)
        customer = _ask_on_duplicate(
            lambda forced: customers.add_customer(session, user=user, clock=clock, data=dict(data), owner=owner_user,
                                                  force=forced),
            force, "Add it anyway?")
        if contact:
            from crm_cli import contacts  # only then: it builds the Contact table class

            contacts.add_contact(session, user=user, clock=clock, customer=customer,
                                 data=_fields(name=contact, mobile=mobile))
        if next_on:
            from crm_cli import followups

            followups.set_next_followup(session, user=user, clock=clock, customer=customer,
                                        next_on=clock.parse_date(next_on))
        if as_json:
            result = customers.customer_dict(customer, customers.usernames(session, {customer.owner_id}))
    if as_json:
        _out.print_json(result)
    elif quiet:
        _out.print_ids([customer.id])
    else:
        _out.ok(f"Added customer #{customer.id} {customer.name}")


@app.command("list")
def list_cmd(
    level: Annotated[list[str] | None, typer.Option(help="Level (repeatable): potential|intent|key|won|invalid")] = None,
    stars: Annotated[str | None, typer.Option(help="At least this many stars (0 to 5)")] = None,
    owner: Annotated[str, typer.Option(help="me, a user name, pool, or all")] = "all",
    source: Annotated[str | None, typer.Option()] = None,
    region: Annotated[str | None, typer.Option()] = None,
    industry: Annotated[str | None, typer.Option()] = None,
    due: Annotated[str | None, typer.Option(help="today, overdue or week (next follow-up date)")] = None,
    idle_days: Annotated[int | None, typer.Option(help="Not followed up for N days (or never)")] = None,
    search: Annotated[str | None, typer.Option("--search", "-s", help="Text in name, code, contacts, phones, e-mails")] = None,
    target: Annotated[bool | None, typer.Option("--target/--no-target", help="Only target / non-target")] = None,
    deleted: Annotated[bool, typer.Option(help="List deleted customers instead")] = False,
    sort: Annotated[str, typer.Option(help="id, name, created, updated, next, last, stars, level (- for reverse)")] = "id",
    limit: Annotated[int, typer.Option(help="At most this many rows (0: all)")] = 50,
    offset: Annotated[int, typer.Option(help="Skip this many rows")] = 0,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
    ids: IdsOpt = False,
) -> None:
    """List customers you can see, with filters.

    Example: crm customer list --owner me --level 意向 --due overdue --search 明达
    """
    from crm_cli import customers

    fmt = _out.list_format(as_json, as_csv, ids)
    query = customers.CustomerQuery(
        level=level or [], min_stars=stars, owner=owner, source=source, region=region, industry=industry, due=due,
        idle_days=idle_days, search=search, is_target=target, deleted=deleted, sort=sort,
        limit=limit or None, offset=offset,
    )  # fmt: skip
    show_customer_list(query, fmt)


def show_customer_list(query: Any, fmt: str, title: str | None = None) -> None:
    from crm_cli import customers

    with read_session() as (session, user, clock):
        caption = None
        columns = None if fmt == "json" else ROW_FIELDS
        if fmt == "table":
            found, total, more = customers.list_customers_counted(session, query, user=user, clock=clock,
                                                                  columns=columns)
            if total is not None:
                caption = f"{len(found)} of {total}{'+' if more else ''} shown (use --limit/--offset)"
        else:
            found = customers.list_customers(session, query, user=user, clock=clock, columns=columns)
        owners = customers.usernames(session, {c.owner_id for c in found})
        rows = [row_of(c, owners, clock.tz) for c in found]
        json_rows = [customers.customer_dict(c, owners) for c in found] if fmt == "json" else None
    _out.emit_list(fmt, LIST_COLUMNS if fmt == "table" else [(k, k) for k in rows[0]] if rows else LIST_COLUMNS,
                   rows, title=title, caption=caption, json_rows=json_rows)


@app.command("show")
def show_cmd(ref: RefArg, as_json: JsonOpt = False) -> None:
    """Show one customer with contacts and recent follow-ups.

    Example: crm customer show 明达
    """
    from crm_cli import customer_page, customers
    from crm_cli.customer_page import as_dict
    from crm_cli.vocab import level_label, method_label

    with read_session() as (session, user, clock):
        customer = customers.resolve_customer(session, ref, user=user)
        people, recent = customer_page.people_and_recent(session, user=user, customer=customer, models=as_json)
        names = customers.usernames(session, {customer.owner_id, *(f.user_id for f in recent)})
        data = customers.customer_dict(customer, names)
        data["contacts"] = [as_dict(c) for c in people]
        data["followups"] = [as_dict(f) | {"user": names.get(f.user_id)} for f in recent]
        extra = customers.show_extras(session, customer, user=user, clock=clock)
        from crm_cli.access import shared_with

        data["shared_with"] = shared_with(session, customer)
    data.update(extra)
    if as_json:
        _out.print_json(data)
        return
    tz = clock.tz
    _out.print_record(
        [
            ("Code", customer.code), ("Level", f"{customer.level} {level_label(customer.level, 'zh')}"),
            ("Stars", "★" * customer.stars if customer.stars else None), ("Owner", data["owner"] or "(public pool)"),
            ("Shared with", ", ".join(data["shared_with"]) or None),
            ("Source", customer.source), ("Region", customer.region), ("Industry", customer.industry),
            ("Target", "yes" if customer.is_target else None), ("Credit code", customer.credit_code),
            ("Phone", customer.phone), ("E-mail", customer.email), ("Website", customer.website),
            ("Address", customer.address), ("Notes", customer.notes),
            *[(f"· {k}", v) for k, v in (customer.custom or {}).items()],
            ("Last follow-up", customer.last_followup_at.astimezone(tz) if customer.last_followup_at else "never"),
            ("Next follow-up", customer.next_followup_on),
            ("Created", customer.created_at.astimezone(tz) if customer.created_at else None),
            ("Deleted", customer.deleted_at.astimezone(tz) if customer.deleted_at else None),
        ],
        title=f"#{customer.id} {customer.name}",
    )  # fmt: skip
    if people:
        _out.print_table(
            [("primary", ""), ("id", "ID"), ("name", "Contact"), ("title", "Title"), ("mobile", "Mobile"),
             ("phone", "Phone"), ("email", "E-mail"), ("wechat", "WeChat"), ("birthday", "Birthday")],
            [as_dict(c) | {"primary": "*" if c.is_primary else ""} for c in people], title="Contacts",
        )  # fmt: skip
    if recent:
        _out.print_table(
            [("at", "When"), ("user", "By"), ("method", "How"), ("content", "What"), ("next_on", "Next")],
            [{"at": f.at.astimezone(tz) if f.at else None, "user": names.get(f.user_id),  # type: ignore[arg-type]
              "method": method_label(f.method, "zh") + f" {f.method}", "content": f.content, "next_on": f.next_on}
             for f in recent],
            title="Recent follow-ups",
        )  # fmt: skip
    for section, rows in extra.items():
        if rows and isinstance(rows, list):
            _out.print_table([(k, k) for k in rows[0]], rows, title=section.capitalize())


@app.command("edit")
def edit_cmd(
    ref: RefArg,
    name: Annotated[str | None, typer.Option(help="New name")] = None,
    code: Annotated[str | None, typer.Option()] = None,
    level: Annotated[str | None, typer.Option(help="potential|intent|key|won|invalid or 潜在|意向|重点|成交|无效")] = None,
    stars: Annotated[str | None, typer.Option(help="0 to 5: 3, 三星 or ★★★")] = None,
    source: Annotated[str | None, typer.Option()] = None,
    region: Annotated[str | None, typer.Option()] = None,
    industry: Annotated[str | None, typer.Option()] = None,
    target: Annotated[bool | None, typer.Option("--target/--no-target")] = None,
    credit_code: Annotated[str | None, typer.Option()] = None,
    phone: Annotated[str | None, typer.Option()] = None,
    email: Annotated[str | None, typer.Option()] = None,
    website: Annotated[str | None, typer.Option()] = None,
    address: Annotated[str | None, typer.Option()] = None,
    notes: Annotated[str | None, typer.Option()] = None,
    field: Annotated[list[str] | None, typer.Option("--field", help="Custom field name=value; name= removes it")] = None,
    force: Annotated[bool, typer.Option(help="Save even if it now looks like another customer")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Change a customer's fields (only the options given). An empty value ("") clears a field.

    Example: crm customer edit 明达 --level 重点 --stars 4
    """
    from crm_cli import customers

    changes = _fields(
        name=name, code=code, level=level, stars=stars, source=source, region=region, industry=industry,
        is_target=target, credit_code=credit_code, phone=phone, email=email, website=website, address=address,
        notes=notes, custom=_custom(field),
    )  # fmt: skip
    if not changes:
        raise typer.BadParameter("nothing to change: give at least one option, e.g. --level 意向")
    with write_session() as (session, user, clock):
        customer = customers.resolve_customer(session, ref, user=user)
        delta = _ask_on_duplicate(
            lambda forced: customers.edit_customer(session, user=user, clock=clock, customer=customer,
                                                   changes=dict(changes), force=forced),
            force, "Save it anyway?")
        result = customers.customer_dict(customer, customers.usernames(session, {customer.owner_id}))
    if as_json:
        _out.print_json(result)
    elif delta:
        _out.ok(f"Updated #{customer.id} {customer.name}: " + ", ".join(f"{k} {v[0]!r} → {v[1]!r}" for k, v in delta.items()))
    else:
        _out.info("nothing changed")


@app.command("delete")
def delete_cmd(
    ref: RefArg,
    reason: Annotated[str | None, typer.Option(help="Why (kept in the history)")] = None,
) -> None:
    """Delete a customer (it can be restored; its history is kept).

    Example: crm customer delete 42 --reason "entered twice"
    """
    from crm_cli import customers

    with write_session() as (session, user, clock):
        customer = customers.resolve_customer(session, ref, user=user)
        customers.delete_customer(session, user=user, clock=clock, customer=customer, reason=reason)
    _out.ok(f"Deleted #{customer.id} {customer.name} (undo: crm customer restore {customer.id})")


@app.command("restore")
def restore_cmd(ref: RefArg) -> None:
    """Restore a deleted customer.

    Example: crm customer restore 42
    """
    from crm_cli import customers

    with write_session() as (session, user, clock):
        customer = customers.resolve_customer(session, ref, user=user, include_deleted=True)
        customers.restore_customer(session, user=user, clock=clock, customer=customer)
    _out.ok(f"Restored #{customer.id} {customer.name}")


@app.command("history")
def history_cmd(
    ref: RefArg,
    owners: Annotated[bool, typer.Option("--owners", help="Only changes of owner (add, claim, release, ...)")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Show everything that happened to a customer: changes, contacts, follow-ups, owners.

    Example: crm customer history 明达 --owners
    """
    from crm_cli import audit, customers, pool

    with read_session() as (session, user, clock):
        customer = customers.resolve_customer(session, ref, user=user, include_deleted=True)
        entries = [] if owners else audit.history(session, customer.id)  # type: ignore[arg-type]
        moves = pool.history(session, customer.id)  # type: ignore[arg-type]
        names = customers.usernames(session, {e.user_id for e in entries}
                                    | {u for m in moves for u in (m.from_user_id, m.to_user_id, m.by_user_id)})

    def who(user_id: int | None) -> str:
        return names.get(user_id, f"#{user_id}") if user_id else "(pool)"  # type: ignore[arg-type]

    merged: list[tuple[Any, int, dict[str, Any], dict[str, Any]]] = []
    for m in moves:
        change = f"{who(m.from_user_id)} → {who(m.to_user_id)}"
        merged.append((m.at, 0, {
            "at": m.at, "user": names.get(m.by_user_id) if m.by_user_id else "(system)",  # type: ignore[arg-type]
            "entity": "owner", "action": m.kind, "changes": change, "note": m.reason,
        }, {"at": m.at, "user": names.get(m.by_user_id) if m.by_user_id else None, "entity": "owner",  # type: ignore[arg-type]
            "action": m.kind, "from": names.get(m.from_user_id) if m.from_user_id else None,  # type: ignore[arg-type]
            "to": names.get(m.to_user_id) if m.to_user_id else None, "reason": m.reason}))  # type: ignore[arg-type]
    for e in entries:
        merged.append((e.at, 1, {
            "at": e.at, "user": names.get(e.user_id),  # type: ignore[arg-type]
            "entity": e.entity if e.entity == "customer" else f"{e.entity} #{e.entity_id}", "action": e.action,
            "changes": "; ".join(f"{k}: {audit.shown_value(v[0], clock.tz)!r} → {audit.shown_value(v[1], clock.tz)!r}"
                                 for k, v in (e.changes or {}).items()), "note": e.note,
        }, e.model_dump() | {"user": names.get(e.user_id)}))  # type: ignore[arg-type]
    merged.sort(key=lambda item: (item[0], item[1]))
    if as_json:
        _out.print_json([item[3] for item in merged])
        return
    rows = [item[2] | {"at": item[0].astimezone(clock.tz) if item[0] else None} for item in merged]
    _out.emit_list("table", [("at", "When"), ("user", "Who"), ("entity", "What"), ("action", "Action"),
                             ("changes", "Changes"), ("note", "Note")], rows, title=f"History of {customer.label}")


@app.command("transfer")
def transfer_cmd(
    ref: RefArg,
    to: Annotated[str, typer.Option("--to", help="User name of the new owner")],
    reason: Annotated[str | None, typer.Option(help="Why (kept in the history)")] = None,
) -> None:
    """Hand a customer to another user (the owner, their manager, an admin or assistant).

    Example: crm customer transfer 明达 --to chen.jie --reason "moved to the south region"
    """
    from crm_cli import customers, pool
    from crm_cli.users import get_user

    with write_session() as (session, user, clock):
        customer = customers.resolve_customer(session, ref, user=user)
        target = get_user(session, to)
        pool.transfer(session, user=user, clock=clock, customer=customer, to=target, reason=reason)
    _out.ok(f"Transferred {customer.label} to {target.username}")


@app.command("share")
def share_cmd(
    ref: RefArg,
    with_user: Annotated[str, typer.Option("--with", help="User name to share with")],
    revoke: Annotated[bool, typer.Option("--revoke", help="Stop sharing")] = False,
) -> None:
    """Let another user see one of your customers (or stop it with --revoke).

    Example: crm customer share 明达 --with emily.wu
    """
    from crm_cli import customers, pool
    from crm_cli.users import get_user

    with write_session() as (session, user, clock):
        customer = customers.resolve_customer(session, ref, user=user)
        other = get_user(session, with_user)
        pool.share(session, user=user, clock=clock, customer=customer, with_user=other, revoke=revoke)
    _out.ok(f"{'Stopped sharing' if revoke else 'Shared'} {customer.label} with {other.username}")


@app.command("invalidate")
def invalidate_cmd(
    ref: RefArg,
    reason: Annotated[str, typer.Option(help="Why the customer is invalid (required)")],
) -> None:
    """Ask a manager or admin to mark a customer invalid (无效客户); see `crm approvals`.

    Example: crm customer invalidate 明达 --reason "company closed"
    """
    from crm_cli import approvals, customers

    with write_session() as (session, user, clock):
        customer = customers.resolve_customer(session, ref, user=user)
        request = approvals.request_invalidation(session, user=user, clock=clock, customer=customer, reason=reason)
    _out.ok(f"Filed request #{request.id} to mark {customer.label} invalid; a manager or admin decides "
            "(crm approvals list)")
