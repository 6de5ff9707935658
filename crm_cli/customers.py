"""Customers: validation, add/edit/delete/restore, references, listing with filters, the duplicate gate.

All rules live here; the CLI and the dashboard call these functions with a session, the acting user and a clock.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from crm_cli import audit
from crm_cli.access import (
    OWNERS,
    can_edit,
    can_see,
    in_pool,
    owned_by,
    owner_of,
    owner_row_matches,
    visible_clause,
)
from crm_cli.dates import Clock
from crm_cli.db.models import OWNER_FIELDS, Customer, User
from crm_cli.db.search import build_search_text, search_clause
from crm_cli.errors import Conflict, DuplicateRefused, InvalidInput, NotFound, PermissionDenied
from crm_cli.vocab import parse_level

EDITABLE_FIELDS = (
    "code", "name", "level", "stars", "source", "region", "industry", "is_target", "credit_code",
    "phone", "email", "website", "address", "notes",
)  # fmt: skip
TEXT_FIELDS = ("code", "source", "region", "industry", "phone", "email", "website", "address", "notes")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def clean_text(value: Any) -> str | None:
    """Trim (full-width spaces too) and NFKC-normalise; empty becomes None."""
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip()
    return text or None


def validate_fields(data: dict[str, Any]) -> dict[str, Any]:
    """Check and normalise customer fields. Unknown keys and bad values raise InvalidInput naming the field."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key == "custom":
            if value is not None and not isinstance(value, dict):
                raise InvalidInput("custom fields must be a mapping of name → value")
            out[key] = value
            continue
        if key not in EDITABLE_FIELDS:
            raise InvalidInput(f"unknown customer field {key!r}; fields: {', '.join(EDITABLE_FIELDS)}")
        if key == "name":
            name = clean_text(value)
            if not name:
                raise InvalidInput("customer name is empty: give the company or person name")
            out[key] = name
        elif key == "level":
            out[key] = parse_level(str(value)).value
        elif key == "stars":
            out[key] = parse_stars(value)
        elif key == "is_target":
            out[key] = bool(value)
        elif key == "credit_code":
            out[key] = validate_credit_code(value)
        elif key == "email":
            out[key] = validate_email(value)
        elif key == "phone":
            out[key] = validate_phone(value, "phone")
        else:
            out[key] = clean_text(value)
    return out


def validate_phone(value: Any, field: str = "phone") -> str | None:
    """A phone or mobile as typed (extensions, several numbers and notes such as 转 808 are kept), refused only when
    it holds no digit at all ('abc', '见备注'): that is not a number anyone can call."""
    text = clean_text(value)
    if text is not None and not any(ch.isdigit() for ch in text):
        raise InvalidInput(f"{field} {text!r} has no digits: give a number such as 0755-86001234 or 13812345678")
    return text


def parse_stars(value: Any) -> int:
    """0–5, from 3, "3", 三星, 五 or ★★★ (the same reading as a stars column of an imported sheet)."""
    from crm_cli.sheets.cells import CellError, to_stars

    try:
        return to_stars(value)
    except CellError as exc:
        raise InvalidInput(str(exc)) from exc


def validate_email(value: Any) -> str | None:
    text = clean_text(value)
    if text is None:
        return None
    if not _EMAIL.match(text):
        raise InvalidInput(f"invalid e-mail {text!r}: expected name@example.com")
    return text


def validate_credit_code(value: Any) -> str | None:
    """统一社会信用代码: 18 characters with a check character (GB 32100-2015), checked by python-stdnum."""
    text = clean_text(value)
    if text is None:
        return None
    from stdnum.cn import uscc
    from stdnum.exceptions import ValidationError

    try:
        return str(uscc.validate(text))
    except ValidationError as exc:
        raise InvalidInput(
            f"invalid credit code {text!r} (统一社会信用代码): {exc.message.rstrip('.')}; check the 18 characters"
        ) from exc


# ----------------------------------------------------------------------------------------------- keys and search


def compute_keys(values: dict[str, Any], *, phone_region: str = "CN") -> dict[str, str | None]:
    """Normalised keys stored in indexed columns so that the duplicate check looks them up instead of computing.

    name_key is the distinctive core of the name (crm_cli.normalize), phone_key E.164, plus city and address keys.
    """
    from crm_cli.dedupe_keys import customer_keys

    return customer_keys(values, phone_region=phone_region)


