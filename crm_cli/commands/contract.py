"""`crm contract ...`: contracts (合同) with lines, supplementary agreements and balances."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from crm_cli.commands import _out
from crm_cli.commands._common import read_session, write_session

app = typer.Typer(help="Contracts (合同): numbers, lines, totals, status, balances.", no_args_is_help=True)

NumberArg = Annotated[str, typer.Argument(help="Contract number")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON")]
LineOpt = Annotated[list[str] | None, typer.Option("--line", help="CODE:QTY[:UNIT_PRICE[:DISCOUNT%]] (repeatable)")]
COLUMNS = [("number", "Number"), ("customer", "Customer"), ("kind", "Kind"), ("status", "Status"),
           ("signed_on", "Signed"), ("end_on", "Ends"), ("total", "Total"), ("currency", ""),
           ("received", "Received"), ("outstanding", "Outstanding"), ("overdue", "Overdue")]


def _date(clock: Any, text: str | None) -> Any:
    return clock.parse_date(text) if text else None


@app.command("add")
def add_cmd(
    number: NumberArg,
    customer: Annotated[str | None, typer.Option(help="Customer id, code or name")] = None,
    signed: Annotated[str | None, typer.Option("--signed", help="Signed on (makes it active and the customer won)")] = None,
    start: Annotated[str | None, typer.Option("--start", help="Start date")] = None,
    end: Annotated[str | None, typer.Option("--end", help="End date")] = None,
    line: LineOpt = None,
    amount: Annotated[str | None, typer.Option(help="Total when there are no product lines")] = None,
    parent: Annotated[str | None, typer.Option(help="Parent contract number: makes this a supplementary contract")] = None,
    deal: Annotated[int | None, typer.Option(help="The deal (商机) this contract closes")] = None,
    currency: Annotated[str | None, typer.Option(help="Currency code (default: company.currency)")] = None,
    status: Annotated[str | None, typer.Option(help="draft|active|finished|terminated (default: active if signed)")] = None,
    notes: Annotated[str | None, typer.Option()] = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a contract; its total is computed from the lines. Signing makes the customer won (成交).

    Example: crm contract add HT-2026-001 --customer 明达 --signed 2026-11-20 --start 2026-12-01 --end 2027-11-30 --line P-100:3 --line P-200:1:5000
    """
    from crm_cli import contracts, customers

    with write_session() as (session, user, clock):
        target = customers.resolve_customer(session, customer, user=user) if customer else None
        contract = contracts.add_contract(
            session, user=user, clock=clock, number=number, customer=target, signed_on=_date(clock, signed),
            start_on=_date(clock, start), end_on=_date(clock, end), lines=line, amount=amount, parent=parent,
            deal_id=deal, currency=currency, status=status, notes=notes,
        )  # fmt: skip
        data = contracts.contract_dict(contract)
    if as_json:
        _out.print_json(data)
    else:
        kind = f" (supplementary to {parent})" if parent else ""
        _out.ok(f"Added contract {contract.number}{kind}: {data['total']} {contract.currency}, {contract.status}")


@app.command("list")
def list_cmd(
    customer: Annotated[str | None, typer.Option(help="Only this customer's contracts")] = None,
    status: Annotated[list[str] | None, typer.Option(help="draft|active|finished|terminated (repeatable)")] = None,
    owner: Annotated[str, typer.Option(help="me, a user name, or all")] = "all",
    ending_within: Annotated[int | None, typer.Option(help="Active contracts ending within N days")] = None,
    limit: Annotated[int, typer.Option(help="At most this many rows (0: all)")] = 100,
    as_json: JsonOpt = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV")] = False,
    ids: Annotated[bool, typer.Option("-q", "--ids", help="Print only the contract numbers")] = False,
) -> None:
    """List contracts with total, received, outstanding and overdue amounts.

    Example: crm contract list --status active --ending-within 60
    """
    from crm_cli import contracts, customers, payments

    fmt = _out.list_format(as_json, as_csv, ids)
    with read_session() as (session, user, clock):
        query = contracts.ContractQuery(
            customer=customers.resolve_customer(session, customer, user=user) if customer else None, status=status,
            owner=owner, ending_within=ending_within, limit=limit or None,
        )  # fmt: skip
        found = contracts.list_contracts(session, query, user=user, clock=clock)
        sums = payments.balances(session, [c for c, _ in found], clock.today)
        rows = [contracts.contract_dict(c, cu) | sums[c.id].as_dict() for c, cu in found]  # type: ignore[index]
    if fmt == "ids":
        _out.print_ids(r["number"] for r in rows)
        return
    if fmt == "table":
        from crm_cli.money import group_rows

        rows = group_rows(rows, ("total", "received", "outstanding", "overdue"))
    _out.emit_list(fmt, COLUMNS, rows, title="Contracts")


