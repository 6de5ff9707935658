"""Who sees which customers. The one visibility rule used by every list, show, export and report.

Admins, assistants and managers see every customer. A rep sees their own customers and the public pool.
(The ownership issue refines this: a manager sees their team, a rep also what is shared with them.)
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_

from crm_cli.db.models import Customer, User
from crm_cli.vocab import Role


def visible_clause(user: User) -> Any:
    """A SQL condition on ``customers`` that keeps what ``user`` may see (deleted customers excluded elsewhere)."""
    if user.role in (Role.ADMIN.value, Role.ASSISTANT.value, Role.MANAGER.value):
        return Customer.id.is_not(None)  # type: ignore[union-attr]
    return or_(Customer.owner_id == user.id, Customer.owner_id.is_(None))  # type: ignore[union-attr]


def can_see(user: User, customer: Customer) -> bool:
    if user.role in (Role.ADMIN.value, Role.ASSISTANT.value, Role.MANAGER.value):
        return True
    return customer.owner_id in (None, user.id)


def can_edit(user: User, customer: Customer) -> bool:
    """Editing needs ownership (or a role that sees everything); pool customers must be claimed first."""
    if user.role in (Role.ADMIN.value, Role.ASSISTANT.value, Role.MANAGER.value):
        return True
    return customer.owner_id == user.id
