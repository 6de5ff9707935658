"""`crm payment ...`: payment plans (收款计划), money received (回款), due and overdue installments."""

from __future__ import annotations

from typing import Annotated

import typer

from crm_cli.commands import _out
from crm_cli.commands._common import read_session, write_session

app = typer.Typer(help="Payment plans and payments received; what is due and overdue.", no_args_is_help=True)

NumberArg = Annotated[str, typer.Argument(help="Contract number")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON")]
DUE_COLUMNS = [("contract", "Contract"), ("customer", "Customer"), ("seq", "#"), ("due_on", "Due"),
               ("amount", "Amount"), ("paid", "Paid"), ("open", "Open"), ("currency", ""), ("status", "Status"),
               ("overdue_days", "Days late")]
PAID_COLUMNS = [("id", "ID"), ("received_on", "Received"), ("contract", "Contract"), ("customer", "Customer"),
                ("amount", "Amount"), ("currency", ""), ("method", "Method"), ("reference", "Reference")]


def _pairs(on: list[str], extra: list[str]) -> list[tuple[str, str]]:
    """``--on DATE AMOUNT`` pairs: Typer options take one value, so the amounts arrive as extra arguments in
    order (``--on DATE=AMOUNT`` works too)."""
    amounts = list(extra)
    out = []
    for value in on:
        if "=" in value:
            day, amount = value.split("=", 1)
        else:
            if not amounts:
                raise typer.BadParameter(f"--on {value}: give the amount too, e.g. --on {value} 10000")
            day, amount = value, amounts.pop(0)
        out.append((day.strip(), amount.strip()))
    if amounts:
        raise typer.BadParameter(f"unexpected extra argument(s): {' '.join(amounts)}")
    return out


@app.command("plan", context_settings={"allow_extra_args": True, "ignore_unknown_options": False})
def plan_cmd(
    ctx: typer.Context,
    number: NumberArg,
    split: Annotated[int | None, typer.Option(help="Split the contract total into N equal installments")] = None,
    every: Annotated[str, typer.Option(help="Interval between split installments: 1m, 2w, 30d, 1q, 1y")] = "1m",
    first: Annotated[str | None, typer.Option(help="First due date (default: start date, else signed date, else today)")] = None,
    on: Annotated[list[str] | None, typer.Option("--on", help="DATE AMOUNT: one installment (repeatable)")] = None,
    force: Annotated[bool, typer.Option(help="Keep a plan that does not add up to the contract total")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Set (replace) a contract's payment plan; it must add up to the contract total.

    Example: crm payment plan HT-2026-001 --split 3 --every 1m --first 2026-12-01
    Example: crm payment plan HT-2026-001 --on 2026-12-01 10000 --on 2027-01-15 20000
    """
    from crm_cli import contracts, payments
    from crm_cli.money import money_text, parse_money, to_cents

    if (split is None) == (not on):
        raise typer.BadParameter("give either --split N (with --every and --first) or --on DATE AMOUNT items")
    pairs = _pairs(on or [], ctx.args)
    with write_session() as (session, user, clock):
        contract = contracts.get_contract(session, number, user=user)
        if split is not None:
            start = clock.parse_date(first) if first else (contract.start_on or contract.signed_on or clock.today)
            items = payments.split_plan(contract.total_cents, split, start, payments.parse_every(every))
        else:
            items = []
            for n, (day, amount) in enumerate(pairs, start=1):
                try:
                    items.append((clock.parse_date(day), to_cents(parse_money(amount, what="installment amount"))))
                except Exception as exc:
                    from crm_cli.errors import InvalidInput

                    if isinstance(exc, InvalidInput):
                        raise InvalidInput(f"installment {n} (--on {day} {amount}): {exc.message}") from None
                    raise
        created = payments.set_plan(session, user=user, clock=clock, contract=contract, items=items, force=force)
        rows = [{"seq": i.seq, "due_on": i.due_on, "amount": money_text(i.amount_cents),
                 "paid": money_text(i.paid_cents)} for i in created]
    if as_json:
        _out.print_json(rows)
        return
    _out.ok(f"Planned {len(rows)} installment(s) for {contract.number}")
    _out.print_table([("seq", "#"), ("due_on", "Due"), ("amount", "Amount"), ("paid", "Paid")], rows)


@app.command("add")
def add_cmd(
    number: NumberArg,
    amount: Annotated[str, typer.Argument(help="Amount received, e.g. 10000 or 1.5万")],
    on: Annotated[str | None, typer.Option("--on", help="Date received (default today)")] = None,
    method: Annotated[str, typer.Option(help="transfer|cash|check|card|alipay|wechat|bill|other or 转账|现金|…")] = "transfer",
    installment: Annotated[int | None, typer.Option(help="Installment # it pays (default: the earliest open)")] = None,
    reference: Annotated[str | None, typer.Option(help="Bank reference, receipt or invoice number")] = None,
    note: Annotated[str | None, typer.Option()] = None,
    allow_over: Annotated[bool, typer.Option(help="Record more than is outstanding (kept as a credit)")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Record a payment received (回款). More than the outstanding amount is refused unless --allow-over.

    Example: crm payment add HT-2026-001 10000 --on 2026-12-03 --method transfer
    """
    from crm_cli import contracts, payments
    from crm_cli.db.models import Customer
    from crm_cli.money import format_money

    with write_session() as (session, user, clock):
        contract = contracts.get_contract(session, number, user=user)
        payment = payments.add_payment(
            session, user=user, clock=clock, contract=contract, amount=amount,
            received_on=clock.parse_date(on) if on else None, method=method, installment_seq=installment,
            reference=reference, note=note, allow_over=allow_over,
        )  # fmt: skip
        bal = payments.balance(session, contract, clock.today)
        data = payments.payment_dict(payment, contract, session.get(Customer, contract.customer_id))
        data["balance"] = bal.as_dict()
    if as_json:
        _out.print_json(data)
        return
    _out.ok(f"Recorded {format_money(payment.amount_cents, contract.currency)} for {contract.number}; "
            f"outstanding {format_money(bal.outstanding_cents, contract.currency)}"
            + (f", overdue {format_money(bal.overdue_cents)}" if bal.overdue_cents else ""))
    if bal.credit_cents:
        _out.warn(f"{contract.number} is overpaid by {format_money(bal.credit_cents, contract.currency)} (a credit)")


@app.command("list")
def list_cmd(
    overdue: Annotated[bool, typer.Option("--overdue", help="Installments past their due date and not fully paid")] = False,
    due_within: Annotated[int | None, typer.Option(help="Open installments due from today to N days ahead")] = None,
    received: Annotated[bool, typer.Option("--received", help="List the payments received instead")] = False,
    all_: Annotated[bool, typer.Option("--all", help="Include fully paid installments")] = False,
    contract: Annotated[str | None, typer.Option(help="Only this contract")] = None,
    customer: Annotated[str | None, typer.Option(help="Only this customer")] = None,
    owner: Annotated[str, typer.Option(help="me, a user name, or all")] = "all",
    since: Annotated[str | None, typer.Option(help="With --received: received on or after this date")] = None,
    now: Annotated[str | None, typer.Option(help="Evaluate at this date/time instead of now")] = None,
    as_json: JsonOpt = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV")] = False,
) -> None:
    """List planned installments still to be paid (or, with --received, the payments received).

    Example: crm payment list --overdue --json
    Example: crm payment list --due-within 7 --owner me
    """
    from crm_cli import contracts, customers, payments

    fmt = _out.list_format(as_json, as_csv, False)
    with read_session(now) as (session, user, clock):
        the_contract = contracts.get_contract(session, contract, user=user) if contract else None
        the_customer = customers.resolve_customer(session, customer, user=user) if customer else None
        if received:
            found = payments.list_payments(session, user=user, contract=the_contract, customer=the_customer,
                                           since=clock.parse_date(since) if since else None)
            rows = [payments.payment_dict(p, c, cu) for p, c, cu in found]
            if fmt == "table":
                from crm_cli.money import group_rows

                rows = group_rows(rows, ("amount",))
            _out.emit_list(fmt, PAID_COLUMNS, rows, title="Payments received")
            return
        owner_ids = None
        if owner == "me":
            owner_ids = [user.id]
        elif owner != "all":
            from crm_cli.users import get_user

            owner_ids = [get_user(session, owner).id]
        items = payments.list_installments(session, user=user, clock=clock, overdue=overdue, due_within=due_within,
                                           include_paid=all_, contract=the_contract, customer=the_customer,
                                           owner_ids=owner_ids)
        rows = [item.as_dict(clock.today) for item in items]
    title = "Overdue installments" if overdue and due_within is None else "Installments"
    if fmt == "table":
        from crm_cli.money import group_rows

        rows = group_rows(rows, ("amount", "paid", "open"))
    _out.emit_list(fmt, DUE_COLUMNS, rows, title=title)


@app.command("delete")
def delete_cmd(
    payment_id: Annotated[int, typer.Argument(help="Payment id (see crm payment list --received)")],
    reason: Annotated[str | None, typer.Option(help="Why (kept in the history)")] = None,
) -> None:
    """Delete a payment recorded by mistake; the plan is recomputed and the history keeps it.

    Example: crm payment delete 17 --reason "entered twice"
    """
    from crm_cli import payments
    from crm_cli.money import format_money

    with write_session() as (session, user, clock):
        payment, contract = payments.delete_payment(session, user=user, clock=clock, payment_id=payment_id,
                                                    reason=reason)
        bal = payments.balance(session, contract, clock.today)
    _out.ok(f"Deleted payment #{payment_id} ({format_money(payment.amount_cents, contract.currency)}) of "
            f"{contract.number}; outstanding now {format_money(bal.outstanding_cents, contract.currency)}")