def contract_detail(session: Any, contract: Any, clock: Any) -> dict[str, Any]:
    from crm_cli import contracts, payments
    from crm_cli.db.models import Contract, Customer, Product
    from crm_cli.money import money_text, percent_text

    customer = session.get(Customer, contract.customer_id)
    data = contracts.contract_dict(contract, customer)
    data.update(payments.balance(session, contract, clock.today).as_dict())
    parent = session.get(Contract, contract.parent_id) if contract.parent_id else None
    data["parent"] = parent.number if parent else None
    lines = []
    for line in contracts.contract_lines(session, contract):
        product = session.get(Product, line.product_id) if line.product_id else None
        lines.append({"product": product.code if product else None, "name": line.description,
                      "quantity": line.quantity, "unit": product.unit if product else None,
                      "unit_price": money_text(line.unit_price_cents), "discount": percent_text(line.discount_bp),
                      "amount": money_text(line.amount_cents)})
    data["lines"] = lines
    data["plan"] = [{"seq": i.seq, "due_on": i.due_on, "amount": money_text(i.amount_cents),
                     "paid": money_text(i.paid_cents), "open": money_text(i.amount_cents - i.paid_cents),
                     "status": payments.status_of(i, clock.today)} for i in payments.installments(session, contract)]
    data["payments"] = [{"id": p.id, "received_on": p.received_on, "amount": money_text(p.amount_cents),
                         "method": p.method, "reference": p.reference, "note": p.note}
                        for p in payments.payments_of(session, contract)]
    subs = contracts.supplements(session, contract)
    data["supplements"] = [{"number": s.number, "status": s.status, "signed_on": s.signed_on,
                            "total": money_text(s.total_cents)} for s in subs]
    if subs:
        data["total_with_supplements"] = money_text(contract.total_cents + sum(s.total_cents for s in subs
                                                                               if s.status != "terminated"))
    return data


@app.command("show")
def show_cmd(number: NumberArg, as_json: JsonOpt = False) -> None:
    """Show a contract: lines, total, received, outstanding, overdue, plan, payments, supplements.

    Example: crm contract show HT-2026-001 --json
    """
    from crm_cli import contracts

    with read_session() as (session, user, clock):
        contract = contracts.get_contract(session, number, user=user)
        data = contract_detail(session, contract, clock)
    if as_json:
        _out.print_json(data)
        return
    cur = data["currency"]
    status_zh = contracts.STATUSES.get(data["status"], "")
    _out.print_record([
        ("Customer", f"#{data['customer_id']} {data['customer']}"),
        ("Kind", f"{data['kind']} {contracts.KINDS.get(data['kind'], '')}"), ("Parent", data["parent"]),
        ("Status", f"{data['status']} {status_zh}"), ("Signed", data["signed_on"]), ("Start", data["start_on"]),
        ("End", data["end_on"]), ("Total", f"{data['total']} {cur}"),
        ("With supplements", data.get("total_with_supplements")), ("Received", f"{data['received']} {cur}"),
        ("Outstanding", f"{data['outstanding']} {cur}"), ("Overdue", f"{data['overdue']} {cur}"),
        ("Credit", f"{data['credit']} {cur}" if data["credit"] != "0.00" else None),
        ("Planned", f"{data['planned']} {cur}" if data["plan"] else "no plan yet (crm payment plan)"),
        ("Notes", data["notes"]),
    ], title=f"Contract {data['number']}")
    if data["lines"]:
        _out.print_table([(k, k.replace("_", " ").capitalize()) for k in data["lines"][0]], data["lines"],
                         title="Lines")
    if data["plan"]:
        _out.print_table([("seq", "#"), ("due_on", "Due"), ("amount", "Amount"), ("paid", "Paid"), ("open", "Open"),
                          ("status", "Status")], data["plan"], title="Payment plan")
    if data["payments"]:
        _out.print_table([("id", "ID"), ("received_on", "Received"), ("amount", "Amount"), ("method", "Method"),
                          ("reference", "Reference"), ("note", "Note")], data["payments"], title="Payments")
    if data["supplements"]:
        _out.print_table([("number", "Number"), ("status", "Status"), ("signed_on", "Signed"), ("total", "Total")],
                         data["supplements"], title="Supplementary contracts")


@app.command("edit")
def edit_cmd(
    number: NumberArg,
    signed: Annotated[str | None, typer.Option("--signed", help="Signed on (signs a draft)")] = None,
    start: Annotated[str | None, typer.Option("--start")] = None,
    end: Annotated[str | None, typer.Option("--end")] = None,
    status: Annotated[str | None, typer.Option(help="draft|active|finished|terminated")] = None,
    line: Annotated[list[str] | None, typer.Option("--line", help="Replace all lines (repeatable)")] = None,
    amount: Annotated[str | None, typer.Option(help="New total (contracts without lines)")] = None,
    currency: Annotated[str | None, typer.Option()] = None,
    notes: Annotated[str | None, typer.Option()] = None,
    as_json: JsonOpt = False,
) -> None:
    """Change a contract (only the options given). A signed date on a draft signs it.

    Example: crm contract edit HT-2026-001 --status finished
    """
    from crm_cli import contracts, payments

    with write_session() as (session, user, clock):
        contract = contracts.get_contract(session, number, user=user)
        changes: dict[str, Any] = {}
        for key, text in (("signed_on", signed), ("start_on", start), ("end_on", end)):
            if text is not None:
                changes[key] = _date(clock, text)
        changes.update({k: v for k, v in {"status": status, "currency": currency, "notes": notes,
                                          "amount": amount, "lines": line}.items() if v is not None})
        if not changes:
            raise typer.BadParameter("nothing to change: give at least one option, e.g. --status finished")
        delta = contracts.edit_contract(session, user=user, clock=clock, contract=contract, changes=changes)
        bal = payments.balance(session, contract, clock.today)
        data = contracts.contract_dict(contract) | bal.as_dict()
    if as_json:
        _out.print_json(data)
        return
    if not delta:
        _out.info("nothing changed")
        return
    _out.ok(f"Updated contract {contract.number}: " + ", ".join(f"{k} {v[0]!r} → {v[1]!r}" for k, v in delta.items()))
    if bal.planned_cents and bal.planned_cents != contract.total_cents:
        diff = bal.planned_cents - contract.total_cents
        _out.warn(f"the payment plan adds up to {data['planned']}, {abs(diff) / 100:.2f} "
                  f"{'more' if diff > 0 else 'less'} than the total: re-plan with `crm payment plan {contract.number}`")
