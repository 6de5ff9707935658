"""`crm deal ...`: opportunities (商机) through their stages."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from crm_cli.commands import _out
from crm_cli.commands._common import read_session, write_session

app = typer.Typer(help="Deals (商机): opportunities through stages to won or lost.", no_args_is_help=True)

IdArg = Annotated[int, typer.Argument(help="Deal id (see crm deal list)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON")]
COLUMNS = [("id", "ID"), ("customer", "Customer"), ("title", "Title"), ("stage", "Stage"), ("amount", "Amount"),
           ("currency", ""), ("probability", "%"), ("expected_close_on", "Close"), ("owner", "Owner")]


def _stage_label(session: Any, key: str) -> str:
    from crm_cli import deals

    try:
        return deals.parse_stage(session, key).label
    except Exception:  # a stage removed from the settings after deals reached it
        return key


@app.command("add")
def add_cmd(
    customer: Annotated[str, typer.Argument(help="Customer id, code or name")],
    title: Annotated[str, typer.Argument(help="What is being sold")],
    amount: Annotated[str | None, typer.Option(help="Expected amount (or give --line items)")] = None,
    stage: Annotated[str | None, typer.Option(help="Stage key or Chinese name (default: the first stage)")] = None,
    close: Annotated[str | None, typer.Option("--close", help="Expected close date: 2026-12-31, +30d…")] = None,
    probability: Annotated[int | None, typer.Option(help="Win probability % (default: the stage's)")] = None,
    currency: Annotated[str | None, typer.Option(help="Currency code (default: company.currency)")] = None,
    line: Annotated[list[str] | None, typer.Option("--line", help="CODE:QTY[:UNIT_PRICE[:DISCOUNT%]] (repeatable)")] = None,
    owner: Annotated[str | None, typer.Option(help="Owner user name (default: you)")] = None,
    notes: Annotated[str | None, typer.Option(help="Notes")] = None,
    as_json: JsonOpt = False,
    quiet: Annotated[bool, typer.Option("-q", "--ids", help="Print only the new id")] = False,
) -> None:
    """Add an opportunity for a customer.

    Example: crm deal add 明达 "CRM 系统 50 用户" --amount 30000 --stage proposal --close +30d
    """
    from crm_cli import customers, deals
    from crm_cli.users import get_user

    with write_session() as (session, user, clock):
        target = customers.resolve_customer(session, customer, user=user)
        deal = deals.add_deal(
            session, user=user, clock=clock, customer=target, title=title, amount=amount, stage=stage,
            close_on=clock.parse_date(close) if close else None, probability=probability, currency=currency,
            lines=line, owner=get_user(session, owner) if owner else None, notes=notes,
        )  # fmt: skip
        data = deals.deal_dict(deal, target)
        label = _stage_label(session, deal.stage)
    if as_json:
        _out.print_json(data)
    elif quiet:
        _out.print_ids([deal.id])
    else:
        _out.ok(f"Added deal #{deal.id} {deal.title} for {target.label}: {data['amount']} {deal.currency}, {label}")


@app.command("list")
def list_cmd(
    customer: Annotated[str | None, typer.Option(help="Only this customer's deals")] = None,
    stage: Annotated[list[str] | None, typer.Option(help="Stage (repeatable)")] = None,
    owner: Annotated[str, typer.Option(help="me, a user name, or all")] = "all",
    open_: Annotated[bool, typer.Option("--open", help="Only open deals (not won or lost)")] = False,
    closing_within: Annotated[int | None, typer.Option(help="Open deals expected to close within N days")] = None,
    limit: Annotated[int, typer.Option(help="At most this many rows (0: all)")] = 100,
    as_json: JsonOpt = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV")] = False,
    ids: Annotated[bool, typer.Option("-q", "--ids", help="Print only the ids")] = False,
) -> None:
    """List deals you can see.

    Example: crm deal list --owner me --open --closing-within 30
    """
    from crm_cli import customers, deals

    fmt = _out.list_format(as_json, as_csv, ids)
    with read_session() as (session, user, clock):
        query = deals.DealQuery(
            customer=customers.resolve_customer(session, customer, user=user) if customer else None, stage=stage,
            owner=owner, open_only=open_, closing_within=closing_within, limit=limit or None,
        )  # fmt: skip
        found = deals.list_deals(session, query, user=user, clock=clock)
        owners = customers.usernames(session, {d.owner_id for d, _ in found})
        rows = [deals.deal_dict(d, c, owners) for d, c in found]
        if fmt == "table":
            from crm_cli.money import group_rows

            rows = group_rows(rows, ("amount",))
            for row in rows:
                row["stage"] = _stage_label(session, row["stage"])
    _out.emit_list(fmt, COLUMNS, rows, title="Deals")


@app.command("show")
def show_cmd(deal_id: IdArg, as_json: JsonOpt = False) -> None:
    """Show a deal with its lines and stage history.

    Example: crm deal show 12
    """
    from crm_cli import customers, deals
    from crm_cli.db.models import Customer, Product
    from crm_cli.money import money_text, percent_text

    with read_session() as (session, user, clock):
        deal = deals.get_deal(session, deal_id, user=user)
        customer = session.get(Customer, deal.customer_id)
        history = deals.stage_history(session, deal)
        owners = customers.usernames(session, {deal.owner_id, *(h.user_id for h in history)})
        data = deals.deal_dict(deal, customer, owners)
        lines = []
        for line in deals.deal_lines(session, deal):
            product = session.get(Product, line.product_id) if line.product_id else None
            lines.append({"product": product.code if product else None, "name": product.name if product else None,
                          "quantity": line.quantity, "unit_price": money_text(line.unit_price_cents),
                          "discount": percent_text(line.discount_bp), "amount": money_text(line.amount_cents)})
        data["lines"] = lines
        data["stage_history"] = [{"from": h.from_stage, "to": h.to_stage, "at": h.at, "on": h.on,
                                  "user": owners.get(h.user_id) if h.user_id else None} for h in history]
        stage = _stage_label(session, deal.stage)
    if as_json:
        _out.print_json(data)
        return
    _out.print_record([
        ("Customer", f"#{deal.customer_id} {data['customer']}"), ("Stage", stage),
        ("Amount", f"{data['amount']} {deal.currency}"), ("Probability", f"{deal.probability}%"),
        ("Expected close", deal.expected_close_on), ("Owner", data["owner"]), ("Closed on", deal.closed_on),
        ("Lost reason", deal.lost_reason), ("Notes", deal.notes),
    ], title=f"Deal #{deal.id} {deal.title}")
    if lines:
        _out.print_table([(k, k.replace("_", " ").capitalize()) for k in lines[0]], lines, title="Lines")
    _out.print_table([("on", "Date"), ("from", "From"), ("to", "To"), ("user", "By")], data["stage_history"],
                     title="Stage history")


def _move(deal_id: int, stage: str, reason: str | None, probability: int | None, as_json: bool) -> None:
    from crm_cli import deals

    with write_session() as (session, user, clock):
        deal = deals.get_deal(session, deal_id, user=user)
        before = _stage_label(session, deal.stage)
        target = deals.move_deal(session, user=user, clock=clock, deal=deal, stage=stage, reason=reason,
                                 probability=probability)
        data = deals.deal_dict(deal)
    if as_json:
        _out.print_json(data)
    else:
        _out.ok(f"Deal #{deal.id} {deal.title}: {before} → {target.label}")


@app.command("move")
def move_cmd(
    deal_id: IdArg,
    stage: Annotated[str, typer.Argument(help="New stage: key or Chinese name")],
    reason: Annotated[str | None, typer.Option(help="Why (required when moving to lost)")] = None,
    probability: Annotated[int | None, typer.Option(help="Win probability % (default: the stage's)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Move a deal to another stage (recorded with the date for the funnel).

    Example: crm deal move 12 negotiation
    """
    _move(deal_id, stage, reason, probability, as_json)


