"""Merging duplicate customers into one, and undoing a merge.

``merge_customers`` keeps one customer: its empty fields are filled from the others (in the order given),
``take={"phone": 42}`` picks a field's value from a given record, and every row that references the others moves
over to the kept customer: the tables listed in ``CUSTOMER_REFERENCES`` (contacts, follow-ups, the audit history;
other areas append their own ``(table, column)``, e.g. shares, ownership history, deals, contracts). The others
are soft-deleted with a note. The merge is recorded with full snapshots of every record and the ids of every row
moved, so that ``undo_merge`` restores them exactly — as long as nothing has touched them since (no audit entry
after the merge and no later update of the records).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from crm_cli import audit
from crm_cli.access import can_edit
from crm_cli.dates import Clock
from crm_cli.db import rowmoves as bulk
from crm_cli.db.models import AuditEntry, Contact, Customer, Merge, User
from crm_cli.errors import Conflict, InvalidInput, NotFound, PermissionDenied

CUSTOMER_REFERENCES: list[tuple[str, str]] = [
    ("contacts", "customer_id"),
    ("followups", "customer_id"),
    ("audit_log", "customer_id"),
    ("ownership_history", "customer_id"),
    ("customer_shares", "customer_id"),
    ("invalidation_requests", "customer_id"),
    ("deals", "customer_id"),
    ("contracts", "customer_id"),
]
"""Every (table, column) that points at a customer and must follow it into a merge. Other areas append theirs."""

FIELDS = (
    "code", "name", "level", "stars", "source", "region", "industry", "is_target", "credit_code", "phone", "email",
    "website", "address", "notes", "owner_id", "custom",
)  # fmt: skip
"""Fields a merge fills or takes (``--take FIELD=ID``); ``owner`` is accepted for ``owner_id``."""
_SNAPSHOT_FIELDS = (
    *FIELDS, "owned_since", "created_at", "updated_at", "updated_by", "last_followup_at", "next_followup_on",
    "deleted_at", "name_key", "city_key", "phone_key", "email_key", "credit_key", "address_key", "search_text",
)  # fmt: skip
_INSTANTS = {"owned_since", "created_at", "updated_at", "last_followup_at", "deleted_at"}
_EMPTY: tuple[Any, ...] = (None, "", 0, False, {})


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def snapshot(customer: Customer) -> dict[str, Any]:
    return {k: _plain(getattr(customer, k)) for k in _SNAPSHOT_FIELDS}


def _restore(customer: Customer, snap: dict[str, Any]) -> None:
    for key, value in snap.items():
        if value is not None and key in _INSTANTS:
            value = datetime.fromisoformat(value)
        elif value is not None and key == "next_followup_on":
            value = date.fromisoformat(value)
        setattr(customer, key, value)


def _field(name: str) -> str:
    key = name.strip().lower().replace("-", "_")
    key = {"owner": "owner_id", "credit": "credit_code", "e_mail": "email", "target": "is_target"}.get(key, key)
    if key not in FIELDS:
        raise InvalidInput(f"cannot take field {name!r}; fields: {', '.join(f for f in FIELDS if f != 'owner_id')}, owner")
    return key


def conflicting_fields(keep: Customer, others: list[Customer]) -> list[tuple[str, list[tuple[int, Any]]]]:
    """Fields where the records hold different non-empty values: what an interactive merge asks about."""
    out = []
    for name in FIELDS:
        values = [(c.id, getattr(c, name)) for c in (keep, *others) if getattr(c, name) not in _EMPTY]
        if len({repr(v) for _, v in values}) > 1:
            out.append((name, values))  # type: ignore[arg-type]
    return out


def merged_values(keep: Customer, others: list[Customer], take: dict[str, int]) -> dict[str, Any]:
    """The kept customer's new field values (only those that change)."""
    by_id = {c.id: c for c in (keep, *others)}
    out: dict[str, Any] = {}
    for name in FIELDS:
        if name in take:
            value = getattr(by_id[take[name]], name)
        elif name == "custom":
            merged: dict[str, Any] = {}
            for c in reversed([keep, *others]):
                merged.update(c.custom or {})
            value = merged or None
        elif getattr(keep, name) in _EMPTY:
            value = next((getattr(c, name) for c in others if getattr(c, name) not in _EMPTY), getattr(keep, name))
        else:
            continue
        if value != getattr(keep, name):
            out[name] = value
    return out


