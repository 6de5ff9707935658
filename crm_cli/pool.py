"""Ownership and the public pool (公海): claim, release, transfer, assign, share, and the ownership history.

A customer whose ``customer_owners.owner_id`` is NULL is in the pool. Every change of owner is one row of ``ownership_history``
(who, when, from, to, why, kind). The rules are database settings (``crm config set pool.<rule> value``):

- ``pool.idle_days``: days without a follow-up (counted from the later of the last follow-up and the day the
  owner got the customer) before the sweep returns it to the pool; 0 turns the rule off;
- ``pool.unwon_days``: days after assignment without becoming ``won``; 0 turns the rule off;
- ``pool.exempt_levels``: levels the sweep never touches (default: won);
- ``pool.max_owned``: how many customers one user may own; claim, assign and transfer refuse beyond it;
- ``pool.cooldown_days``: days during which a user who released or lost a customer cannot claim it back;
- ``pool.warn_days``: how many days before a sweep `crm remind` warns the owner.

Claims are race-safe: the owner is set by a conditional UPDATE of ``customer_owners`` (``WHERE owner_id IS NULL``
and the customer not deleted) inside the write transaction, so of two people claiming the same customer at once
exactly one wins; release and transfer change the owner only if it is still the one the caller saw.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from crm_cli import access, audit
from crm_cli.access import SEE_ALL, manages, owned_by, team_ids
from crm_cli.dates import Clock
from crm_cli.db.models import Customer, CustomerOwner, CustomerShare, OwnershipEvent, User
from crm_cli.errors import CapReached, Conflict, InvalidInput, PermissionDenied, Refused
from crm_cli.settings import get_setting
from crm_cli.vocab import Level, Role, parse_level

KINDS = ("add", "claim", "release", "transfer", "assign", "sweep", "invalidate")
LOST_KINDS = ("release", "sweep", "transfer", "assign", "invalidate")  # a from-user "lost" the customer


@dataclass(frozen=True)
class PoolRules:
    idle_days: int = 30
    unwon_days: int = 90
    exempt_levels: tuple[str, ...] = ("won",)
    max_owned: int = 500
    cooldown_days: int = 7
    warn_days: int = 3


RULE_KEYS = ["pool.idle_days", "pool.unwon_days", "pool.exempt_levels", "pool.max_owned", "pool.cooldown_days",
             "pool.warn_days"]


def rules(session: Session) -> PoolRules:
    from crm_cli.settings import get_settings

    got = get_settings(session, RULE_KEYS)  # one query (`crm remind` reads the rules three times)
    raw = got["pool.exempt_levels"] or []
    levels = tuple(parse_level(str(v)).value for v in (raw if isinstance(raw, list) else str(raw).split(",")) if str(v).strip())
    return PoolRules(
        idle_days=int(got["pool.idle_days"]), unwon_days=int(got["pool.unwon_days"]),
        exempt_levels=levels, max_owned=int(got["pool.max_owned"]),
        cooldown_days=int(got["pool.cooldown_days"]), warn_days=int(got["pool.warn_days"]),
    )  # fmt: skip


def record_owner_change(
    session: Session,
    *,
    at: datetime,
    customer_id: int,
    kind: str,
    from_id: int | None,
    to_id: int | None,
    by_id: int | None,
    reason: str | None = None,
) -> OwnershipEvent:
    assert kind in KINDS, kind
    if kind != "add":
        drop_shares(session, customer_id)
    event = OwnershipEvent(at=at, customer_id=customer_id, kind=kind, from_user_id=from_id, to_user_id=to_id,
                           by_user_id=by_id, reason=reason)
    session.add(event)
    return event


def drop_shares(session: Session, customer_id: int) -> None:
    """A change of owner ends the old owner's shares: the new owner decides whom to share with."""
    session.execute(delete(CustomerShare).where(col(CustomerShare.customer_id) == customer_id))


