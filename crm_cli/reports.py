"""Reports: customers, funnel, sales, people, pool and imports — aggregated in SQL, rendered elsewhere.

Every report is a function ``(session, *, user, clock, options) -> Report`` registered in ``REPORTS``. It counts only
what ``user`` may see (``crm_cli.access.visible_clause``), over a window of local calendar days (``--from/--to``, or
``--period month|quarter|year``), and returns plain data: one row per group or per period, with totals. The CLI
renders a ``Report`` as a rich table with inline bars, as JSON, or as an .xlsx file with native charts
(``crm_cli.report_xlsx``); the dashboard can call the same functions.

Window rules (see docs/reports.md):
- a *period report* (rows per month/quarter/year, keys ``2026-11``, ``2026-Q4``, ``2026``) covers ``--from/--to``, or
  by default the last 12 months / 4 quarters / 5 years up to today;
- a *group report* (rows per level, owner, stage…) covers ``--from/--to``, or by default the current
  month (``--period quarter|year``: the current quarter or year) up to today.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, or_
from sqlmodel import Session, col, select

from crm_cli.access import join_owner, visible_clause
from crm_cli.dates import Clock
from crm_cli.db import reporting as rsql
from crm_cli.db.models import Customer, CustomerOwner, FollowUp, SalesTarget, User
from crm_cli.errors import InvalidInput, NotFound, PermissionDenied
from crm_cli.vocab import Level, Role

PERIODS = rsql.PERIODS
CENT = Decimal("0.01")

# ----------------------------------------------------------------------------------------------- the data model


@dataclass(frozen=True)
class Measure:
    """One column of a report. ``kind``: count | money | ratio (0..1) | number | days | text | date."""

    key: str
    header: str
    kind: str = "count"
    bar: bool = False  # draw an inline bar for it in the terminal table
    summable: bool = True  # totals add it up (ratios and averages are recomputed instead)


@dataclass(frozen=True)
class Chart:
    """A native Excel chart over some measures of a report."""

    title: str
    measures: tuple[str, ...]
    kind: str = "bar"  # bar | line


@dataclass(frozen=True)
class Window:
    """Local calendar days ``start`` … ``end``, both included."""

    start: date
    end: date

    def instants(self, clock: Clock) -> tuple[datetime, datetime]:
        """UTC instants [start of ``start``, start of the day after ``end``)."""
        return clock.day_start(self.start), clock.day_start(self.end + timedelta(days=1))

    def months(self) -> list[str]:
        """``YYYY-MM`` of every month the window touches."""
        return period_keys(self, "month")

    def __str__(self) -> str:
        return f"{self.start.isoformat()} – {self.end.isoformat()}"


@dataclass
class ReportOptions:
    start: date | None = None
    end: date | None = None
    period: str | None = None
    by: str | None = None
    new: bool = False
    idle_days: int | None = None


@dataclass
class Report:
    name: str
    title: str
    key_header: str
    measures: list[Measure]
    rows: list[dict[str, Any]]
    totals: dict[str, Any]
    window: Window
    period: str | None = None  # set for period reports
    by: str | None = None  # set for group reports
    charts: list[Chart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    labels: dict[Any, str] = field(default_factory=dict)  # display label of a row key (e.g. 成交 for won)
    summary: list[Measure] = field(default_factory=list)  # measures that exist only in the totals (win rate…)

    def label(self, key: Any) -> str:
        if key in self.labels:
            return self.labels[key]
        if key is None:
            return "(none)"
        if isinstance(key, bool):
            return "yes" if key else "no"
        return str(key)

    def as_json(self) -> dict[str, Any]:
        """``{"report": NAME, "rows": [{"key": ..., <measure>: ...}], "totals": {...}}``; money as decimal strings."""
        def plain(values: dict[str, Any], measures: list[Measure]) -> dict[str, Any]:
            return {m.key: json_value(values.get(m.key), m.kind) for m in measures if m.key in values}

        return {
            "report": self.name,
            "rows": [{"key": row["key"], **plain(row, self.measures)} for row in self.rows],
            "totals": plain(self.totals, [*self.measures, *self.summary]),
        }


def json_value(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "money":
        return str(Decimal(value).quantize(CENT))
    if kind == "ratio":
        return round(float(value), 4)
    if kind in ("days", "number"):
        return round(float(value), 2)
    if kind == "date" and hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def money(cents: int | None) -> Decimal:
    """Integer cents as an exact Decimal with two places."""
    return (Decimal(int(cents or 0)) / 100).quantize(CENT)


def ratio(part: float | int | Decimal | None, whole: float | int | Decimal | None) -> float | None:
    if not whole:
        return None
    return float(part or 0) / float(whole)


# ------------------------------------------------------------------------------------------------- the registry


@dataclass(frozen=True)
class ReportSpec:
    name: str
    title: str
    run: Callable[..., Report]
    by: tuple[str, ...] = ()


REPORTS: dict[str, ReportSpec] = {}


def register(name: str, title: str, *, by: Iterable[str] = ()) -> Callable[..., Any]:
    def deco(fn: Callable[..., Report]) -> Callable[..., Report]:
        REPORTS[name] = ReportSpec(name, title, fn, tuple(by))
        return fn

    return deco


def run_report(name: str, *, session: Session, user: User, clock: Clock, options: ReportOptions | None = None) -> Report:
    """Run a registered report by name (what the CLI and the dashboard call)."""
    spec = REPORTS.get(name)
    if spec is None:
        raise NotFound(f"no report {name!r}: reports are {', '.join(REPORTS)}")
    opts = options or ReportOptions()
    if opts.by is not None and opts.by not in spec.by:
        raise InvalidInput(f"{name} report cannot be grouped by {opts.by!r}: use one of {', '.join(spec.by)}")
    if opts.period is not None and opts.period not in PERIODS:
        raise InvalidInput(f"unknown period {opts.period!r}: use month, quarter or year")
    return spec.run(session, user=user, clock=clock, options=opts)


# ---------------------------------------------------------------------------------------------- periods & windows


def period_start(day: date, period: str) -> date:
    if period == "month":
        return day.replace(day=1)
    if period == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return date(day.year, 1, 1)


def _next_period(day: date, period: str) -> date:
    step = {"month": 1, "quarter": 3, "year": 12}[period]
    month = day.month - 1 + step
    return date(day.year + month // 12, month % 12 + 1, 1)


def period_key_of(day: date, period: str) -> str:
    if period == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if period == "quarter":
        return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year:04d}"


def period_keys(window: Window, period: str) -> list[str]:
    """Keys of every period that the window touches, in order."""
    keys: list[str] = []
    current = period_start(window.start, period)
    while current <= window.end:
        keys.append(period_key_of(current, period))
        current = _next_period(current, period)
    return keys


DEFAULT_SPAN = {"month": 12, "quarter": 4, "year": 5}


def resolve_window(clock: Clock, options: ReportOptions, *, periodic: bool) -> Window:
    """The report window from ``--from/--to`` and ``--period`` (see the module docstring)."""
    today = clock.today
    period = options.period or "month"
    end = options.end or today
    if options.start is not None:
        start = options.start
    elif periodic:
        start = period_start(end, period)
        for _ in range(DEFAULT_SPAN[period] - 1):
            start = period_start(start - timedelta(days=1), period)
    else:
        start = period_start(end, period)
    if start > end:
        raise InvalidInput(f"--from {start.isoformat()} is after --to {end.isoformat()}: swap them")
    return Window(start, end)


def offset_minutes(clock: Clock) -> int:
    """The zone's UTC offset at the report's clock, for period keys of instants (see crm_cli.db.reporting)."""
    delta = clock.now.astimezone(clock.tz).utcoffset()
    return int(delta.total_seconds() // 60) if delta else 0


def live_visible(user: User) -> list[Any]:
    """Conditions on ``customers``: visible to ``user`` and not deleted.

    ``+deleted_at IS NULL``: almost every customer is live, so an index search on ``deleted_at`` would only add a
    table lookup per row; this keeps SQLite on the covering ``ix_customers_report``."""
    return [visible_clause(user), rsql.no_index(Customer.deleted_at).is_(None)]


def customer_filter(user: User, customer_id: Any) -> Any:
    """A condition on a ``customer_id`` column of another table (deals, contracts…): the customer is visible to
    ``user`` and not deleted. For users who see everything it only excludes the (few) deleted customers, which
    spares a lookup of every row's customer."""
    from crm_cli.access import SEE_ALL

    if user.role in SEE_ALL:
        return col(customer_id).not_in(select(Customer.id).where(col(Customer.deleted_at).is_not(None)))
    # A correlated EXISTS on an alias of customers: each row (already narrowed by its own window) looks its
    # customer up by primary key, instead of SQLite building the set of every visible customer (85k for a
    # manager) or driving the whole query from it.
    from sqlalchemy import exists
    from sqlalchemy.sql.util import ClauseAdapter

    table = Customer.__table__  # type: ignore[attr-defined]
    vis = table.alias("vis")
    adapt = ClauseAdapter(vis).traverse
    # indexed=False: the owner is checked by one primary-key lookup in customer_owners per row too, rather than
    # SQLite listing every customer of the team's owners first (85k for a manager, ~40 ms per query).
    return exists().where(vis.c.id == customer_id, vis.c.deleted_at.is_(None),
                          adapt(visible_clause(user, indexed=False)))