def refresh_search_text(session: Session, customer: Customer) -> None:
    contacts: Sequence[Any] = []
    if customer.id:  # a new customer has no contacts yet (and `crm customer add` builds no Contact class)
        from crm_cli.db.models import Contact

        contacts = session.exec(select(Contact).where(Contact.customer_id == customer.id)).all()
    parts: list[str | None] = [customer.name, customer.code, customer.phone, customer.email]
    for c in contacts:
        parts.extend([c.name, c.mobile, c.phone, c.email, c.wechat])
    customer.search_text = build_search_text(*parts)


# ------------------------------------------------------------------------------------------------- duplicates


@dataclass
class DuplicateMatch:
    customer: Customer
    score: int
    reasons: list[str] = field(default_factory=list)
    visible: bool = True  # False: the acting user may not see this customer (only its name and owner are shown)


def find_duplicates(
    session: Session, values: dict[str, Any], *, exclude_id: int | None = None, limit: int = 10,
    min_score: int | None = None, user: User | None = None,
) -> list[DuplicateMatch]:
    """Existing customers that look like ``values`` (a dict of customer fields), best first, with score and reasons:
    the one function the add/edit commands, the importer and the dashboard all use.

    All live customers are considered, whoever owns them; with ``user`` given, matches that user may not see are
    marked ``visible=False`` so that callers show only their name and owner. ``min_score`` defaults to the
    setting ``dedupe.min_score``.
    """
    from crm_cli.dedupe import check_entry

    found = check_entry(session, values, exclude_id=exclude_id, min_score=min_score, limit=limit)
    return [DuplicateMatch(c.customer, c.score, c.reasons, visible=user is None or can_see(user, c.customer))
            for c in found]


def describe_match(match: DuplicateMatch, owners: dict[int, str] | None = None) -> str:
    """One line for a likely duplicate; a customer hidden from the user shows only its name and owner."""
    owner = (owners or {}).get(match.customer.owner_id) if match.customer.owner_id else "public pool"  # type: ignore[arg-type]
    head = f"#{match.customer.id} {match.customer.name}"
    if not match.visible:
        return f"{head} (owned by {owner or 'another user'}, not visible to you): score {match.score}"
    return f"{head} [{owner or '?'}]: score {match.score} — {', '.join(match.reasons)}"


