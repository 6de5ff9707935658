"""`crm remind`: sweep customers that break the pool rules back to the pool, then collect what needs attention.

The sweep is bulk SQL inside the caller's write transaction (BEGIN IMMEDIATE): one SELECT for the report, one
``INSERT ... SELECT`` for the ownership history and one conditional ``UPDATE ... WHERE <owner and dates>``.
Because the rule is re-checked by the UPDATE itself under the write lock, a follow-up committed a moment earlier
(for example from the dashboard) takes the customer out of the sweep, and a second run sweeps nothing again.

Alerts come from a plug-in list. A provider is ``fn(session, clock, days, user_ids) -> list[Alert]``: ``days`` is
the look-ahead, ``user_ids`` the users whose alerts are wanted (None: everyone). Other capabilities (payment plans,
contracts) add theirs with ``register_alert_provider(fn)``. Each alert is delivered once per user, kind, item and
due day (table ``alert_deliveries``); ``show_all`` shows everything currently due regardless.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import and_, bindparam, case, delete, func, insert, literal, null, or_, select, update
from sqlmodel import Session, col

from crm_cli.access import SEE_ALL, team_ids
from crm_cli.dates import Clock
from crm_cli.db.models import Contact, Customer, CustomerOwner, CustomerShare, OwnershipEvent, User
from crm_cli.db.types import UTCDateTime
from crm_cli.errors import PermissionDenied
from crm_cli.vocab import Level, Role

DEFAULT_DAYS = 7


@dataclass(frozen=True, slots=True)
class Alert:
    """One thing a user should look at. ``item_key`` identifies the item within its kind (e.g. "customer:42");
    together with ``user_id``, ``kind`` and ``due`` it is the delivery key. Kinds that name two states of one item
    (a payment due, then overdue) give the same ``family``, which then stands for the kind in the delivery key,
    so that the item is not alerted again when it changes state."""

    user_id: int
    kind: str
    customer_id: int | None
    customer_name: str
    due: date
    text: str
    item_key: str
    family: str = ""

    @property
    def key(self) -> tuple[int, str, str, date]:
        return (self.user_id, self.family or self.kind, self.item_key, self.due)


AlertProvider = Callable[[Session, Clock, int, "set[int] | None"], list[Alert]]
ALERT_PROVIDERS: list[AlertProvider] = []
# Modules that register providers when imported (e.g. payment plans, contracts): imported by collect_alerts, so
# that plugging in a new kind is one entry here plus ``register_alert_provider(fn)`` in that module.
ALERT_MODULES: list[str] = ["crm_cli.sales_alerts"]
# Providers that also accept ``fresh_only=True`` and then leave out already delivered alerts themselves (in SQL).
FRESH_AWARE: set[Any] = set()
# Display order of kinds; unknown (plugged-in) kinds come after these, alphabetically.
KIND_ORDER = ["followup", "pool_warning", "birthday"]
KIND_LABELS = {"followup": "follow-up", "pool_warning": "pool soon", "birthday": "birthday"}


def register_alert_provider(fn: AlertProvider) -> AlertProvider:
    """Add an alert provider (usable as a decorator). Registering the same function twice has no effect."""
    if fn not in ALERT_PROVIDERS:
        ALERT_PROVIDERS.append(fn)
    return fn


class Swept(NamedTuple):
    """A customer the sweep returned to the pool. A named tuple: a big sweep makes 100k of them, and a frozen
    dataclass's ``__init__`` (``object.__setattr__`` per field) costs three times as much."""

    customer_id: int
    name: str
    from_user_id: int
    reason: str


@dataclass
class RemindResult:
    swept: list[Swept] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    usernames: dict[int, str] = field(default_factory=dict)
    users: dict[int, User] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.swept and not self.alerts

    def to_json(self) -> dict[str, Any]:
        name = self.usernames.get
        return {
            "swept": [{"customer": s.customer_id, "name": s.name, "from": name(s.from_user_id), "reason": s.reason}
                      for s in self.swept],
            "alerts": [{"user": name(a.user_id), "kind": a.kind, "customer": a.customer_id, "due": a.due.isoformat(),
                        "name": a.customer_name, "text": a.text, "item": a.item_key} for a in self.alerts],
        }  # fmt: skip


# ------------------------------------------------------------------------------------------------------ sweep


def _local_date(value: datetime | None, clock: Clock) -> str:
    return value.astimezone(clock.tz).date().isoformat() if value else "never"


