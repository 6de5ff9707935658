"""Users: who works in the CRM, their role and manager."""

from __future__ import annotations

import re
from typing import overload

from sqlmodel import Session, func, select

from crm_cli.dates import Clock
from crm_cli.db.models import User
from crm_cli.errors import InvalidInput, NotFound, PermissionDenied
from crm_cli.vocab import Role, parse_role

_USERNAME = re.compile(r"^[\w.@-]{1,64}$")


def get_user(session: Session, username: str) -> User:
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFound(f"no user {username!r}: see `crm user list`, or add one with `crm user add {username}`")
    return user


@overload
def current_user(session: Session, username: str, *, clock: Clock) -> User: ...
@overload
def current_user(session: Session, username: str, *, clock: Clock, create: bool) -> User | None: ...


def current_user(session: Session, username: str, *, clock: Clock, create: bool = True) -> User | None:
    """The acting user. On a database with no users yet, the first one is created as an admin (with
    ``create=False``: None is returned instead, for a read transaction that cannot write it)."""
    user = session.exec(select(User).where(User.username == username)).first()
    if user is not None:
        if not user.active:
            raise PermissionDenied(f"user {username!r} is deactivated; ask an admin")
        return user
    if session.exec(select(func.count()).select_from(User)).one() == 0:
        if not create:
            return None
        user = User(username=username, display_name=username, role=Role.ADMIN.value, created_at=clock.now)
        session.add(user)
        session.flush()
        return user
    raise NotFound(
        f"you are {username!r}, who is not a user of this database: pick a user with --as USER or CRM_USER, "
        f"or ask an admin to run `crm user add {username}`"
    )


def _require_admin(actor: User | None) -> None:
    if actor is not None and actor.role != Role.ADMIN.value:
        raise PermissionDenied(f"only an admin can manage users; {actor.username} is a {actor.role}")


def add_user(
    session: Session,
    *,
    actor: User | None,
    clock: Clock,
    username: str,
    display_name: str | None = None,
    email: str | None = None,
    role: str = "rep",
    manager: str | None = None,
) -> User:
    _require_admin(actor)
    username = username.strip()
    if not _USERNAME.match(username):
        raise InvalidInput(f"invalid user name {username!r}: use letters, digits, '.', '_', '-' or '@' (no spaces)")
    if session.exec(select(User).where(User.username == username)).first():
        from crm_cli.errors import Refused

        raise Refused(f"user {username!r} already exists: change it with `crm user edit {username}`")
    manager_id = get_user(session, manager).id if manager else None
    user = User(
        username=username, display_name=(display_name or username).strip(), email=_email(email),
        role=parse_role(role).value, manager_id=manager_id, created_at=clock.now,
    )  # fmt: skip
    session.add(user)
    session.flush()
    return user


def edit_user(
    session: Session,
    *,
    actor: User | None,
    username: str,
    display_name: str | None = None,
    email: str | None = None,
    role: str | None = None,
    manager: str | None = None,
    active: bool | None = None,
) -> User:
    _require_admin(actor)
    user = get_user(session, username)
    if display_name is not None:
        user.display_name = display_name.strip()
    if email is not None:
        user.email = _email(email)
    if role is not None:
        user.role = parse_role(role).value
    if manager is not None:
        if manager in ("", "none", "-"):
            user.manager_id = None
        else:
            boss = get_user(session, manager)
            if boss.id == user.id or user.id in _chain_ids(session, boss):
                raise InvalidInput(f"{manager} cannot manage {username}: that would make a reporting loop")
            user.manager_id = boss.id
    if active is not None:
        user.active = active
    session.add(user)
    session.flush()
    return user


def _chain_ids(session: Session, user: User) -> set[int]:
    """Ids of the managers above ``user``."""
    seen: set[int] = set()
    current = user
    while current.manager_id is not None and current.manager_id not in seen:
        seen.add(current.manager_id)
        nxt = session.get(User, current.manager_id)
        if nxt is None:
            break
        current = nxt
    return seen


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(User.username)))


def _email(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    value = value.strip()
    if not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", value):
        raise InvalidInput(f"invalid e-mail {value!r}: expected name@example.com")
    return value