def _refuse_duplicates(matches: list[DuplicateMatch], name: str, session: Session | None = None) -> None:
    owners = usernames(session, {m.customer.owner_id for m in matches}) if session is not None else {}
    details = [describe_match(m, owners) for m in matches]
    hidden = sum(not m.visible for m in matches)
    note = f" ({hidden} of them owned by someone else and hidden from you)" if hidden else ""
    raise DuplicateRefused(
        f"{name!r} looks like {len(matches)} existing customer(s){note}; use --force to add it anyway",
        matches=matches, details=details,
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------- add / edit


IDENTITY_FIELDS = ("name", "phone", "email", "credit_code", "address", "region")


def _set_keys(session: Session, customer: Customer) -> None:
    """Recompute the normalised keys of ``customer`` (stored in indexed columns, see crm_cli.dedupe)."""
    from crm_cli.dedupe_keys import phone_region

    keys = compute_keys({k: getattr(customer, k) for k in IDENTITY_FIELDS}, phone_region=phone_region(session))
    for key, value in keys.items():
        setattr(customer, key, value)


def _index(session: Session, customer: Customer) -> None:
    from crm_cli.dedupe_keys import index_customer

    index_customer(session, customer)


def _check_code_free(session: Session, code: str | None, exclude_id: int | None = None) -> None:
    if not code:
        return
    stmt = select(Customer).where(Customer.code == code)
    other = session.exec(stmt).first()
    if other is not None and other.id != exclude_id:
        raise Conflict(f"code {code!r} already belongs to customer #{other.id} {other.name}")


def add_customer(
    session: Session,
    *,
    user: User,
    clock: Clock,
    data: dict[str, Any],
    owner: User | None | str = "me",
    force: bool = False,
) -> Customer:
    """Create a customer. ``owner``: "me" (default), a User, or None for the public pool."""
    if "name" not in data:
        raise InvalidInput("customer name is empty: give the company or person name")
    values = validate_fields(data)
    _check_code_free(session, values.get("code"))
    if not force:
        matches = find_duplicates(session, values, user=user)
        if matches:
            _refuse_duplicates(matches, values["name"], session)
    owner_user = user if owner == "me" else owner
    assert owner_user is None or isinstance(owner_user, User)
    customer = Customer(**values)
    if customer.level == "won":
        customer.won_on = clock.today
    customer.owner_id = owner_user.id if owner_user else None
    customer.owned_since = clock.now if owner_user else None
    customer.created_at = customer.updated_at = clock.now
    customer.created_by = customer.updated_by = user.id
    _set_keys(session, customer)
    refresh_search_text(session, customer)
    session.add(customer)
    session.flush()
    assert customer.id is not None
    _index(session, customer)
    # written at once (everything pending was flushed above, so it takes the place a pending entry would)
    audit.record_now(
        session, at=clock.now, user_id=user.id, entity="customer", entity_id=customer.id,
        customer_id=customer.id, action="create",
        changes=audit.diff({}, {**values, "owner_id": customer.owner_id}),
    )  # fmt: skip
    # the "add" entry of the ownership history (as crm_cli.pool.record_owner_change writes it, with nothing to drop),
    # through the light table: the pool module and its history models stay unloaded
    from sqlalchemy import insert

    from crm_cli.db.lean import OWNERSHIP_HISTORY

    session.execute(insert(OWNERSHIP_HISTORY).values(at=clock.now, customer_id=customer.id, kind="add",
                                                     from_user_id=None, to_user_id=customer.owner_id,
                                                     by_user_id=user.id, reason=None))
    return customer


def edit_customer(
    session: Session,
    *,
    user: User,
    clock: Clock,
    customer: Customer,
    changes: dict[str, Any],
    force: bool = False,
) -> dict[str, list[Any]]:
    """Apply ``changes`` (only the given fields). Returns {field: [old, new]}; empty when nothing changed."""
    if not can_edit(user, customer):
        raise PermissionDenied(f"{customer.label} is not yours to edit" + (
            "; claim it from the pool first" if customer.owner_id is None else ""))
    if customer.deleted_at is not None:
        raise Conflict(f"{customer.label} is deleted; restore it first with `crm customer restore {customer.id}`")
    custom = changes.pop("custom", None)
    values = validate_fields(changes)
    if values.get("level") == "invalid" and customer.level != "invalid" and user.role == "rep":
        raise PermissionDenied(f"a rep cannot mark {customer.label} invalid directly: file a request with "
                               f"`crm customer invalidate {customer.id} --reason ...`")
    if custom:
        merged = dict(customer.custom or {})
        for k, v in custom.items():
            if v is None or v == "":
                merged.pop(k, None)
            else:
                merged[k] = v
        values["custom"] = merged or None
    if "level" in values and values["level"] != customer.level:  # the won transition keeps its date
        values["won_on"] = (customer.won_on or clock.today) if values["level"] == "won" else None
    old = {k: getattr(customer, k) for k in values}
    delta = audit.diff(old, values)
    if not delta:
        return {}
    if "code" in delta:
        _check_code_free(session, values.get("code"), customer.id)
    identity = set(IDENTITY_FIELDS) & delta.keys()
    if identity and not force:
        merged_values = {k: getattr(customer, k) for k in IDENTITY_FIELDS} | values
        matches = find_duplicates(session, merged_values, exclude_id=customer.id, user=user)
        if matches:
            _refuse_duplicates(matches, merged_values["name"], session)
    for key, value in values.items():
        setattr(customer, key, value)
    if identity:
        _set_keys(session, customer)
    customer.updated_at = clock.now
    customer.updated_by = user.id
    refresh_search_text(session, customer)
    session.add(customer)
    assert customer.id is not None
    if identity:
        _index(session, customer)
    audit.record(
        session, at=clock.now, user_id=user.id, entity="customer", entity_id=customer.id,
        customer_id=customer.id, action="update", changes=delta,
    )  # fmt: skip
    session.flush()
    return delta


def delete_customer(session: Session, *, user: User, clock: Clock, customer: Customer, reason: str | None = None) -> None:
    """Soft delete: the customer disappears from lists but keeps its history and can be restored."""
    if not can_edit(user, customer):
        raise PermissionDenied(f"{customer.label} is not yours to delete")
    if customer.deleted_at is not None:
        raise Conflict(f"{customer.label} is already deleted")
    customer.deleted_at = clock.now
    customer.updated_at = clock.now
    customer.updated_by = user.id
    session.add(customer)
    assert customer.id is not None
    audit.record(session, at=clock.now, user_id=user.id, entity="customer", entity_id=customer.id,
                 customer_id=customer.id, action="delete", note=reason)
    session.flush()


def restore_customer(session: Session, *, user: User, clock: Clock, customer: Customer) -> None:
    if customer.deleted_at is None:
        raise Conflict(f"{customer.label} is not deleted")
    if not can_edit(user, customer):
        raise PermissionDenied(f"{customer.label} is not yours to restore")
    customer.deleted_at = None
    customer.updated_at = clock.now
    customer.updated_by = user.id
    session.add(customer)
    assert customer.id is not None
    audit.record(session, at=clock.now, user_id=user.id, entity="customer", entity_id=customer.id,
                 customer_id=customer.id, action="restore")
    session.flush()


# ------------------------------------------------------------------------------------------------ references


def resolve_customer(session: Session, ref: str | int, *, user: User, include_deleted: bool = False) -> Customer:
    """A customer by numeric id, code, or name (exact, else a unique partial match)."""
    text = str(ref).strip()
    if not text:
        raise InvalidInput("empty customer reference: give an id, code or name")
    live = [] if include_deleted else [col(Customer.deleted_at).is_(None)]
    vis = visible_clause(user, indexed=False)  # rows found by id, code or name: the owner checked per row
    customer: Customer | None = None
    numeric = text.lstrip("#").isdigit()
    deleted: Customer | None = None  # the id of a deleted customer (said so if nothing else matches)
    if numeric:
        customer = session.get(Customer, int(text.lstrip("#")))
        if customer is not None and not can_see(user, customer, session):
            customer = None
        elif customer is not None and customer.deleted_at is not None and not include_deleted:
            deleted, customer = customer, None
        if customer is None and text.startswith("#"):
            raise NotFound(_gone(deleted) if deleted else f"no customer #{text.lstrip('#')}")
    if customer is None:
        customer = session.exec(select(Customer).where(Customer.code == text, vis, *live)).first()
    if customer is None:
        name = clean_text(text) or text
        exact = session.exec(select(Customer).where(Customer.name == name, vis, *live).limit(11)).all()
        if len(exact) == 1:
            customer = exact[0]
        elif len(exact) > 1:
            _ambiguous(text, exact)
        elif numeric:  # an id: "6" is not part of every name with a 6 in it
            raise NotFound(_gone(deleted) if deleted else f"no customer #{text.lstrip('#')} (nor code or name {text!r}); "
                           f"names containing it: `crm customer list --search {text.lstrip('#')}`")
        else:
            escaped = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            partial = session.exec(
                select(Customer)
                .where(col(Customer.name).like(f"%{escaped}%", escape="\\"), vis, *live)
                .order_by(Customer.id)
                .limit(11)
            ).all()
            if len(partial) == 1:
                customer = partial[0]
            elif len(partial) > 1:
                _ambiguous(text, partial)
    if customer is None:
        raise NotFound(f"no customer matches {text!r}: try `crm customer list --search {text}`")
    return customer


def _gone(customer: Customer) -> str:
    return (f"customer #{customer.id} {customer.name} is deleted: see it with `crm customer history {customer.id}`, "
            f"bring it back with `crm customer restore {customer.id}`")


def _ambiguous(ref: str, candidates: list[Customer]) -> None:
    shown = [f"#{c.id} {c.name}" + (f" [{c.code}]" if c.code else "") for c in candidates[:10]]
    more = " (and more)" if len(candidates) > 10 else ""
    raise InvalidInput(f"{ref!r} matches several customers{more}; use the id or code", details=shown)


# ---------------------------------------------------------------------------------------------------- listing

SORTS = {
    "name": (Customer.name,), "-name": (col(Customer.name).desc(),),
    "id": (Customer.id,), "-id": (col(Customer.id).desc(),),
    "created": (Customer.created_at,), "-created": (col(Customer.created_at).desc(),),
    "updated": (col(Customer.updated_at).desc(),),
    "next": (col(Customer.next_followup_on).is_(None), Customer.next_followup_on),
    "last": (owner_of("last_followup_at").is_(None), owner_of("last_followup_at")),
    "-last": (owner_of("last_followup_at").desc(),),
    "stars": (col(Customer.stars).desc(), Customer.id),
    "level": (Customer.level, Customer.id),
}  # fmt: skip
DUE_CHOICES = ("today", "overdue", "week")


@dataclass
class CustomerQuery:
    level: list[str] = field(default_factory=list)
    min_stars: int | str | None = None  # 3, "3", 三星, ★★★ (read by _stars)
    owner: str | None = None  # "me", "pool", "all"/None, or a username
    source: str | None = None
    region: str | None = None
    industry: str | None = None
    due: str | None = None  # today | overdue | week
    idle_days: int | None = None
    search: str | None = None
    is_target: bool | None = None
    deleted: bool = False
    sort: str = "id"
    limit: int | None = 50
    offset: int = 0


def query_conditions(session: Session, query: CustomerQuery, *, user: User, clock: Clock) -> list[Any]:
    """The conditions of ``query``, on customers. Who owns a customer is in customer_owners: visibility and
    ``idle_days`` are checked row by row (one primary-key lookup into customer_owners per row the other conditions
    reach, see visible_clause), so that a page in id order or along an index stops after the page; an owner filter
    leads by ix_customer_owners_owner (the ids of that owner's customers, in id order)."""
    owner = (query.owner or "all").strip()
    conds: list[Any] = [col(Customer.deleted_at).is_not(None) if query.deleted else col(Customer.deleted_at).is_(None)]
    if query.level:
        conds.append(col(Customer.level).in_([parse_level(v).value for v in query.level]))
    if query.min_stars is not None:
        conds.append(Customer.stars >= parse_stars(query.min_stars))
    if owner == "me":
        conds.append(owned_by(user.id))
    elif owner in ("pool", "公海"):
        conds.append(in_pool())
    elif owner != "all":
        from crm_cli.users import get_user

        conds.append(owned_by(get_user(session, owner).id))
    for name in ("source", "region", "industry"):
        value = getattr(query, name)
        if value:
            conds.append(getattr(Customer, name) == clean_text(value))
    if query.is_target is not None:
        conds.append(Customer.is_target == query.is_target)
    today = clock.today
    if query.due:
        if query.due == "today":
            conds.append(Customer.next_followup_on == today)
        elif query.due == "overdue":
            conds.append(col(Customer.next_followup_on) < today)
        elif query.due == "week":
            conds.append(col(Customer.next_followup_on) <= today + timedelta(days=7))
        else:
            raise InvalidInput(f"unknown due filter {query.due!r}: use today, overdue or week")
    if query.idle_days is not None:
        if query.idle_days < 0:
            raise InvalidInput("--idle-days must be 0 or more")
        cutoff = clock.day_start(today - timedelta(days=query.idle_days))
        last = OWNERS.c.last_followup_at  # one primary-key lookup in customer_owners per row the others reach
        conds.append(owner_row_matches(or_(last.is_(None), last < cutoff)))
    # After the column tests, so that the lookup runs only for the rows they let through (SQLite codes terms with a
    # correlated subquery last in any case), and before a substring search. What a user owns they see (a manager's
    # team includes them): "me" needs no visibility check per row.
    if owner != "me":
        conds.append(visible_clause(user, indexed=False))
    if query.search:
        conds.append(search_clause(query.search))
    return conds


def _only_visibility(query: CustomerQuery) -> bool:
    """The query keeps the live customers the user may see, with no other filter."""
    return not (query.level or query.min_stars is not None or (query.owner or "all").strip() != "all"
                or query.source or query.region or query.industry or query.due or query.idle_days is not None
                or query.search or query.is_target is not None or query.deleted)


def _entity(columns: Sequence[str] | None) -> Any:
    """What a listing selects: whole Customer objects, or only these columns (rows with the same attribute names;
    a small Core select compiles and loads several times faster than the whole entity). ``owner_id``,
    ``owned_since`` and ``last_followup_at`` come from customer_owners, one primary-key lookup per row."""
    if columns is None:
        return select(Customer)
    from sqlalchemy import select as core_select

    table = Customer.__table__.c  # type: ignore[attr-defined]
    return core_select(*(owner_of(name).label(name) if name in OWNER_FIELDS else table[name] for name in columns))


def _rows(session: Session, stmt: Any, columns: Sequence[str] | None) -> list[Any]:
    return list(session.exec(stmt)) if columns is None else list(session.execute(stmt).all())


def list_customers(
    session: Session, query: CustomerQuery, *, user: User, clock: Clock, columns: Sequence[str] | None = None
) -> list[Customer]:
    """The page of customers the query asks for; with ``columns``, rows of only those columns (see _entity)."""
    if query.sort not in SORTS:
        raise InvalidInput(f"unknown sort {query.sort!r}: use one of {', '.join(SORTS)}")
    condition = and_(*query_conditions(session, query, user=user, clock=clock))
    if query.sort in ("id", "-id") and query.limit is not None and _only_visibility(query):
        from crm_cli.db.dialect import no_index

        condition = no_index(condition)  # a scan in id order stops after the page (see no_index)
    stmt = _entity(columns).where(condition)
    stmt = stmt.order_by(*SORTS[query.sort], Customer.id).offset(query.offset)
    if query.limit is not None:
        stmt = stmt.limit(query.limit)
    return _rows(session, stmt, columns)


def count_customers(session: Session, query: CustomerQuery, *, user: User, clock: Clock) -> int:
    stmt = select(func.count()).select_from(Customer).where(and_(*query_conditions(session, query, user=user, clock=clock)))
    return int(session.exec(stmt).one())


COUNT_LIMIT = 10_000  # list_customers_counted counts up to this many customers without a search ("10000+")


def count_customers_upto(session: Session, query: CustomerQuery, *, user: User, clock: Clock,
                         limit: int) -> tuple[int, bool]:
    """(the number of matching customers, whether there are more): counts at most ``limit``, so that it stops
    early on a big list instead of reading every visible customer (40 ms for a rep's 43k on 100k)."""
    matching = select(col(Customer.id)).where(and_(*query_conditions(session, query, user=user, clock=clock)))
    if _scan_to_count(query, user):
        from crm_cli.db.dialect import in_id_order

        matching = in_id_order(matching, Customer.__table__)  # type: ignore[attr-defined]
    stmt = select(func.count()).select_from(matching.limit(limit + 1).subquery())
    found = int(session.exec(stmt).one())
    return min(found, limit), found > limit


def _scan_to_count(query: CustomerQuery, user: User) -> bool:
    """Whether to count in a scan of customers in id order: for a user who sees only some customers, with no other
    filter. Each row's owner is then looked up in customer_owners by primary key in id order, which stops after the
    limit (13 ms for a rep on 100k); the planner would scan ix_customers_report instead, whose created_at order
    makes those lookups random (30 ms). With a filter on a column of that index, its narrow scan tests the filter
    first and looks up fewer owners."""
    from crm_cli.access import SEE_ALL

    return user.role not in SEE_ALL and _only_visibility(query)


def list_customers_counted(
    session: Session, query: CustomerQuery, *, user: User, clock: Clock, columns: Sequence[str] | None = None
) -> tuple[list[Customer], int | None, bool]:
    """``list_customers`` and, when the page is full, the number of matching customers (None otherwise: the
    caller knows) and whether there are more than that (a count stopped at ``COUNT_LIMIT``).

    A text search scans the search column of every customer (one- and two-character terms cannot use the trigram
    index), so for a search the page's ids and the exact total come from one scan (a window count over the
    matching ids), then the page's rows by id: one scan instead of two. Without a search the page stops early in
    a scan and the count stops at ``COUNT_LIMIT``."""
    if not query.search or query.limit is None:
        found = list_customers(session, query, user=user, clock=clock, columns=columns)
        if query.limit is None or len(found) < query.limit:
            return found, None, False
        total, more = count_customers_upto(session, query, user=user, clock=clock, limit=COUNT_LIMIT)
        return found, total, more
    if query.sort not in SORTS:
        raise InvalidInput(f"unknown sort {query.sort!r}: use one of {', '.join(SORTS)}")
    conds = query_conditions(session, query, user=user, clock=clock)
    stmt = (select(Customer.id, func.count().over()).where(and_(*conds))
            .order_by(*SORTS[query.sort], Customer.id).offset(query.offset).limit(query.limit))
    page = [(int(row[0]), int(row[1])) for row in session.exec(stmt)]  # type: ignore[call-overload]
    by_id = customers_by_id(session, {i for i, _ in page}, columns=columns)
    found = [by_id[i] for i, _ in page]
    return found, (page[0][1] if page and len(found) == query.limit else None), False


def customers_by_id(session: Session, ids: set[int], columns: Sequence[str] | None = None) -> dict[int, Customer]:
    """The customers with these ids (deleted ones included), by id: one query (``columns`` must include id)."""
    if not ids:
        return {}
    stmt = _entity(columns).where(col(Customer.id).in_(ids))
    return {c.id: c for c in _rows(session, stmt, columns)}


def usernames(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    if session.new or session.dirty:  # the ORM select flushes them first and answers from the identity map
        return {u.id: u.username for u in session.exec(select(User).where(col(User.id).in_(wanted)))}  # type: ignore[misc]
    users = User.__table__.c  # type: ignore[attr-defined]
    from sqlalchemy import select as core_select

    # nothing pending: the same answer from two columns (a small Core select, no User objects)
    return {row.id: row.username for row in session.execute(core_select(users.id, users.username)
                                                            .where(users.id.in_(wanted)))}


_INTERNAL_FIELDS = {"search_text", "name_key", "phone_key", "email_key", "credit_key", "city_key", "address_key"}


def customer_dict(customer: Customer, owners: dict[int, str] | None = None) -> dict[str, Any]:
    """A customer as plain data (for --json and exports)."""
    dumped = customer.model_dump(exclude=_INTERNAL_FIELDS)
    # model_dump follows the order in which SQLAlchemy happened to load the attributes; print them in declared order.
    data = {name: dumped.pop(name) for name in type(customer).model_fields if name in dumped}
    data.update(dumped)
    # The owner fields live in customer_owners (not model fields): in the place they had in customers.
    data = _with_owner_fields(data, customer)
    data["owner"] = (owners or {}).get(customer.owner_id) if customer.owner_id else None  # type: ignore[arg-type]
    for key, value in list(data.items()):
        if isinstance(value, date):
            data[key] = value.isoformat()
    return data


_OWNER_FIELDS_BEFORE = {"owner_id": "created_at", "owned_since": "created_at", "last_followup_at": "next_followup_on"}


def _with_owner_fields(data: dict[str, Any], customer: Customer) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        for name, before in _OWNER_FIELDS_BEFORE.items():
            if before == key:
                out[name] = getattr(customer, name)
        out[key] = value
    for name in OWNER_FIELDS:
        out.setdefault(name, getattr(customer, name))
    return out


def show_extras(session: Session, customer: Customer, *, user: User, clock: Clock) -> dict[str, Any]:
    """Extra sections of `crm customer show` contributed by other capabilities (deals, contracts, balance).

    Other modules append a provider ``(session, customer, user, clock) -> dict`` to ``SHOW_EXTRAS``.
    """
    out: dict[str, Any] = {}
    for provider in SHOW_EXTRAS:
        out.update(provider(session, customer, user, clock))
    return out


SHOW_EXTRAS: list[Any] = []


NO_SALES: dict[str, list[Any]] = {"deals": [], "contracts": [], "balance": []}


def _customer_sales(session: Session, customer: Customer, user: User, clock: Clock) -> dict[str, Any]:
    """Sales: deals, contracts, balance. A customer with neither deals nor contracts (most of them) is answered
    from two index probes, without building the sales tables (~9 SQLModel classes, ~50 ms)."""
    from sqlalchemy import column, exists, table

    deals, contracts = table("deals", column("customer_id")), table("contracts", column("customer_id"))
    has_sales = session.execute(select(or_(exists().where(deals.c.customer_id == customer.id),
                                           exists().where(contracts.c.customer_id == customer.id)))).scalar()
    if not has_sales:
        return {key: [] for key in NO_SALES}
    from crm_cli.sales_show import customer_sales  # Core queries: the sales model classes stay unbuilt

    return customer_sales(session, customer, user, clock)


SHOW_EXTRAS.append(_customer_sales)
