"""Column types that fix one storage format for every writer.

``UTCDateTime`` stores instants as naive UTC text in SQLAlchemy's SQLite format (``2026-11-23 08:00:00.000000``)
and hands back aware UTC datetimes. Everything that writes an instant goes through it, so text comparisons in SQL
stay valid (raw ``sqlite3`` adapters would write a different form).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {value!r}")
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: instants must carry a time zone (use UTC)")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)
