"""Contacts and follow-ups.

Built on first use: ``from crm_cli.db.models import Contact`` loads this module (see crm_cli.db.models). The hot
customer commands (list, today, add without --contact) never need them.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Index, Integer
from sqlmodel import Field, SQLModel

from crm_cli.db.models import _instant


class Contact(SQLModel, table=True):
    __tablename__ = "contacts"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(
        sa_column=Column(Integer, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    name: str
    title: str | None = None
    department: str | None = None
    mobile: str | None = None
    phone: str | None = None
    email: str | None = None
    wechat: str | None = None
    birthday: date | None = None
    notes: str | None = None
    is_primary: bool = False
    created_at: datetime | None = _instant()
    updated_at: datetime | None = _instant()


class FollowUp(SQLModel, table=True):
    __tablename__ = "followups"
    __table_args__ = (
        Index("ix_followups_customer_at", "customer_id", "at"),
        Index("ix_followups_user_at", "user_id", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(sa_column=Column(Integer, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False))
    user_id: int | None = Field(default=None, foreign_key="users.id")
    at: datetime | None = _instant(nullable=False)
    method: str = "phone"
    content: str = ""
    next_on: date | None = None
    plan: str | None = None
    created_at: datetime | None = _instant()