def owned_customers(*, lead: str = "owners") -> Any:
    """``customer_owners JOIN customers``: what the sweep conditions are written on. ``lead="owners"``: SQLite
    reads customer_owners first (the dates of the pool rules are there: a narrow scan, then the level and deletion
    of each candidate by rowid); ``lead="customers"`` when the selective condition is on customers (a due date)."""
    from crm_cli.db.dialect import leading_join

    owners, customers = CustomerOwner.__table__, Customer.__table__  # type: ignore[attr-defined]
    on = customers.c.id == owners.c.customer_id
    return leading_join(owners, customers, on) if lead == "owners" else leading_join(customers, owners, on)


def sweep_conditions(session: Session, clock: Clock, *, ahead: timedelta = timedelta(0),
                     rules: Any = None) -> tuple[Any, Any | None, Any | None, Any]:
    """(base, idle, unwon, rules): SQL conditions on ``owned_customers()`` that say whether the sweep would take a
    customer at ``clock.now + ahead``. ``idle``/``unwon`` are None when that rule is off. ``rules``: the pool
    rules if the caller has read them already."""
    from crm_cli.pool import rules as pool_rules

    rules = rules if rules is not None else pool_rules(session)
    c = Customer.__table__.c  # type: ignore[attr-defined]
    skip = sorted({*rules.exempt_levels, Level.INVALID.value})
    owned, idle, unwon = _clock_conditions(clock.now + ahead, rules)
    base = and_(owned, c.deleted_at.is_(None), c.level.not_in(skip))
    if unwon is not None:
        unwon = and_(c.level != Level.WON.value, unwon)
    return base, idle, unwon, rules


def sweep_where(session: Session, clock: Clock, *, ahead: timedelta = timedelta(0),
                rules: Any = None) -> tuple[Any | None, Any | None, Any]:
    """(where, idle, rules): the sweep's rule as a condition on ``customer_owners`` alone (None when every rule
    is off). The row's owner and dates are checked first; only a row whose dates qualify costs a look at its
    customer (level, deletion: one rowid lookup in a correlated EXISTS). Written so, SQLite scans the narrow table
    and never the wide one (a join lets it scan customers, or build a Bloom filter by scanning them, because the
    dates have no statistics). ``idle`` is the idle rule (on customer_owners), for the reason."""
    base, idle, unwon, rules = sweep_conditions(session, clock, ahead=ahead, rules=rules)
    rules_on = [r for r in (idle, unwon) if r is not None]
    if not rules_on:
        return None, idle, rules
    owned, *dates = _clock_conditions(clock.now + ahead, rules)
    c = Customer.__table__.c  # type: ignore[attr-defined]
    o = CustomerOwner.__table__.c  # type: ignore[attr-defined]
    customer = select(literal(1)).select_from(Customer.__table__).where(c.id == o.customer_id, base, or_(*rules_on))
    return and_(owned, or_(*[d for d in dates if d is not None]), customer.exists()), idle, rules


def customer_column(name: str) -> Any:
    """A column of the customer of the current customer_owners row (correlated scalar subquery, by rowid)."""
    c = Customer.__table__.c  # type: ignore[attr-defined]
    o = CustomerOwner.__table__.c  # type: ignore[attr-defined]
    return select(c[name]).where(c.id == o.customer_id).scalar_subquery()


def _clock_conditions(now: datetime, rules: Any) -> tuple[Any, Any | None, Any | None]:
    """(owned, idle, unwon) on ``customer_owners`` alone: the owner and the dates the pool rules read (``unwon``
    without its level part)."""
    o = CustomerOwner.__table__.c  # type: ignore[attr-defined]
    idle = unwon = None
    if rules.idle_days > 0:
        cutoff = now - timedelta(days=rules.idle_days)
        idle = and_(or_(o.owned_since.is_(None), o.owned_since < cutoff),
                    or_(o.last_followup_at.is_(None), o.last_followup_at < cutoff))
    if rules.unwon_days > 0:
        unwon = o.owned_since < now - timedelta(days=rules.unwon_days)
    return o.owner_id.is_not(None), idle, unwon


def _rule_text(rules: Any) -> tuple[str, str]:
    return (f"no follow-up for {rules.idle_days} days", f"not won within {rules.unwon_days} days of assignment")