def merge_customers(
    session: Session, *, user: User, clock: Clock, keep: Customer, others: list[Customer],
    take: dict[str, int] | None = None,
) -> Merge:
    """Merge ``others`` into ``keep`` in the caller's transaction. Returns the Merge record (its id undoes it)."""
    from crm_cli.customers import _index, _set_keys, refresh_search_text

    if not others:
        raise InvalidInput("give at least one customer to merge into the kept one")
    ids = [c.id for c in others]
    if keep.id in ids or len(set(ids)) != len(ids):
        raise InvalidInput("a customer appears twice in the merge: give the kept one and each other one once")
    for c in (keep, *others):
        if c.deleted_at is not None:
            raise Conflict(f"{c.label} is deleted; restore it first or leave it out of the merge")
        if not can_edit(user, c):
            raise PermissionDenied(f"{c.label} is not yours to merge; ask its owner or a manager")
    allowed = {keep.id, *ids}
    picks: dict[str, int] = {}
    for name, source in (take or {}).items():
        key = _field(name)
        if source not in allowed:
            raise InvalidInput(f"--take {name}={source}: #{source} is not one of the merged customers "
                               f"({', '.join(f'#{i}' for i in sorted(allowed))})")  # type: ignore[arg-type]
        picks[key] = source
    now = clock.now
    snap: dict[str, Any] = {"customers": {str(c.id): snapshot(c) for c in (keep, *others)}, "moved": {},
                            "unprimaried": []}
    values = merged_values(keep, others, picks)
    # Timeline fields follow the union of the follow-ups.
    lasts = [c.last_followup_at for c in (keep, *others) if c.last_followup_at]
    nexts = [c.next_followup_on for c in (keep, *others) if c.next_followup_on]
    if "code" in values:
        for c in others:
            if c.code == values["code"]:
                c.code = None
                session.add(c)
        session.flush()
    before = {k: getattr(keep, k) for k in values}
    for key, value in values.items():
        setattr(keep, key, value)
    if "owner_id" in values:
        keep.owned_since = now if values["owner_id"] else None
    keep.last_followup_at = max(lasts) if lasts else None
    keep.next_followup_on = min(nexts) if nexts else None
    keep.updated_at = now
    keep.updated_by = user.id
    has_primary = session.exec(select(Contact).where(Contact.customer_id == keep.id, col(Contact.is_primary))).first()
    for other in others:
        assert other.id is not None and keep.id is not None
        if has_primary:
            moving = session.exec(select(Contact).where(Contact.customer_id == other.id, col(Contact.is_primary)))
            for contact in moving:
                contact.is_primary = False
                session.add(contact)
                snap["unprimaried"].append(contact.id)
            session.flush()
        for table, column in CUSTOMER_REFERENCES:
            if not bulk.table_exists(session, table):
                continue
            moved = bulk.move_rows(session, table, column, other.id, keep.id)
            if moved:
                snap["moved"].setdefault(f"{table}.{column}", {})[str(other.id)] = moved
        other.deleted_at = now
        other.updated_at = now
        other.updated_by = user.id
        session.add(other)
    session.flush()
    session.expire_all()  # contacts and follow-ups changed under the ORM
    keep = session.get(Customer, keep.id)  # type: ignore[assignment]
    _set_keys(session, keep)
    refresh_search_text(session, keep)
    session.add(keep)
    session.flush()
    _index(session, keep)
    assert keep.id is not None
    record = Merge(at=now, user_id=user.id, keep_id=keep.id, other_ids=ids, snapshot=snap)  # type: ignore[arg-type]
    session.add(record)
    session.flush()
    note = f"merge {record.id}: merged " + ", ".join(f"#{i}" for i in ids)
    last = audit.record(session, at=now, user_id=user.id, entity="customer", entity_id=keep.id, customer_id=keep.id,
                        action="merge", changes=audit.diff(before, values), note=note)
    for other in others:
        last = audit.record(session, at=now, user_id=user.id, entity="customer", entity_id=other.id,  # type: ignore[arg-type]
                            customer_id=other.id, action="merged", note=f"merge {record.id}: merged into #{keep.id}")
    session.flush()
    record.audit_id = last.id
    session.add(record)
    session.flush()
    return record