def history(session: Session, customer_id: int) -> list[OwnershipEvent]:
    stmt = select(OwnershipEvent).where(OwnershipEvent.customer_id == customer_id)
    return list(session.exec(stmt.order_by(col(OwnershipEvent.at), col(OwnershipEvent.id))))


def owned_count(session: Session, user_id: int) -> int:
    stmt = select(func.count()).select_from(Customer).where(owned_by(user_id), col(Customer.deleted_at).is_(None))
    return int(session.exec(stmt).one())


def check_cap(session: Session, target: User, adding: int, *, verb: str = "claiming") -> None:
    cap = int(get_setting(session, "pool.max_owned"))
    if cap <= 0 or adding <= 0:
        return
    assert target.id is not None
    owned = owned_count(session, target.id)
    if owned + adding > cap:
        room = max(cap - owned, 0)
        raise CapReached(
            f"{target.username} owns {owned} customer{'' if owned == 1 else 's'} and the cap is {cap} (pool.max_owned): {verb} {adding} more "
            f"would exceed it (room for {room}); release some first or ask an admin to raise pool.max_owned"
        )


def check_cooldown(session: Session, *, user: User, customer: Customer, clock: Clock) -> None:
    days = int(get_setting(session, "pool.cooldown_days"))
    if days <= 0:
        return
    since = clock.now - timedelta(days=days)
    stmt = (
        select(OwnershipEvent)
        .where(OwnershipEvent.from_user_id == user.id, OwnershipEvent.customer_id == customer.id,
               col(OwnershipEvent.kind).in_(LOST_KINDS), col(OwnershipEvent.at) >= since)
        .order_by(col(OwnershipEvent.at).desc())
        .limit(1)
    )  # fmt: skip
    event = session.exec(stmt).first()
    if event is None:
        return
    assert event.at is not None
    until = event.at + timedelta(days=days)
    how = "released" if event.kind == "release" else "lost"
    raise Refused(
        f"{customer.label}: you {how} it on {event.at.astimezone(clock.tz):%Y-%m-%d %H:%M} ({event.kind}); "
        f"you can claim it back from {until.astimezone(clock.tz):%Y-%m-%d %H:%M} (pool.cooldown_days = {days})"
    )


def _owner_name(session: Session, owner_id: int | None) -> str:
    if owner_id is None:
        return "the pool"
    owner = session.get(User, owner_id)
    return owner.username if owner else f"user #{owner_id}"