def sweep(session: Session, *, clock: Clock, dry_run: bool = False) -> list[Swept]:
    """Return every customer that breaks a pool rule to the pool, recording why. Bulk SQL; see the module doc.

    Step 1 fills a temporary table by ``INSERT ... SELECT`` from indexed columns only (ids, owners, and the reason,
    built by SQLite with the local dates of the last follow-up and of the assignment at the current UTC offset of
    the zone); then the conditional UPDATE (returning the names), the history (INSERT ... SELECT) and the shares
    work set-wise on that table. A dry run reads the names instead."""
    from crm_cli.db import bulk

    where, idle, rules = sweep_where(session, clock)
    if where is None:
        return []
    owners = CustomerOwner.__table__  # type: ignore[attr-defined]
    o = owners.c
    idle_text, unwon_text = _rule_text(rules)
    offset = clock.now.astimezone(clock.tz).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    last_day, since_day = bulk.local_date(o.last_followup_at, minutes), bulk.local_date(o.owned_since, minutes)
    unwon_why = literal(f"{unwon_text} (owned since ").op("||")(func.coalesce(since_day, literal("never"))).op("||")(")")
    why: Any = unwon_why
    if idle is not None:
        # coalesce, not CASE ... IS NOT NULL: one date() per row instead of two, the same text
        last = func.coalesce(literal("last follow-up ").op("||")(last_day), literal("never followed up"))
        why = case((idle, literal(f"{idle_text} (").op("||")(last).op("||")(")")), else_=unwon_why)
    # Returning 100k of 1M customers to the pool rewrites ~10k pages of customer_owners and its indexes, and the
    # history: a cache of 1 GiB holds every dirty page until the commit (a ceiling: pages are allocated as used).
    bulk.enlarge_cache(session, 1024)
    bulk.map_file(session)  # the candidates' customers, then the alerts' lookups, all over the file
    # The candidates go straight into the temporary table (id, owner, name, reason: built by SQLite), found by
    # a scan of customer_owners and checked against the customer's level and deletion by rowid (sweep_where); no
    # row passes through Python before the report.
    ids = bulk.fill_sweep(session, select(o.customer_id, o.owner_id, customer_column("name"), why).where(where))
    found = bulk.sweep_rows(session)  # ordered by (owner, id), the order of the report
    if not found:
        return []
    if not dry_run:
        # The conditional update: the owner and the dates are checked again by the UPDATE itself (the level and
        # the deletion of each candidate were read a moment ago in this same write transaction).
        owned, *clock_rules = _clock_conditions(clock.now, rules)
        recheck = and_(owned, or_(*[r for r in clock_rules if r is not None]))
        changed = session.execute(
            update(owners).where(o.customer_id.in_(select(ids.c.id)), recheck)
            .values(owner_id=None, owned_since=None).returning(o.customer_id)
        ).all()  # fmt: skip
        assert len(changed) == len(found), (len(changed), len(found))  # one write transaction: nothing differs
        history = OwnershipEvent.__table__  # type: ignore[attr-defined]
        at = bindparam("sweep_at", value=clock.now, type_=UTCDateTime())
        session.execute(insert(history).from_select(
            ["at", "customer_id", "kind", "from_user_id", "to_user_id", "by_user_id", "reason"],
            select(at, ids.c.id, literal("sweep"), ids.c.owner_id, null(), null(), ids.c.reason),
        ))  # fmt: skip
        shares = CustomerShare.__table__  # type: ignore[attr-defined]
        session.execute(delete(shares).where(shares.c.customer_id.in_(select(ids.c.id))))
    return [Swept(cid, name, owner_id, why) for cid, owner_id, name, why in found]


# ------------------------------------------------------------------------------------------ built-in providers


def _owned(c: Any, o: Any, user_ids: set[int] | None) -> list[Any]:
    """Live, valid customers owned by ``user_ids`` (None: by anyone), on ``owned_customers()``."""
    owners = o.owner_id.in_(sorted(user_ids)) if user_ids is not None else o.owner_id.is_not(None)
    return [owners, c.deleted_at.is_(None), c.level != Level.INVALID.value]


