"""Who sees which customers. The one visibility rule used by every list, show, export and report.

- Admins and assistants see every customer.
- A manager sees their own customers, those of everyone below them (recursively, through ``users.manager_id``),
  customers shared with them, and the public pool.
- A rep sees their own customers, customers shared with them (``customer_shares``) and the public pool.
- Invalid customers (无效客户) in the pool are hidden from reps: they left the rep's list on approval.

``visible_clause(user)`` is the SQL form (a condition on ``customers``, with the manager's team as a recursive
CTE so no session is needed); ``can_see`` answers for one loaded customer with the same rule.

The owner of a customer is a column of ``customer_owners`` (one row per customer, see crm_cli.db.models).
``owned_by``, ``in_pool`` and ``owner_of`` are conditions and expressions *on customers* that need no join; a
query that groups or sorts by owner joins ``CustomerOwner`` itself (``join_owner``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, literal, or_, select, true
from sqlalchemy.orm import object_session

from crm_cli.db.lean import CUSTOMER_SHARES
from crm_cli.db.models import Customer, CustomerOwner, User
from crm_cli.vocab import Role

SEE_ALL = (Role.ADMIN.value, Role.ASSISTANT.value)


def team_ids_select(manager_id: int) -> Any:
    """SELECT of the ids of ``manager_id`` and everyone below them (a recursive CTE over users.manager_id)."""
    users = User.__table__  # type: ignore[attr-defined]
    team = select(literal(manager_id).label("id")).cte("team", recursive=True)
    team = team.union(select(users.c.id).where(users.c.manager_id == team.c.id))
    return select(team.c.id)


def team_ids(session: Any, user: User) -> set[int]:
    """The ids of ``user`` and (for a manager) everyone below them."""
    assert user.id is not None
    if user.role != Role.MANAGER.value:
        return {user.id}
    return {int(row[0]) for row in session.execute(team_ids_select(user.id))}


OWNERS = CustomerOwner.__table__  # type: ignore[attr-defined]


def owned_by(owners: Any) -> Any:
    """Condition on customers: the owner is ``owners`` (a user id, or a list/SELECT of ids). SQLite walks
    ix_customer_owners_owner for the ids and finds each customer by rowid."""
    o = OWNERS.c
    which = o.owner_id == owners if isinstance(owners, int) else o.owner_id.in_(owners)
    # correlate(None): the subquery stands alone even when the outer query joins customer_owners too.
    return Customer.id.in_(select(o.customer_id).where(which).correlate(None))  # type: ignore[union-attr]


def in_pool() -> Any:
    """Condition on customers: in the public pool (no owner)."""
    o = OWNERS.c
    return Customer.id.in_(select(o.customer_id).where(o.owner_id.is_(None)).correlate(None))  # type: ignore[union-attr]


def owner_of(column: str = "owner_id") -> Any:
    """The owner (or ``owned_since`` / ``last_followup_at``) of the customer of the current row, as a correlated
    scalar subquery: one primary-key lookup per row. For a select list or a filter checked on rows found
    otherwise; to search or group by owner, join (``join_owner``)."""
    o = OWNERS.c
    # correlate_except: customer_owners stays inside even when the outer query joins it too.
    return select(o[column]).where(o.customer_id == Customer.id).correlate_except(OWNERS).scalar_subquery()


def owner_row_matches(*conditions: Any) -> Any:
    """Condition on customers: the customer's own customer_owners row meets ``conditions`` (EXISTS with one
    primary-key lookup per row; customer_owners stays inside even when the outer query joins it too)."""
    o = OWNERS.c
    return select(o.customer_id).where(o.customer_id == Customer.id, *conditions).correlate_except(OWNERS).exists()


def join_owner(stmt: Any, customers: Any = None) -> Any:
    """``stmt`` with ``customer_owners`` joined to ``customers`` (every customer has its row: an inner join)."""
    table = customers if customers is not None else Customer.__table__  # type: ignore[attr-defined]
    return stmt.join(OWNERS, OWNERS.c.customer_id == table.c.id)


def _shared_with(user: User) -> Any:
    shares = CUSTOMER_SHARES  # the light table: the CustomerShare class stays unbuilt
    return Customer.id.in_(select(shares.c.customer_id).where(shares.c.user_id == user.id))  # type: ignore[union-attr]


def shared_with(session: Any, customer: Customer) -> list[str]:
    """The usernames ``customer`` is shared with (``customer_shares``), sorted."""
    shares = CUSTOMER_SHARES
    stmt = (select(User.username).join(shares, shares.c.user_id == User.id)
            .where(shares.c.customer_id == customer.id).order_by(User.username))
    return list(session.execute(stmt).scalars())


def visible_clause(user: User, *, indexed: bool = True) -> Any:
    """A SQL condition on ``customers`` that keeps what ``user`` may see (deleted customers excluded elsewhere).

    ``indexed=False`` checks the rule row by row (one primary-key lookup in customer_owners per row) instead of
    gathering every visible customer through ix_customer_owners_owner (one table lookup each, then a sort). Right
    for a substring search, whose rows are best found by a scan in id order that stops after the first page."""
    if user.role in SEE_ALL:
        return true()
    assert user.id is not None
    mine: Any = team_ids_select(user.id) if user.role == Role.MANAGER.value else user.id
    if not indexed:
        # One primary-key lookup in customer_owners per row the scan reaches.
        o = OWNERS.c
        owner = o.owner_id == mine if isinstance(mine, int) else o.owner_id.in_(mine)
        here = owner_row_matches(or_(owner, and_(o.owner_id.is_(None), Customer.level != "invalid")))
        return or_(here, _shared_with(user))
    return or_(owned_by(mine), and_(in_pool(), Customer.level != "invalid"), _shared_with(user))


def can_see(user: User, customer: Customer, session: Any = None) -> bool:
    if user.role in SEE_ALL or customer.owner_id == user.id:
        return True
    if customer.owner_id is None and customer.level != "invalid":
        return True
    session = session or object_session(customer)
    if session is None:
        return False
    stmt = select(Customer.id).where(Customer.id == customer.id, visible_clause(user, indexed=False))  # type: ignore[arg-type]
    return session.execute(stmt).first() is not None


def manages(session: Any, user: User, owner_id: int | None) -> bool:
    """Whether ``user`` may act on customers owned by ``owner_id`` as their manager (or as admin/assistant)."""
    if user.role in SEE_ALL:
        return True
    if user.role != Role.MANAGER.value or owner_id is None:
        return False
    return owner_id in team_ids(session, user)


def can_edit(user: User, customer: Customer, session: Any = None) -> bool:
    """Editing needs ownership, or being the owner's manager (or admin/assistant); pool customers must be
    claimed first by reps (admins, assistants and managers may edit them)."""
    if user.role in SEE_ALL or customer.owner_id == user.id:
        return True
    if user.role != Role.MANAGER.value:
        return False
    if customer.owner_id is None:
        return True
    session = session or object_session(customer)
    return session is not None and manages(session, user, customer.owner_id)
