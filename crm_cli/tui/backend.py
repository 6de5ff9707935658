"""The dashboard's data layer: short sessions through crm_cli.db.engine calling the same domain functions as the
CLI, returning plain data the screens render. No Textual here; every method runs in a worker thread.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crm_cli.customers import CustomerQuery

PAGE_SIZE = 100
COUNT_CAP = 10_000  # beyond this the status line says "10,000+" instead of counting every match
ID_WINDOW = 5_000  # ids read in primary-key order before the general page query (see Backend._first_ids)


@dataclass(frozen=True)
class Row:
    """One line of the customers table."""

    id: int
    name: str
    level: str
    stars: int
    owner: str
    region: str
    phone: str
    last: date | None
    next: date | None


@dataclass
class Page:
    rows: list[Row]
    total: int
    capped: bool
    offset: int
    query: CustomerQuery

    @property
    def total_label(self) -> str:
        if self.total < 0:
            return "…"
        return f"{self.total:,}+" if self.capped else f"{self.total:,}"


@dataclass
class Me:
    id: int
    username: str
    label: str
    role: str

    @property
    def is_manager(self) -> bool:
        return self.role in ("manager", "admin", "assistant")


@dataclass
class Home:
    me: Me
    today: date
    overdue: list[Row]
    due_today: list[Row]
    never_contacted: list[Row]
    idle: list[Row]
    idle_days: int
    summary: Any  # crm_cli.overview.Summary
    panels: dict[str, list[str]] = field(default_factory=dict)  # extra lists from other capabilities


@dataclass
class Detail:
    customer: Any  # crm_cli.db.models.Customer, detached
    owner: str
    contacts: list[Any]
    followups: list[tuple[Any, str]]  # (FollowUp, username)
    history: list[tuple[Any, str]]  # (AuditEntry, username)
    extras: dict[str, Any]
    can_edit: bool
    tz: Any = None  # the clock's zone: instants are shown in local time

    def local(self, instant: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        return instant.astimezone(self.tz).strftime(fmt) if instant is not None else ""


@dataclass
class Duplicate:
    id: int
    name: str
    reasons: list[str]
    score: int = 100
    visible: bool = True  # False: someone else's customer: only its name and owner are shown
    owner: str = ""

    @property
    def label(self) -> str:
        who = f" ({self.owner})" if self.owner else ""
        return f"#{self.id} {self.name}{who}" if self.visible else f"{self.name}{who}"


def _duplicate(match: Any, owners: dict[int, str]) -> Duplicate:
    c = match.customer
    return Duplicate(c.id, c.name, list(match.reasons), score=int(getattr(match, "score", 100)),
                     visible=bool(getattr(match, "visible", True)),
                     owner=owners.get(c.owner_id, "") if c.owner_id else "公海")


class Backend:
    """One per app. ``now``/``tz`` fix the clock (tests, snapshots); otherwise it follows the wall clock."""

    def __init__(self, db_path: str | Path, username: str, *, now: datetime | None = None,
                 tz: tzinfo | None = None) -> None:
        from crm_cli.db.engine import Database

        self.db = Database(db_path)
        self.username = username
        self.fixed_now = now
        self.tz = tz
        self._owners: dict[int, str] = {}
        self._watcher: Any = None
        self._lock = threading.Lock()
        self._closed = False

    # ------------------------------------------------------------------------------------------- plumbing

    def clock(self) -> Any:
        from crm_cli.dates import Clock

        return Clock(self.fixed_now, self.tz)

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[tuple[Any, Any, Any]]:
        from crm_cli.users import current_user

        clock = self.clock()
        with self.db.write() if write else self.db.read() as session:
            yield session, current_user(session, self.username, clock=clock), clock

    def open(self) -> Me:
        """Open (create or upgrade) the file and make sure the acting user exists. Returns who we are."""
        from crm_cli.users import current_user

        self.db.open()
        with self.db.read() as session:
            from sqlmodel import func, select

            from crm_cli.db.models import User

            empty = session.exec(select(func.count()).select_from(User)).one() == 0
        if empty:
            with self.db.write() as session:
                current_user(session, self.username, clock=self.clock())
        with self.session() as (session, user, _clock):
            self._load_owners(session)
            return Me(id=user.id, username=user.username, label=user.label, role=user.role)

    def _load_owners(self, session: Any) -> None:
        from sqlmodel import select

        from crm_cli.db.models import User

        self._owners = {u.id: u.username for u in session.exec(select(User))}  # type: ignore[misc]

    def changed(self) -> bool:
        """Whether another connection (this app's own writes included) committed since the last call."""
        from crm_cli.db.watch import ChangeWatcher

        with self._lock:
            if self._closed:
                return False
            if self._watcher is None:
                self._watcher = ChangeWatcher(self.db.path)
            return bool(self._watcher.changed())

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._watcher is not None:
                self._watcher.close()
        self.db.dispose()

    def _row(self, c: Any, clock: Any) -> Row:
        return Row(
            id=c.id, name=c.name, level=c.level, stars=c.stars, owner=self._owners.get(c.owner_id, "") if c.owner_id
            else "公海", region=c.region or "", phone=c.phone or "",
            last=c.last_followup_at.astimezone(clock.tz).date() if c.last_followup_at else None, next=c.next_followup_on,
        )  # fmt: skip

    # ------------------------------------------------------------------------------------------- reads

    def home(self) -> Home:
        from crm_cli import agenda, overview

        with self.session() as (session, user, clock):
            self._load_owners(session)
            day = agenda.today_agenda(session, user=user, clock=clock, limit=30)
            rows = {k: [self._row(c, clock) for c in getattr(day, k)]
                    for k in ("overdue", "due_today", "never_contacted", "idle")}
            return Home(
                me=Me(id=user.id, username=user.username, label=user.label, role=user.role), today=clock.today,
                idle_days=day.idle_days, summary=overview.summary(session, user=user, clock=clock),
                panels=home_panels(session, user, clock), **rows,
            )  # fmt: skip

    def customers(self, query: CustomerQuery, *, count: bool = True) -> Page:
        """One page of the list (``query.limit`` rows from ``query.offset``) and the number of matches (up to
        COUNT_CAP). Two steps: the page's ids first (for the default order a covering-index scan, see migration
        0008), then only the columns the table shows for those ids."""
        from sqlalchemy import and_, select

        from crm_cli import customers
        from crm_cli.db.dialect import in_id_order
        from crm_cli.db.models import Customer, CustomerOwner

        if query.sort not in customers.SORTS:
            from crm_cli.errors import InvalidInput

            raise InvalidInput(f"unknown sort {query.sort!r}: use one of {', '.join(customers.SORTS)}")
        with self.session() as (session, user, clock):
            where = and_(*customers.query_conditions(session, query, user=user, clock=clock))
            ids = self._first_ids(session, where, query)
            if ids is None:
                ids_stmt = (select(Customer.id).where(where).order_by(*customers.SORTS[query.sort], Customer.id)
                            .offset(query.offset).limit(query.limit))
                if query.sort == "id" and _substring_search(query):
                    ids_stmt = in_id_order(ids_stmt, Customer)
                ids = list(session.execute(ids_stmt).scalars())
            cols = (Customer.id, Customer.name, Customer.level, Customer.stars, CustomerOwner.owner_id,
                    Customer.region, Customer.phone, CustomerOwner.last_followup_at, Customer.next_followup_on)
            page = (select(*cols).join(CustomerOwner, CustomerOwner.customer_id == Customer.id)  # type: ignore[arg-type]
                    .where(Customer.id.in_(ids)))  # type: ignore[union-attr]
            by_id = {r.id: r for r in session.execute(page)}
            if any(r.owner_id and r.owner_id not in self._owners for r in by_id.values()):
                self._load_owners(session)
            total = self._count(session, where, scan=_substring_search(query)) if count else -1
            return Page(rows=[self._row(by_id[i], clock) for i in ids if i in by_id], total=min(total, COUNT_CAP),
                        capped=total > COUNT_CAP, offset=query.offset, query=query)

    @staticmethod
    def _first_ids(session: Any, where: Any, query: CustomerQuery) -> list[int] | None:
        """The page's ids when the list is in id order and its page lies within the first ID_WINDOW ids, else None.

        In id order with a common term (or none), the page's rows come early: reading the first few thousand
        customers by primary key finds them in a millisecond, where the general query reads the whole search index
        (40 ms on 100k) and sorts the matches. The result is the same: every id below the window's bound was
        examined, so a full page from the window is the first page of all matches; with fewer, the caller runs
        the general query."""
        from sqlalchemy import func, select

        from crm_cli.db.dialect import in_id_order
        from crm_cli.db.models import Customer

        if query.sort != "id" or query.limit is None or query.offset + query.limit > ID_WINDOW // 4:
            return None
        first = session.execute(select(func.min(Customer.id))).scalar()
        if first is None:
            return []
        stmt = (select(Customer.id).where(where, Customer.id < first + ID_WINDOW).order_by(Customer.id)
                .offset(query.offset).limit(query.limit))
        ids = list(session.execute(in_id_order(stmt, Customer)).scalars())
        return ids if len(ids) == query.limit else None

    def count(self, query: CustomerQuery) -> int:
        """How many customers match (COUNT_CAP + 1 meaning "more than COUNT_CAP")."""
        from sqlalchemy import and_

        from crm_cli import customers

        with self.session() as (session, user, clock):
            return self._count(session, and_(*customers.query_conditions(session, query, user=user, clock=clock)),
                               scan=_substring_search(query))

    @staticmethod
    def _count(session: Any, where: Any, *, scan: bool = False) -> int:
        """Matches up to COUNT_CAP + 1. ``scan``: read the table itself (a substring term is checked on every
        row anyway; going through the owner indexes first reads the rows out of order, 4x slower on 100k)."""
        from sqlalchemy import func, select

        from crm_cli.db.dialect import in_id_order
        from crm_cli.db.models import Customer

        inner = select(Customer.id).where(where).limit(COUNT_CAP + 1)
        matches = (in_id_order(inner, Customer) if scan else inner).subquery()
        return int(session.execute(select(func.count()).select_from(matches)).scalar_one())

    def detail(self, customer_id: int) -> Detail:
        from crm_cli import access, audit, customers, followups
        from crm_cli.contacts import list_contacts

        with self.session() as (session, user, clock):
            customer = customers.resolve_customer(session, f"#{customer_id}", user=user)
            contacts = list_contacts(session, customer)
            fups = followups.list_followups(session, user=user, customer=customer, limit=200)
            history = audit.history(session, customer_id)
            self._load_owners(session)
            return Detail(
                customer=customer, owner=self._owners.get(customer.owner_id, "") if customer.owner_id else "公海",
                contacts=contacts, followups=[(f, self._owners.get(f.user_id, "")) for f in fups],
                history=[(h, self._owners.get(h.user_id, "")) for h in reversed(history)],
                extras=customers.show_extras(session, customer, user=user, clock=clock),
                can_edit=access.can_edit(user, customer, session), tz=clock.tz,
            )  # fmt: skip

    def duplicates(self, values: dict[str, Any], exclude_id: int | None = None) -> list[Duplicate]:
        from crm_cli import customers

        clean = {k: v for k, v in values.items() if k in ("name", "phone", "email", "credit_code") and v}
        if not clean:
            return []
        with self.session() as (session, user, _clock):
            found = customers.find_duplicates(session, clean, exclude_id=exclude_id, limit=8, user=user)
            if any(m.customer.owner_id not in self._owners for m in found if m.customer.owner_id):
                self._load_owners(session)
            return [_duplicate(m, self._owners) for m in found]

    def usernames(self) -> list[str]:
        from crm_cli.users import list_users

        with self.db.read() as session:
            return [u.username for u in list_users(session) if u.active]

    # ------------------------------------------------------------------------------------------- writes

    def log_followup(self, customer_id: int, *, content: str, method: str, next_text: str, plan: str) -> Any:
        from crm_cli import customers, followups

        with self.session(write=True) as (session, user, clock):
            next_on = clock.parse_date(next_text) if next_text.strip() else None
            customer = customers.resolve_customer(session, f"#{customer_id}", user=user)
            return followups.log_followup(session, user=user, clock=clock, customer=customer, content=content,
                                          method=method, next_on=next_on, plan=plan or None)

    def add_customer(self, data: dict[str, Any], *, next_text: str = "", force: bool = False) -> int:
        from crm_cli import customers, followups

        with self.session(write=True) as (session, user, clock):
            next_on = clock.parse_date(next_text) if next_text.strip() else None
            with _plain_duplicates(self._owners):
                customer = customers.add_customer(session, user=user, clock=clock, data=data, force=force)
            if next_on is not None:
                followups.set_next_followup(session, user=user, clock=clock, customer=customer, next_on=next_on)
            assert customer.id is not None
            return customer.id

    def edit_customer(self, customer_id: int, changes: dict[str, Any], *, next_text: str | None = None,
                      force: bool = False) -> dict[str, Any]:
        from crm_cli import customers, followups

        with self.session(write=True) as (session, user, clock):
            next_on = clock.parse_date(next_text) if next_text and next_text.strip() else None
            customer = customers.resolve_customer(session, f"#{customer_id}", user=user)
            with _plain_duplicates(self._owners):
                delta = customers.edit_customer(session, user=user, clock=clock, customer=customer,
                                                changes=changes, force=force)
            if next_text is not None and followups.set_next_followup(
                    session, user=user, clock=clock, customer=customer, next_on=next_on):
                delta["next_followup_on"] = next_on
            return delta


    # ------------------------------------------------------------------------------------------- the pool

    def pool_status(self) -> str:
        """The line above the pool table: how many customers I own against my cap (pool.max_owned)."""
        from crm_cli import pool

        with self.session() as (session, user, _clock):
            cap = pool.rules(session).max_owned
            owned = pool.owned_count(session, user.id)
        if cap <= 0:
            return f"you own {owned} customer{'' if owned == 1 else 's'} (no cap)"
        return f"you own {owned} of {cap} (pool.max_owned): room for {max(cap - owned, 0)}"

    def claim(self, customer_id: int) -> str:
        from crm_cli import pool

        with self.session(write=True) as (session, user, clock):
            customer = pool.resolve_for_pool(session, f"#{customer_id}", user=user)
            pool.claim(session, user=user, clock=clock, customers=[customer])
            return customer.label

    def assign(self, customer_id: int, username: str) -> str:
        from crm_cli import pool
        from crm_cli.users import get_user

        with self.session(write=True) as (session, user, clock):
            customer = pool.resolve_for_pool(session, f"#{customer_id}", user=user)
            target = get_user(session, username)
            pool.assign(session, user=user, clock=clock, customers=[customer], to=target)
            return f"{customer.label} → {target.username}"


def _substring_search(query: CustomerQuery) -> bool:
    """Whether the search has a term too short for the trigram index (matched with LIKE on every row)."""
    from crm_cli.db.search import normalise_query

    return bool(query.search) and any(len(t) < 3 for t in normalise_query(query.search or "").split())


@contextmanager
def _plain_duplicates(owners: dict[int, str]) -> Iterator[None]:
    """A refused duplicate carries ORM objects that die with the session: turn them into plain Duplicates."""
    from crm_cli.errors import DuplicateRefused

    try:
        yield
    except DuplicateRefused as exc:
        exc.matches = [_duplicate(m, owners) for m in exc.matches]
        raise


def home_panels(session: Any, user: Any, clock: Any) -> dict[str, list[str]]:
    """Lists other capabilities contribute to Home (returning to the pool, payments due), as text items (an item
    may hold a second, indented line).

    Each entry of ``HOME_PANELS`` is ``(title, provider)`` with ``provider(session, user, clock) -> list[str]``."""
    out: dict[str, list[str]] = {}
    for title, provider in HOME_PANELS:
        out[title] = provider(session, user, clock)
    return out


def _returning_to_pool(session: Any, user: Any, clock: Any) -> list[str]:
    """My customers the sweep will return to the pool within pool.warn_days unless followed up (crm remind)."""
    from crm_cli.remind import pool_warning_alerts

    alerts = sorted(pool_warning_alerts(session, clock, 0, {user.id}, limit=15), key=lambda a: (a.due, a.customer_id or 0))
    return [f"{a.due.strftime('%m-%d')} #{a.customer_id} {a.customer_name}" for a in alerts[:15]]


def _payments_due(session: Any, user: Any, clock: Any) -> list[str]:
    """My open installments overdue or due within dashboard.payments_days (contracts or customers I own)."""
    from crm_cli.payments import payments_due
    from crm_cli.settings import get_setting

    days = int(get_setting(session, "dashboard.payments_days"))
    lines = []
    for item in payments_due(session, user=user, clock=clock, days=days)[:15]:
        late = f" ({item['overdue_days']}d late)" if item.get("overdue_days") else ""
        lines.append(f"{item['due_on'].strftime('%m-%d')} {item['open']} {item['currency']}{late}\n"
                     f"  #{item['customer_id']} {item['customer']} · {item['contract']}")
    return lines


HOME_PANELS: list[tuple[str, Any]] = [
    ("Payments due", _payments_due),
    ("Returning to the pool soon", _returning_to_pool),
]