def _set_owner(session: Session, customer: Customer, *, expected: int | None, to: int | None, since: datetime | None,
               live: bool = False) -> bool:
    """The conditional UPDATE of the customer's ``customer_owners`` row: the owner becomes ``to`` only if it is
    still ``expected`` (and, with ``live``, the customer is not deleted: checked in the same statement). Reloads
    the customer and its owner row either way; returns whether the row changed."""
    owners = col(CustomerOwner.owner_id)
    conds = [col(CustomerOwner.customer_id) == customer.id,
             owners.is_(None) if expected is None else owners == expected]
    if live:
        conds.append(col(CustomerOwner.customer_id).in_(
            select(Customer.id).where(col(Customer.id) == customer.id, col(Customer.deleted_at).is_(None))))
    result = session.execute(
        update(CustomerOwner).where(*conds).values(owner_id=to, owned_since=since)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    _reload(session, customer)
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def _reload(session: Session, customer: Customer) -> None:
    session.refresh(customer)
    if customer.owner_row is not None:
        session.refresh(customer.owner_row)


def _take_from_pool(session: Session, customer: Customer, *, to: User, clock: Clock) -> None:
    """The conditional UPDATE: only a live customer still in the pool gets an owner."""
    if not _set_owner(session, customer, expected=None, to=to.id, since=clock.now, live=True):
        if customer.deleted_at is not None:
            raise Conflict(f"{customer.label} was just deleted")
        raise Conflict(f"{customer.label} was just taken by {_owner_name(session, customer.owner_id)}")


def _check_poolable(session: Session, customer: Customer, *, user: User) -> None:
    if customer.deleted_at is not None:
        raise Conflict(f"{customer.label} is deleted")
    if customer.level == Level.INVALID.value:
        raise Refused(f"{customer.label} is invalid (无效客户) and cannot be claimed or assigned")
    if customer.owner_id == user.id:
        raise Conflict(f"{customer.label} is already yours")
    if customer.owner_id is not None:
        raise Conflict(f"{customer.label} is not in the pool: it belongs to {_owner_name(session, customer.owner_id)}")


def resolve_for_pool(session: Session, ref: str, *, user: User) -> Customer:
    """Resolve a reference for claim/assign. A customer the user cannot see because someone owns it is reported
    as "not in the pool" (exit 4), not as missing: that is what happens when a colleague claimed it first."""
    from crm_cli.customers import resolve_customer
    from crm_cli.errors import NotFound

    try:
        return resolve_customer(session, ref, user=user)
    except NotFound:
        text = str(ref).strip().lstrip("#")
        if text.isdigit():
            other = session.get(Customer, int(text))
            if other is not None and other.deleted_at is None and other.owner_id is not None:
                raise Conflict(f"customer #{other.id} is not in the pool: someone owns it") from None
        raise


def claim(session: Session, *, user: User, clock: Clock, customers: list[Customer]) -> list[Customer]:
    """Take pool customers for ``user``. All or nothing: any refusal (owned, cooldown, cap) changes nothing."""
    unique = list({c.id: c for c in customers}.values())
    for customer in unique:
        _check_poolable(session, customer, user=user)
        check_cooldown(session, user=user, customer=customer, clock=clock)
    check_cap(session, user, len(unique))
    for customer in unique:
        _take_from_pool(session, customer, to=user, clock=clock)
        assert customer.id is not None
        record_owner_change(session, at=clock.now, customer_id=customer.id, kind="claim", from_id=None,
                            to_id=user.id, by_id=user.id)
    session.flush()
    return unique


def assign(
    session: Session, *, user: User, clock: Clock, customers: list[Customer], to: User, reason: str | None = None
) -> list[Customer]:
    """A manager, admin or assistant gives pool customers to ``to`` (a manager: only to their team)."""
    if user.role not in (*SEE_ALL, Role.MANAGER.value):
        raise PermissionDenied(f"only managers, admins and assistants assign customers; {user.username} is a {user.role}")
    _check_assignee(session, user, to)
    unique = list({c.id: c for c in customers}.values())
    for customer in unique:
        if customer.owner_id is not None and customer.owner_id != to.id:
            raise Conflict(f"{customer.label} belongs to {_owner_name(session, customer.owner_id)}; "
                           f"use `crm customer transfer {customer.id} --to {to.username}`")
        _check_poolable(session, customer, user=to)
    check_cap(session, to, len(unique), verb="assigning")
    for customer in unique:
        _take_from_pool(session, customer, to=to, clock=clock)
        assert customer.id is not None
        record_owner_change(session, at=clock.now, customer_id=customer.id, kind="assign", from_id=None,
                            to_id=to.id, by_id=user.id, reason=_clean(reason))
    session.flush()
    return unique


def _check_assignee(session: Session, user: User, to: User) -> None:
    if not to.active:
        raise Refused(f"user {to.username} is deactivated")
    if user.role == Role.MANAGER.value and to.id not in team_ids(session, user):
        raise PermissionDenied(f"{to.username} is not in your team; a manager assigns only to their team")


def _clean(text: str | None) -> str | None:
    from crm_cli.customers import clean_text

    return clean_text(text)


def _check_owner_or_manager(session: Session, user: User, customer: Customer, what: str) -> None:
    if customer.owner_id == user.id or manages(session, user, customer.owner_id):
        return
    raise PermissionDenied(f"{customer.label} belongs to {_owner_name(session, customer.owner_id)}; "
                           f"only the owner or their manager can {what} it")


def release(session: Session, *, user: User, clock: Clock, customer: Customer, reason: str) -> Customer:
    """Return a customer to the pool (the owner, their manager, an admin or assistant). A reason is required."""
    why = _clean(reason)
    if not why:
        raise InvalidInput("say why the customer goes back to the pool: --reason \"...\"")
    if customer.owner_id is None:
        raise Conflict(f"{customer.label} is already in the pool")
    _check_owner_or_manager(session, user, customer, "release")
    previous = customer.owner_id
    if not _set_owner(session, customer, expected=previous, to=None, since=None):
        raise Conflict(f"{customer.label} changed hands meanwhile: it belongs to {_owner_name(session, customer.owner_id)}")
    assert customer.id is not None
    record_owner_change(session, at=clock.now, customer_id=customer.id, kind="release", from_id=previous,
                        to_id=None, by_id=user.id, reason=why)
    session.flush()
    return customer


def transfer(
    session: Session, *, user: User, clock: Clock, customer: Customer, to: User, reason: str | None = None
) -> Customer:
    """Hand a customer to another user (the owner, their manager, an admin or assistant)."""
    if customer.deleted_at is not None:
        raise Conflict(f"{customer.label} is deleted")
    if customer.owner_id is None:
        raise Conflict(f"{customer.label} is in the pool: claim it (crm pool claim) or assign it (crm pool assign)")
    if customer.owner_id == to.id:
        raise Conflict(f"{customer.label} already belongs to {to.username}")
    _check_owner_or_manager(session, user, customer, "transfer")
    if not to.active:
        raise Refused(f"user {to.username} is deactivated")
    check_cap(session, to, 1, verb="transferring")
    previous = customer.owner_id
    if not _set_owner(session, customer, expected=previous, to=to.id, since=clock.now):
        raise Conflict(f"{customer.label} changed hands meanwhile: it belongs to {_owner_name(session, customer.owner_id)}")
    assert customer.id is not None
    record_owner_change(session, at=clock.now, customer_id=customer.id, kind="transfer", from_id=previous,
                        to_id=to.id, by_id=user.id, reason=_clean(reason))
    session.flush()
    return customer


def share(
    session: Session, *, user: User, clock: Clock, customer: Customer, with_user: User, revoke: bool = False
) -> bool:
    """Let ``with_user`` see a customer they do not own (or stop it). Returns whether anything changed."""
    if customer.owner_id is None:
        raise Conflict(f"{customer.label} is in the pool, which everyone sees; nothing to share")
    _check_owner_or_manager(session, user, customer, "share")
    if with_user.id == customer.owner_id:
        raise Conflict(f"{with_user.username} owns {customer.label}")
    existing = session.get(CustomerShare, (customer.id, with_user.id))
    assert customer.id is not None
    if revoke:
        if existing is None:
            raise Conflict(f"{customer.label} is not shared with {with_user.username}")
        session.execute(delete(CustomerShare).where(col(CustomerShare.customer_id) == customer.id,
                                                    col(CustomerShare.user_id) == with_user.id))
        action = "unshare"
    else:
        if existing is not None:
            raise Conflict(f"{customer.label} is already shared with {with_user.username}")
        session.add(CustomerShare(customer_id=customer.id, user_id=with_user.id, granted_by=user.id,
                                  granted_at=clock.now))
        action = "share"
    audit.record(session, at=clock.now, user_id=user.id, entity="customer", entity_id=customer.id,
                 customer_id=customer.id, action=action, note=with_user.username)
    session.flush()
    return True


def shared_with(session: Session, customer: Customer) -> list[str]:
    """The usernames ``customer`` is shared with. The query lives in crm_cli.access (`customer show` needs no pool)."""
    return access.shared_with(session, customer)
