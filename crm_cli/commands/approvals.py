"""`crm approvals ...`: requests waiting for a manager or admin (invalid customers, 无效客户)."""

from __future__ import annotations

from typing import Annotated

import typer

from crm_cli.commands import _out
from crm_cli.commands._common import read_session, write_session

app = typer.Typer(help="Approvals: requests to mark customers invalid (无效客户).", no_args_is_help=True)

IdArg = Annotated[int, typer.Argument(help="Request id (see crm approvals list)")]
NoteOpt = Annotated[str | None, typer.Option(help="A note for the requester (kept in the history)")]


@app.command("list")
def list_cmd(
    show_all: Annotated[bool, typer.Option("--all", help="Also decided requests")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """List requests waiting for your decision (managers: their team; admins: everyone).

    Example: crm approvals list
    """
    from crm_cli import approvals, customers
    from crm_cli.db.models import Customer

    with read_session() as (session, user, clock):
        found = approvals.list_requests(session, user=user, status=None if show_all else "pending")
        names = customers.usernames(session, {r.requested_by for r in found} | {r.decided_by for r in found})
        rows = []
        for r in found:
            customer = session.get(Customer, r.customer_id)
            rows.append({
                "id": r.id, "customer": r.customer_id, "name": customer.name if customer else None,
                "requested_by": names.get(r.requested_by), "requested_at": r.requested_at.astimezone(clock.tz)  # type: ignore[arg-type, union-attr]
                if r.requested_at else None, "reason": r.reason, "status": r.status,
                "decided_by": names.get(r.decided_by) if r.decided_by else None, "note": r.note,  # type: ignore[arg-type]
            })  # fmt: skip
    _out.emit_list("json" if as_json else "table",
                   [("id", "ID"), ("customer", "Customer"), ("name", "Name"), ("requested_by", "By"),
                    ("requested_at", "When"), ("reason", "Reason"), ("status", "Status"), ("note", "Note")],
                   rows, title="Invalid-customer requests")  # fmt: skip


def _decide(request_id: int, approve: bool, note: str | None) -> None:
    from crm_cli import approvals

    with write_session() as (session, user, clock):
        request = approvals.decide(session, user=user, clock=clock, request_id=request_id, approve=approve, note=note)
    _out.ok(f"Request #{request.id} {request.status} (customer #{request.customer_id})")


@app.command("approve")
def approve_cmd(request_id: IdArg, note: NoteOpt = None) -> None:
    """Approve a request: the customer becomes invalid and leaves its owner.

    Example: crm approvals approve 3 --note "confirmed: company closed"
    """
    _decide(request_id, True, note)


@app.command("reject")
def reject_cmd(request_id: IdArg, note: NoteOpt = None) -> None:
    """Reject a request: nothing changes on the customer.

    Example: crm approvals reject 3 --note "they still order twice a year"
    """
    _decide(request_id, False, note)
