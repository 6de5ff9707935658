"""Invalid customers (无效客户) by approval: a rep files a request, a manager (for their team) or an admin approves
or rejects it. An approved customer becomes ``invalid`` and leaves its owner (it is hidden from reps' lists and
from the pool list). Every step is in the customer's history (audit log and ownership history).
"""

from __future__ import annotations

from sqlmodel import Session, col, or_, select

from crm_cli import audit
from crm_cli.access import can_edit, team_ids
from crm_cli.dates import Clock
from crm_cli.db.models import Customer, CustomerOwner, InvalidationRequest, User
from crm_cli.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from crm_cli.vocab import Level, Role

APPROVER_ROLES = (Role.ADMIN.value, Role.MANAGER.value)


def request_invalidation(
    session: Session, *, user: User, clock: Clock, customer: Customer, reason: str
) -> InvalidationRequest:
    from crm_cli.customers import clean_text

    why = clean_text(reason)
    if not why:
        raise InvalidInput("say why the customer is invalid: --reason \"...\"")
    if customer.deleted_at is not None:
        raise Conflict(f"{customer.label} is deleted")
    if customer.level == Level.INVALID.value:
        raise Conflict(f"{customer.label} is already invalid")
    if not can_edit(user, customer, session):
        raise PermissionDenied(f"{customer.label} is not yours; only its owner or their manager can ask")
    pending = session.exec(select(InvalidationRequest).where(
        InvalidationRequest.customer_id == customer.id, InvalidationRequest.status == "pending")).first()
    if pending is not None:
        raise Conflict(f"request #{pending.id} for {customer.label} is already waiting for approval")
    assert customer.id is not None
    request = InvalidationRequest(customer_id=customer.id, requested_by=user.id, requested_at=clock.now, reason=why)
    session.add(request)
    session.flush()
    audit.record(session, at=clock.now, user_id=user.id, entity="customer", entity_id=customer.id,
                 customer_id=customer.id, action="invalidate-request", note=f"request #{request.id}: {why}")
    return request


def _require_approver(user: User) -> None:
    if user.role not in APPROVER_ROLES:
        raise PermissionDenied(f"only managers and admins handle approvals; {user.username} is a {user.role}")


def list_requests(session: Session, *, user: User, status: str | None = "pending") -> list[InvalidationRequest]:
    """Requests ``user`` may decide: all for an admin, their team's (requester or owner) for a manager."""
    _require_approver(user)
    stmt = select(InvalidationRequest).join(CustomerOwner,
                                            col(CustomerOwner.customer_id) == InvalidationRequest.customer_id)
    if status:
        stmt = stmt.where(InvalidationRequest.status == status)
    if user.role == Role.MANAGER.value:
        team = sorted(team_ids(session, user))
        stmt = stmt.where(or_(col(InvalidationRequest.requested_by).in_(team), col(CustomerOwner.owner_id).in_(team)))
    return list(session.exec(stmt.order_by(col(InvalidationRequest.requested_at), col(InvalidationRequest.id))))


def get_request(session: Session, *, user: User, request_id: int) -> InvalidationRequest:
    visible = {r.id for r in list_requests(session, user=user, status=None)}
    request = session.get(InvalidationRequest, request_id)
    if request is None or request.id not in visible:
        raise NotFound(f"no request #{request_id} for you: see `crm approvals list`")
    return request


def decide(
    session: Session, *, user: User, clock: Clock, request_id: int, approve: bool, note: str | None = None
) -> InvalidationRequest:
    from crm_cli.customers import clean_text
    from crm_cli.pool import record_owner_change

    request = get_request(session, user=user, request_id=request_id)
    if request.status != "pending":
        raise Conflict(f"request #{request.id} is already {request.status}")
    customer = session.get(Customer, request.customer_id)
    assert customer is not None and customer.id is not None
    request.status = "approved" if approve else "rejected"
    request.decided_by = user.id
    request.decided_at = clock.now
    request.note = clean_text(note)
    session.add(request)
    text = f"request #{request.id}" + (f": {request.note}" if request.note else "")
    if not approve:
        audit.record(session, at=clock.now, user_id=user.id, entity="customer", entity_id=customer.id,
                     customer_id=customer.id, action="invalidate-reject", note=text)
        session.flush()
        return request
    changes = {"level": [customer.level, Level.INVALID.value]}
    if customer.owner_id is not None:
        changes["owner_id"] = [customer.owner_id, None]
        record_owner_change(session, at=clock.now, customer_id=customer.id, kind="invalidate",
                            from_id=customer.owner_id, to_id=None, by_id=user.id, reason=request.reason)
    customer.level = Level.INVALID.value
    customer.owner_id = None
    customer.owned_since = None
    customer.updated_at = clock.now
    customer.updated_by = user.id
    session.add(customer)
    audit.record(session, at=clock.now, user_id=user.id, entity="customer", entity_id=customer.id,
                 customer_id=customer.id, action="invalidate-approve", changes=changes, note=text)
    session.flush()
    return request