def totals_of(rows: list[dict[str, Any]], measures: list[Measure]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for m in measures:
        if not m.summable or m.kind in ("text", "date"):
            continue
        values = [r.get(m.key) for r in rows if r.get(m.key) is not None]
        if m.kind == "money":
            out[m.key] = sum((Decimal(v) for v in values), Decimal("0.00"))
        else:
            out[m.key] = sum(values)
    return out


def usernames(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.id: u.username for u in session.exec(select(User).where(col(User.id).in_(wanted)))}  # type: ignore[misc]


# ---------------------------------------------------------------------------------------------- customers report

CUSTOMER_DIMENSIONS: dict[str, Any] = {
    "level": Customer.level, "stars": Customer.stars, "source": Customer.source, "region": Customer.region,
    "industry": Customer.industry, "owner": CustomerOwner.owner_id, "is_target": Customer.is_target,
}  # fmt: skip
"""Grouping columns of the customers report; ``owner`` lives in ``customer_owners`` (joined by primary key)."""
_LEVEL_ORDER = {lv.value: i for i, lv in enumerate(Level)}


@register("customers", "Customers", by=tuple(CUSTOMER_DIMENSIONS))
def customers_report(session: Session, *, user: User, clock: Clock, options: ReportOptions) -> Report:
    """Customers per level/stars/source/region/industry/owner/target flag, with the new ones in the window;
    ``--new``: only customers created in the window. Without ``--by`` but with ``--period``: new customers per
    period and the running total."""
    if options.by is None and options.period is not None:
        return _customers_per_period(session, user=user, clock=clock, options=options)
    by = options.by or "level"
    window = resolve_window(clock, options, periodic=False)
    start, end = window.instants(clock)
    dim = rsql.no_index(CUSTOMER_DIMENSIONS[by])
    created_in = and_(col(Customer.created_at) >= start, col(Customer.created_at) < end)
    conds = live_visible(user)
    if options.new:
        conds.append(created_in)
    stmt = select(dim, func.count(), rsql.total(case((created_in, 1), else_=0))).select_from(Customer)
    if by == "owner":
        stmt = join_owner(stmt)
    stmt = stmt.where(*conds).group_by(dim)
    raw = [(key, int(n), int(new)) for key, n, new in session.execute(stmt)]
    measures = [Measure("new", "New", bar=True)] if options.new else [
        Measure("customers", "Customers", bar=True), Measure("new", "New in window")]
    rows = [({"key": key, "new": new} if options.new else {"key": key, "customers": n, "new": new})
            for key, n, new in raw]
    labels: dict[Any, str] = {}
    if by == "level":
        rows.sort(key=lambda r: _LEVEL_ORDER.get(r["key"], 99))
        from crm_cli.vocab import LEVEL_ZH

        labels = {lv.value: f"{lv.value} {LEVEL_ZH[lv]}" for lv in Level}
    elif by in ("stars", "is_target"):
        rows.sort(key=lambda r: r["key"], reverse=by == "is_target")
    else:
        main = "new" if options.new else "customers"
        rows.sort(key=lambda r: (-r[main], r["key"] is None, str(r["key"])))
    if by == "owner":
        names = usernames(session, (r["key"] for r in rows))
        for r in rows:
            r["key"] = names.get(r["key"]) if r["key"] is not None else None
        labels = {None: "(pool 公海)"}
    title = f"New customers by {by}" if options.new else f"Customers by {by}"
    return Report(
        name="customers", title=title, key_header=by, measures=measures, rows=rows,
        totals=totals_of(rows, measures), window=window, by=by, labels=labels,
        charts=[Chart(title, tuple(m.key for m in measures))],
    )  # fmt: skip


def _customers_per_period(session: Session, *, user: User, clock: Clock, options: ReportOptions) -> Report:
    period = options.period or "month"
    window = resolve_window(clock, options, periodic=True)
    start, end = window.instants(clock)
    key = rsql.period_key(Customer.created_at, period, offset_minutes=offset_minutes(clock))
    conds = live_visible(user)
    stmt = (select(key, func.count()).where(*conds, col(Customer.created_at) >= start, col(Customer.created_at) < end)
            .group_by(key))
    counts = {k: int(n) for k, n in session.execute(stmt)}
    before = int(session.execute(
        select(func.count()).select_from(Customer).where(*conds, col(Customer.created_at) < start)
    ).scalar_one())  # fmt: skip
    rows = []
    running = before
    for k in period_keys(window, period):
        running += counts.get(k, 0)
        rows.append({"key": k, "new": counts.get(k, 0), "customers": running})
    measures = [Measure("new", "New", bar=True), Measure("customers", "Customers at end", summable=False)]
    totals = {"new": sum(r["new"] for r in rows), "customers": running}
    return Report(
        name="customers", title=f"New customers per {period}", key_header=period, measures=measures, rows=rows,
        totals=totals, window=window, period=period,
        charts=[Chart("New customers", ("new",)), Chart("Customers", ("customers",), "line")],
    )  # fmt: skip


# ------------------------------------------------------------------------------------------------ people report


def report_users(session: Session, user: User) -> list[User]:
    """Whose rows ``user`` sees in the people report: a rep themselves; a manager themselves and everyone below
    them (recursively); admins and assistants every active user."""
    if user.role == Role.REP.value:
        return [user]
    everyone = list(session.exec(select(User).where(col(User.active).is_(True)).order_by(User.username)))
    if user.role in (Role.ADMIN.value, Role.ASSISTANT.value):
        return everyone
    from crm_cli.access import team_ids

    team = team_ids(session, user)
    return [u for u in everyone if u.id in team]


PEOPLE_PROVIDERS: list[Callable[..., tuple[list[Measure], dict[int, dict[str, Any]]]]] = []
"""Extra per-user measures from other capabilities: ``(session, *, user, clock, window, user_ids)`` →
(measures, {user_id: {measure: value}}). The sales capability adds deals won and their amount this way."""


@register("people", "People")
def people_report(session: Session, *, user: User, clock: Clock, options: ReportOptions) -> Report:
    """Per user: customers owned, new customers, follow-ups logged, customers untouched for N days, deals won and
    their amount, against the monthly targets of the months in the window."""
    from crm_cli.settings import get_setting

    window = resolve_window(clock, options, periodic=False)
    start, end = window.instants(clock)
    people = report_users(session, user)
    ids = [u.id for u in people if u.id is not None]
    idle = options.idle_days if options.idle_days is not None else int(get_setting(session, "today.idle_days"))
    if idle < 0:
        raise InvalidInput("--idle-days must be 0 or more")
    cutoff = clock.day_start(clock.today - timedelta(days=idle))
    owner, last = col(CustomerOwner.owner_id), col(CustomerOwner.last_followup_at)
    conds = [*live_visible(user), owner.in_(ids)]
    created_in = and_(col(Customer.created_at) >= start, col(Customer.created_at) < end)
    untouched = and_(Customer.level != Level.INVALID.value, or_(last.is_(None), last < cutoff))
    owned_stmt = join_owner(
        select(owner, func.count(), rsql.total(case((created_in, 1), else_=0)),
               rsql.total(case((untouched, 1), else_=0))).select_from(Customer)
    ).where(*conds).group_by(owner)  # fmt: skip
    values: dict[int, dict[str, Any]] = {i: {} for i in ids}
    for owner_id, owned, new, idle_n in session.execute(owned_stmt):
        values[owner_id].update(owned=int(owned), new=int(new), untouched=int(idle_n))
    # A user's follow-ups are their work whatever happened to the customer since (transferred, deleted): counted
    # straight from the (user_id, at) index, without touching customers.
    follow_stmt = (
        select(FollowUp.user_id, func.count())
        .where(col(FollowUp.user_id).in_(ids), col(FollowUp.at) >= start, col(FollowUp.at) < end)
        .group_by(FollowUp.user_id)
    )  # fmt: skip
    for user_id, n in session.execute(follow_stmt):
        values[user_id]["followups"] = int(n)
    measures = [
        Measure("owned", "Customers"), Measure("new", "New"), Measure("followups", "Follow-ups", bar=True),
        Measure("untouched", f"Untouched {idle}d+"),
    ]  # fmt: skip
    for provider in PEOPLE_PROVIDERS:
        extra, by_user = provider(session, user=user, clock=clock, window=window, user_ids=ids)
        measures.extend(extra)
        for uid, vals in by_user.items():
            if uid in values:
                values[uid].update(vals)
    targets = _targets(session, ids, window.months())
    has_won = any(m.key == "won" for m in measures)
    has_amount = any(m.key == "won_amount" for m in measures)
    measures += [Measure("target_won", "Target won"), Measure("target_amount", "Target amount", "money")]
    if has_won:
        measures.append(Measure("won_pct", "Won %", "ratio", summable=False))
    if has_amount:
        measures.append(Measure("amount_pct", "Amount %", "ratio", summable=False))
    rows = []
    for u in people:
        assert u.id is not None
        row: dict[str, Any] = {"key": u.username, "owned": 0, "new": 0, "followups": 0, "untouched": 0}
        row.update(values[u.id])
        target_won, target_cents = targets.get(u.id, (None, None))
        row["target_won"] = target_won
        row["target_amount"] = money(target_cents) if target_cents is not None else None
        _fill_pct(row, has_won, has_amount)
        rows.append(row)
    totals = totals_of(rows, measures)
    if not any(r.get("target_won") is not None for r in rows):
        totals["target_won"] = None
    if not any(r.get("target_amount") is not None for r in rows):
        totals["target_amount"] = None
    _fill_pct(totals, has_won, has_amount)
    return Report(
        name="people", title="People", key_header="user", measures=measures, rows=rows, totals=totals,
        window=window, by="user",
        charts=[Chart("Activity", ("new", "followups", "untouched"))]
        + ([Chart("Won vs target", ("won", "target_won"))] if has_won else []),
    )  # fmt: skip


def _fill_pct(row: dict[str, Any], has_won: bool, has_amount: bool) -> None:
    if has_won:
        row["won_pct"] = ratio(row.get("won"), row.get("target_won"))
    if has_amount:
        row["amount_pct"] = ratio(row.get("won_amount"), row.get("target_amount"))


def _targets(session: Session, user_ids: list[int], months: list[str]) -> dict[int, tuple[int | None, int | None]]:
    """Sum of each user's targets over ``months``; None where no month has that target set."""
    stmt = (
        select(SalesTarget.user_id, func.sum(SalesTarget.won), func.sum(SalesTarget.amount_cents))
        .where(col(SalesTarget.user_id).in_(user_ids), col(SalesTarget.month).in_(months))
        .group_by(SalesTarget.user_id)
    )
    return {uid: (won, cents) for uid, won, cents in session.execute(stmt)}


# --------------------------------------------------------------------------------------------------- targets


def parse_month(text: str) -> str:
    """``2026-12``, ``2026/12`` or ``2026年12月`` → ``2026-12``."""
    import re

    m = re.match(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?\s*$", text or "")
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise InvalidInput(f"invalid month {text!r}: use YYYY-MM, e.g. 2026-12")
    return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"


def parse_money(text: str | int | Decimal, what: str = "amount") -> Decimal:
    """An exact amount with at most two decimals (``100000``, ``1,234.50``, ``¥5000``)."""
    from decimal import InvalidOperation

    raw = str(text).strip().replace(",", "").replace("，", "").lstrip("¥￥$")
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:
        raise InvalidInput(f"invalid {what} {text!r}: give a number such as 100000 or 1234.50") from exc
    if not value.is_finite() or value < 0:
        raise InvalidInput(f"invalid {what} {text!r}: it must be 0 or more")
    if value != value.quantize(CENT):
        raise InvalidInput(f"invalid {what} {text!r}: at most two decimals (cents)")
    return value.quantize(CENT)


def set_target(
    session: Session, *, user: User, clock: Clock, username: str, month: str, won: int | None = None,
    amount: str | Decimal | None = None,
) -> SalesTarget:
    """Set (or change) a user's target for a month. Admins set anyone's; managers their team's (not their own)."""
    from crm_cli import audit
    from crm_cli.users import get_user

    if won is None and amount is None:
        raise InvalidInput("give --won N and/or --amount AMOUNT")
    target_user = get_user(session, username)
    allowed = user.role == Role.ADMIN.value or (
        user.role == Role.MANAGER.value and target_user.id != user.id
        and target_user.id in {u.id for u in report_users(session, user)}
    )
    if not allowed:
        raise PermissionDenied(f"{user.username} ({user.role}) cannot set targets for {username}: "
                               "an admin, or the user's manager, can")
    key = parse_month(month)
    if won is not None and won < 0:
        raise InvalidInput(f"--won must be 0 or more, not {won}")
    cents = int(parse_money(amount) * 100) if amount is not None else None
    row = session.exec(select(SalesTarget).where(SalesTarget.user_id == target_user.id,
                                                 SalesTarget.month == key)).first()
    old: dict[str, Any] = {}
    if row is not None:
        old = {"won": row.won, "amount": str(money(row.amount_cents)) if row.amount_cents is not None else None}
    else:
        row = SalesTarget(user_id=target_user.id, month=key)  # type: ignore[arg-type]
    if won is not None:
        row.won = won
    if cents is not None:
        row.amount_cents = cents
    row.updated_at = clock.now
    row.updated_by = user.id
    session.add(row)
    session.flush()
    assert row.id is not None
    new = {"won": row.won, "amount": str(money(row.amount_cents)) if row.amount_cents is not None else None}
    audit.record(session, at=clock.now, user_id=user.id, entity="target", entity_id=row.id, customer_id=None,
                 action="update" if old else "create", changes=audit.diff(old, new),
                 note=f"{target_user.username} {key}")
    return row


def list_targets(session: Session, *, user: User, month: str | None = None) -> list[dict[str, Any]]:
    ids = [u.id for u in report_users(session, user)]
    stmt = select(SalesTarget).where(col(SalesTarget.user_id).in_(ids))
    if month:
        stmt = stmt.where(SalesTarget.month == parse_month(month))
    found = list(session.exec(stmt.order_by(SalesTarget.month, SalesTarget.user_id)))
    names = usernames(session, (t.user_id for t in found))
    return [{"user": names.get(t.user_id), "month": t.month, "won": t.won,
             "amount": money(t.amount_cents) if t.amount_cents is not None else None} for t in found]


# The reports built on other capabilities register themselves on import (they import this module's helpers).
from crm_cli import reports_imports, reports_pool, reports_sales  # noqa: E402, F401