@app.command("won")
def won_cmd(deal_id: IdArg, as_json: JsonOpt = False) -> None:
    """Mark a deal won (赢单). Sign the contract with `crm contract add ... --deal ID`.

    Example: crm deal won 12
    """
    _move(deal_id, "won", None, None, as_json)


@app.command("lost")
def lost_cmd(
    deal_id: IdArg,
    reason: Annotated[str, typer.Option(help="Why it was lost, e.g. 价格, 竞品, 预算取消")],
    as_json: JsonOpt = False,
) -> None:
    """Mark a deal lost (输单) with the reason.

    Example: crm deal lost 12 --reason "选了竞品"
    """
    _move(deal_id, "lost", reason, None, as_json)


@app.command("edit")
def edit_cmd(
    deal_id: IdArg,
    title: Annotated[str | None, typer.Option(help="New title")] = None,
    amount: Annotated[str | None, typer.Option(help="New amount")] = None,
    close: Annotated[str | None, typer.Option("--close", help="Expected close date")] = None,
    probability: Annotated[int | None, typer.Option(help="Win probability %")] = None,
    owner: Annotated[str | None, typer.Option(help="New owner user name")] = None,
    notes: Annotated[str | None, typer.Option()] = None,
    as_json: JsonOpt = False,
) -> None:
    """Change a deal's fields (use `crm deal move` for the stage).

    Example: crm deal edit 12 --amount 36000 --close 2026-12-31
    """
    from crm_cli import deals
    from crm_cli.users import get_user

    with write_session() as (session, user, clock):
        deal = deals.get_deal(session, deal_id, user=user)
        changes: dict[str, Any] = {k: v for k, v in {"title": title, "amount": amount, "probability": probability,
                                                    "notes": notes}.items() if v is not None}
        if close is not None:
            changes["expected_close_on"] = clock.parse_date(close) if close else None
        if owner is not None:
            changes["owner_id"] = get_user(session, owner).id
        if not changes:
            raise typer.BadParameter("nothing to change: give at least one option, e.g. --amount 36000")
        delta = deals.edit_deal(session, user=user, clock=clock, deal=deal, changes=changes)
        data = deals.deal_dict(deal)
    if as_json:
        _out.print_json(data)
    elif delta:
        _out.ok(f"Updated deal #{deal.id}: " + ", ".join(f"{k} {v[0]!r} → {v[1]!r}" for k, v in delta.items()))
    else:
        _out.info("nothing changed")


@app.command("funnel")
def funnel_cmd(
    since: Annotated[str | None, typer.Option(help="Only deals created since this date, e.g. -90d")] = None,
    as_json: JsonOpt = False,
) -> None:
    """The sales funnel: deals per stage, conversion to the next stage and average days in stage.

    Example: crm deal funnel --since -90d
    """
    from crm_cli import deals
    from crm_cli.money import money_text

    with read_session() as (session, user, clock):
        rows = deals.funnel(session, user=user, clock=clock, since=clock.parse_date(since) if since else None)
    data = [{"stage": r.stage.key, "name": r.stage.zh, "entered": r.entered, "current": r.current,
             "amount": money_text(r.amount_cents),
             "conversion": None if r.conversion is None else round(r.conversion * 100, 1),
             "avg_days": r.avg_days} for r in rows]
    if as_json:
        _out.print_json(data)
        return
    _out.print_table([("stage", "Stage"), ("name", ""), ("entered", "Reached"), ("current", "Now"),
                      ("amount", "Amount now"), ("conversion", "→ next %"), ("avg_days", "Avg days")], data,
                     title="Deal funnel")
