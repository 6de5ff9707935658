"""Follow-up records (跟单): who talked to the customer, when, how, what was said, and the next date.

Logging a follow-up keeps ``customer_owners.last_followup_at`` and ``customers.next_followup_on`` up to date, so that the agenda
and the pool sweep read one indexed row per customer instead of scanning follow-ups.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from crm_cli import audit
from crm_cli.access import can_edit, visible_clause
from crm_cli.dates import Clock
from crm_cli.db.models import Customer, CustomerOwner, FollowUp, User
from crm_cli.errors import InvalidInput, PermissionDenied
from crm_cli.vocab import parse_method


def log_followup(
    session: Session,
    *,
    user: User,
    clock: Clock,
    customer: Customer,
    content: str,
    method: str = "phone",
    at: datetime | None = None,
    next_on: date | None = None,
    plan: str | None = None,
) -> FollowUp:
    if not can_edit(user, customer):
        hint = "; claim it from the pool first (crm pool claim)" if customer.owner_id is None else ""
        raise PermissionDenied(f"{customer.label} is not yours to follow up{hint}")
    from crm_cli.customers import clean_text

    text = clean_text(content)
    if not text:
        raise InvalidInput("follow-up content is empty: say what happened")
    when = at or clock.now
    if when > clock.now:
        raise InvalidInput(f"follow-up time {when.isoformat()} is in the future: log it when it has happened")
    if next_on is not None and next_on < clock.today:
        raise InvalidInput(f"next follow-up date {next_on.isoformat()} is in the past")
    followup = FollowUp(
        customer_id=customer.id, user_id=user.id, at=when, method=parse_method(method).value, content=text,
        next_on=next_on, plan=clean_text(plan), created_at=clock.now,
    )  # fmt: skip
    session.add(followup)
    session.flush()
    assert followup.id is not None and customer.id is not None
    # Conditional update: only a newer follow-up moves the customer's clock (a back-dated entry does not), and
    # then its next date; the first statement takes the write lock, so the two change together.
    last = col(CustomerOwner.last_followup_at)
    moved = session.execute(
        update(CustomerOwner)
        .where(col(CustomerOwner.customer_id) == customer.id, last.is_(None) | (last <= when))
        .values(last_followup_at=when)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount == 1:  # type: ignore[attr-defined]
        session.execute(update(Customer).where(col(Customer.id) == customer.id).values(next_followup_on=next_on)
                        .execution_options(synchronize_session=False))
    session.refresh(customer)
    if customer.owner_row is not None:
        session.refresh(customer.owner_row)
    audit.record(
        session, at=clock.now, user_id=user.id, entity="followup", entity_id=followup.id, customer_id=customer.id,
        action="create",
        changes=audit.diff({}, {"at": when, "method": followup.method, "content": text, "next_on": next_on,
                                "plan": followup.plan}),
    )  # fmt: skip
    return followup


def list_followups(
    session: Session,
    *,
    user: User,
    customer: Customer | None = None,
    mine: bool = False,
    since: datetime | None = None,
    limit: int | None = 50,
) -> list[FollowUp]:
    stmt = select(FollowUp).join(Customer, col(Customer.id) == FollowUp.customer_id).where(visible_clause(user))
    if customer is not None:
        stmt = stmt.where(FollowUp.customer_id == customer.id)
    if mine:
        stmt = stmt.where(FollowUp.user_id == user.id)
    if since is not None:
        stmt = stmt.where(col(FollowUp.at) >= since)
    stmt = stmt.order_by(col(FollowUp.at).desc(), col(FollowUp.id).desc())
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.exec(stmt))


def set_next_followup(session: Session, *, user: User, clock: Clock, customer: Customer, next_on: date | None) -> bool:
    """Move (or clear) the customer's next follow-up date without logging a contact. Returns whether it changed."""
    if not can_edit(user, customer):
        raise PermissionDenied(f"{customer.label} is not yours to reschedule")
    if next_on is not None and next_on < clock.today:
        raise InvalidInput(f"next follow-up date {next_on.isoformat()} is in the past: pick today or later")
    if customer.next_followup_on == next_on:
        return False
    old = customer.next_followup_on
    customer.next_followup_on = next_on
    customer.updated_at = clock.now
    customer.updated_by = user.id
    session.add(customer)
    assert customer.id is not None
    audit.record(session, at=clock.now, user_id=user.id, entity="customer", entity_id=customer.id,
                 customer_id=customer.id, action="update", changes=audit.diff({"next_followup_on": old},
                                                                             {"next_followup_on": next_on}))
    session.flush()
    return True