def followup_alerts(
    session: Session, clock: Clock, days: int, user_ids: set[int] | None, *, fresh_only: bool = False
) -> list[Alert]:
    """Follow-ups due today and overdue (the customer's next follow-up date), for the customer's owner. One kind
    for both, so that an alert delivered on the due day is not repeated when it becomes overdue.
    ``fresh_only`` leaves out delivered ones in SQL (the steady-state cron run then reads no rows at all)."""
    from sqlalchemy import String, cast

    c = Customer.__table__.c  # type: ignore[attr-defined]
    o = CustomerOwner.__table__.c  # type: ignore[attr-defined]
    today = clock.today
    conds = [*_owned(c, o, user_ids), c.next_followup_on <= today]
    if fresh_only:
        from crm_cli.db.bulk import not_delivered

        conds.append(not_delivered(o.owner_id, "followup", literal("customer:") + cast(c.id, String),
                                   c.next_followup_on))
    rows = session.execute(select(c.id, c.name, o.owner_id, c.next_followup_on)
                           .select_from(owned_customers(lead="customers"))
                           .where(*conds)).all()
    out = []
    for cid, name, owner_id, due in rows:
        if due == today:
            out.append(Alert(owner_id, "followup", cid, name, due, "follow-up due today", f"customer:{cid}"))
        else:
            late = (today - due).days
            out.append(Alert(owner_id, "followup", cid, name, due,
                             f"follow-up overdue since {due.isoformat()} ({late} day{'s' if late != 1 else ''})",
                             f"customer:{cid}"))
    return out


def _pool_deadline(level: Any, o: Any, rules: Any, clock: Clock) -> Any:
    """SQL for the day number on which the sweep takes a customer: the same rule as the loop in
    ``pool_warning_alerts`` (the earlier of the idle and the not-won deadline)."""
    from sqlalchemy import func

    from crm_cli.db.dialect import days_number, greatest, least

    parts = []
    if rules.idle_days > 0:
        start = greatest(func.coalesce(o.last_followup_at, o.owned_since), func.coalesce(o.owned_since, o.last_followup_at))
        now = literal(clock.now.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" "))
        parts.append(days_number(func.coalesce(start, now)) + rules.idle_days)
    if rules.unwon_days > 0:
        parts.append(case((and_(level != Level.WON.value, o.owned_since.is_not(None)),
                           days_number(o.owned_since) + rules.unwon_days), else_=null()))
    if len(parts) == 1:
        return parts[0]
    return least(func.coalesce(parts[0], parts[1]), func.coalesce(parts[1], parts[0]))


def pool_warning_alerts(session: Session, clock: Clock, days: int, user_ids: set[int] | None, *,
                        limit: int | None = None, fresh_only: bool = False) -> list[Alert]:
    """Customers that will return to the pool within ``pool.warn_days`` unless followed up (or won).
    ``limit``: only the ones due first (ordered in SQL: a rep's Home shows 15 of possibly thousands).
    ``fresh_only`` leaves out delivered ones before the names are read.

    The candidates come from customer_owners (sweep_where: the dates first, then the customer by rowid); names
    are read by id for the alerts that are kept."""
    from crm_cli.pool import rules as pool_rules

    rules = pool_rules(session)
    if rules.warn_days <= 0:
        return []
    ahead = timedelta(days=rules.warn_days)
    o = CustomerOwner.__table__.c  # type: ignore[attr-defined]
    if user_ids is None:  # everyone's: customer_owners scanned, the customer looked at for qualifying dates only
        where, _idle, _ = sweep_where(session, clock, ahead=ahead, rules=rules)
        if where is None:
            return []
        level = customer_column("level")
        stmt = select(o.customer_id, o.owner_id, level, o.last_followup_at, o.owned_since).where(where)
    else:  # a few users' (a rep's Home): their rows of ix_customer_owners_clock, one join to the customer each
        base, idle, unwon, _ = sweep_conditions(session, clock, ahead=ahead, rules=rules)
        rules_on = [r for r in (idle, unwon) if r is not None]
        if not rules_on:
            return []
        level = Customer.__table__.c.level  # type: ignore[attr-defined]
        stmt = (select(o.customer_id, o.owner_id, level, o.last_followup_at, o.owned_since)
                .select_from(owned_customers()).where(base, or_(*rules_on), o.owner_id.in_(sorted(user_ids))))
    if limit is not None:
        stmt = stmt.order_by(_pool_deadline(level, o, rules, clock), o.customer_id).limit(limit)
    found = []
    for cid, owner_id, level, last_at, since in session.execute(stmt).all():
        deadlines = []
        if rules.idle_days > 0:
            start = max(t for t in (last_at, since) if t is not None) if (last_at or since) else clock.now
            why = f"no follow-up since {_local_date(last_at, clock)}" if last_at else "never followed up"
            deadlines.append((start + timedelta(days=rules.idle_days), why))
        if rules.unwon_days > 0 and level != Level.WON.value and since is not None:
            deadlines.append((since + timedelta(days=rules.unwon_days), f"not won since assignment {_local_date(since, clock)}"))
        when, why = min(deadlines, key=lambda d: d[0])
        found.append((cid, owner_id, when.astimezone(clock.tz).date(), why))
    if fresh_only and found:
        from crm_cli.db import bulk

        keep = bulk.undelivered(session, [(owner_id, "pool_warning", f"customer:{cid}", due)
                                          for cid, owner_id, due, _why in found])
        found = [found[i] for i in keep]
    names = _names(session, {cid for cid, *_rest in found})
    return [Alert(owner_id, "pool_warning", cid, names.get(cid, ""), due,
                  f"returns to the pool on {due.isoformat()} ({why})", f"customer:{cid}")
            for cid, owner_id, due, why in found]


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    """Names by id, in chunks that fit SQLite's limit of bound parameters: a first run on a big file can have
    hundreds of thousands of alerts (585k pool warnings on bench's 1M customers)."""
    from crm_cli.db.bulk import variables_per_statement

    c = Customer.__table__.c  # type: ignore[attr-defined]
    wanted = sorted(ids)
    size = min(10_000, variables_per_statement(session))
    out: dict[int, str] = {}
    for start in range(0, len(wanted), size):
        chunk = wanted[start:start + size]
        out.update((int(i), n) for i, n in session.execute(select(c.id, c.name).where(c.id.in_(chunk))))
    return out