def get_merge(session: Session, merge_id: int) -> Merge:
    record = session.get(Merge, merge_id)
    if record is None:
        raise NotFound(f"no merge {merge_id}: see `crm merge list`")
    return record


def list_merges(session: Session, *, limit: int = 50) -> list[Merge]:
    return list(session.exec(select(Merge).order_by(col(Merge.id).desc()).limit(limit)))


def undo_merge(session: Session, *, user: User, clock: Clock, merge_id: int) -> Merge:
    """Restore the records of a merge from its snapshots, moving every moved row back. Refused when any of the
    records changed since the merge."""
    from crm_cli.customers import _index

    record = get_merge(session, merge_id)
    if record.undone_at is not None:
        raise Conflict(f"merge {merge_id} was already undone")
    ids = [record.keep_id, *record.other_ids]
    customers = {c.id: c for c in session.exec(select(Customer).where(col(Customer.id).in_(ids)))}
    for cid in ids:
        c = customers.get(cid)
        if c is None:
            raise Conflict(f"customer #{cid} of merge {merge_id} no longer exists: the merge cannot be undone")
        if not can_edit(user, c):
            raise PermissionDenied(f"#{cid} is not yours: ask its owner or a manager to undo merge {merge_id}")
    later = session.exec(
        select(AuditEntry).where(col(AuditEntry.customer_id).in_(ids), col(AuditEntry.id) > (record.audit_id or 0))
        .order_by(AuditEntry.id).limit(1)
    ).first()
    changed = [cid for cid in ids if customers[cid].updated_at != record.at]
    if later is not None or changed:
        who = later.customer_id if later is not None else changed[0]
        what = f" ({later.entity} {later.action})" if later is not None else ""
        raise Conflict(f"customer #{who} changed after merge {merge_id}{what}: the merge cannot be undone; "
                       "fix the records by hand instead")
    snap = record.snapshot
    for key, by_other in snap.get("moved", {}).items():
        table, column = key.split(".", 1)
        for other_id, rowids in by_other.items():
            bulk.put_back(session, table, column, rowids, int(other_id))
    session.flush()
    session.expire_all()
    for contact_id in snap.get("unprimaried", []):
        contact = session.get(Contact, contact_id)
        if contact is not None:
            contact.is_primary = True
            session.add(contact)
    customers = {c.id: c for c in session.exec(select(Customer).where(col(Customer.id).in_(ids)))}
    # Codes are unique: clear them all first, then put each back.
    for c in customers.values():
        c.code = None
        session.add(c)
    session.flush()
    now = clock.now
    for cid in ids:
        c = customers[cid]
        _restore(c, snap["customers"][str(cid)])
        session.add(c)
    session.flush()
    for cid in ids:
        _index(session, customers[cid])
        audit.record(session, at=now, user_id=user.id, entity="customer", entity_id=cid, customer_id=cid,
                     action="unmerge", note=f"merge {merge_id} undone")
    record.undone_at = now
    record.undone_by = user.id
    session.add(record)
    session.flush()
    return record