def birthday_alerts(
    session: Session, clock: Clock, days: int, user_ids: set[int] | None, *, fresh_only: bool = False
) -> list[Alert]:
    """Contacts' birthdays from today to ``days`` ahead, for the owner of the contact's customer.
    ``fresh_only`` leaves out delivered ones in SQL (the due day is mapped from the month-day by a CASE)."""
    from sqlalchemy import String, cast

    from crm_cli.db.bulk import month_day, not_delivered

    today = clock.today
    window = [today + timedelta(days=n) for n in range(max(days, 0) + 1)]
    # month-day → the date in the window it falls on; 29 February is celebrated on the 28th in a common year.
    md = {f"{d.month:02d}-{d.day:02d}": d for d in window}
    if "02-28" in md and "02-29" not in md:
        md["02-29"] = md["02-28"]
    c = Customer.__table__.c  # type: ignore[attr-defined]
    o = CustomerOwner.__table__.c  # type: ignore[attr-defined]
    k = Contact.__table__.c  # type: ignore[attr-defined]
    conds = [month_day("contacts.birthday").in_(sorted(md)), *_owned(c, o, user_ids)]
    if fresh_only:
        due_sql = case({m: d.isoformat() for m, d in md.items()}, value=month_day("contacts.birthday"))
        conds.append(not_delivered(o.owner_id, "birthday", literal("contact:") + cast(k.id, String), due_sql))
    rows = session.execute(
        select(k.id, k.name, k.title, k.birthday, c.id, c.name, o.owner_id)
        .select_from(Contact.__table__.join(Customer.__table__, k.customer_id == c.id)  # type: ignore[attr-defined]
                     .join(CustomerOwner.__table__, o.customer_id == c.id))  # type: ignore[attr-defined]
        .where(*conds)
    ).all()  # fmt: skip
    out = []
    for contact_id, person, title, birthday, cid, name, owner_id in rows:
        due = md.get(f"{birthday.month:02d}-{birthday.day:02d}")
        if due is None:
            continue
        age = due.year - birthday.year
        when = "today" if due == today else f"on {due.isoformat()}"
        who = f"{person} ({title})" if title else person
        out.append(Alert(owner_id, "birthday", cid, name, due, f"{who} turns {age} {when}", f"contact:{contact_id}"))
    return out


register_alert_provider(followup_alerts)
FRESH_AWARE.add(followup_alerts)
register_alert_provider(pool_warning_alerts)
FRESH_AWARE.add(pool_warning_alerts)
register_alert_provider(birthday_alerts)
FRESH_AWARE.add(birthday_alerts)


# -------------------------------------------------------------------------------------------------- the run


def scope_for(session: Session, actor: User, only: User | None = None) -> set[int] | None:
    """Whose alerts ``actor`` may see: admins and assistants everyone, managers their team, reps themselves."""
    if actor.role in SEE_ALL:
        allowed: set[int] | None = None
    elif actor.role == Role.MANAGER.value:
        allowed = team_ids(session, actor)
    else:
        assert actor.id is not None
        allowed = {actor.id}
    if only is None:
        return allowed
    assert only.id is not None
    if allowed is not None and only.id not in allowed:
        raise PermissionDenied(f"{actor.username} may not read the alerts of {only.username}")
    return {only.id}


def _kind_rank(kind: str) -> tuple[int, str]:
    return (KIND_ORDER.index(kind), "") if kind in KIND_ORDER else (len(KIND_ORDER), kind)


def collect_alerts(
    session: Session, clock: Clock, days: int, user_ids: set[int] | None, *, fresh_only: bool = False
) -> list[Alert]:
    import importlib

    for module in ALERT_MODULES:
        importlib.import_module(module)
    alerts: list[Alert] = []
    for provider in list(ALERT_PROVIDERS):
        if fresh_only and provider in FRESH_AWARE:
            found = provider(session, clock, days, user_ids, fresh_only=True)  # type: ignore[call-arg]
        else:
            found = provider(session, clock, days, user_ids)
        alerts.extend(a for a in found if user_ids is None or a.user_id in user_ids)
    alerts.sort(key=lambda a: (a.user_id, _kind_rank(a.kind), a.due, a.customer_id or 0, a.item_key))
    return alerts


def run(
    session: Session,
    *,
    actor: User,
    clock: Clock,
    days: int = DEFAULT_DAYS,
    only: User | None = None,
    show_all: bool = False,
    dry_run: bool = False,
    do_sweep: bool = True,
) -> RemindResult:
    """One `crm remind`: sweep (unless ``do_sweep`` is False), then the alerts not delivered yet (or all of them
    with ``show_all``), marked as delivered unless ``dry_run``. Run it inside one write transaction."""
    from crm_cli.db import bulk

    scope = scope_for(session, actor, only)
    swept = sweep(session, clock=clock, dry_run=dry_run) if do_sweep else []
    if scope is not None:
        swept = [s for s in swept if s.from_user_id in scope]
    alerts = collect_alerts(session, clock, days, scope, fresh_only=not show_all)
    if dry_run and swept:  # a real sweep leaves these customers without an owner, hence without alerts
        gone = {s.customer_id for s in swept}
        alerts = [a for a in alerts if a.customer_id not in gone]
    if not show_all:
        fresh = bulk.undelivered(session, [a.key for a in alerts])
        alerts = [alerts[i] for i in fresh]
    if not dry_run:
        bulk.mark_delivered(session, [a.key for a in alerts], clock.now)
    ids = {s.from_user_id for s in swept} | {a.user_id for a in alerts}
    users = {u.id: u for u in session.scalars(select(User).where(col(User.id).in_(ids)))} if ids else {}
    return RemindResult(swept=swept, alerts=alerts, usernames={i: u.username for i, u in users.items()},  # type: ignore[misc]
                        users=users)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------------- rendering


def render_text(result: RemindResult, clock: Clock, *, user_ids: set[int] | None = None) -> str:
    """Plain text for the terminal and for cron's mail: swept customers, then alerts grouped by user."""
    lines: list[str] = []
    swept = [s for s in result.swept if user_ids is None or s.from_user_id in user_ids]
    alerts = [a for a in result.alerts if user_ids is None or a.user_id in user_ids]
    if swept:
        lines.append(f"Returned to the pool ({len(swept)}):")
        for s in swept:
            lines.append(f"  #{s.customer_id} {s.name} — from {result.usernames.get(s.from_user_id, s.from_user_id)}: {s.reason}")
        lines.append("")
    by_user: dict[int, list[Alert]] = {}
    for a in alerts:
        by_user.setdefault(a.user_id, []).append(a)
    for user_id, items in by_user.items():
        user = result.users.get(user_id)
        label = user.label if user is not None else f"user #{user_id}"
        lines.append(f"{label} — {len(items)} alert{'s' if len(items) != 1 else ''}")
        for a in items:
            kind = KIND_LABELS.get(a.kind, a.kind)
            if a.kind == "followup":
                kind = "due today" if a.due >= clock.today else "overdue"
            customer = f"#{a.customer_id} {a.customer_name}" if a.customer_id else a.customer_name
            lines.append(f"  {kind:<10} {a.due.isoformat()}  {customer}: {a.text}")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + ("\n" if lines else "")
