"""Dates and instants.

One convention everywhere:
- an *instant* ("when did this happen") is an aware ``datetime`` in UTC; it is stored in UTC;
- a *calendar date* (due dates, birthdays, next follow-up) is a plain ``date``, meaning a local date in the
  configured time zone.

``parse_date`` understands the date language of the CLI and the dashboard: ISO ``2026-12-05``, ``2026/12/05``,
``2026.12.05``, ``2026年12月5日``, ``12月5日``, ``today``/``tomorrow``/``yesterday`` (and 今天/明天/昨天/后天/前天/
大后天), relative offsets ``+3d``, ``-5d``, ``+2w``, ``+1m``, ``+1y`` and ``3天后``/``两周后``/``一个月后``/``5天前``,
``下周``/``next week`` (+7 days), ``下个月``/``next month``, weekday names (``monday``, ``mon``, ``周一``, ``星期一``:
the next such day after today) and a weekday of next or this week (``下周五``, ``next friday``, ``本周五``).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from crm_cli.errors import InvalidInput

_WEEKDAYS = {
    "monday": 0, "mon": 0, "周一": 0, "星期一": 0, "礼拜一": 0,
    "tuesday": 1, "tue": 1, "tues": 1, "周二": 1, "星期二": 1, "礼拜二": 1,
    "wednesday": 2, "wed": 2, "周三": 2, "星期三": 2, "礼拜三": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "周四": 3, "星期四": 3, "礼拜四": 3,
    "friday": 4, "fri": 4, "周五": 4, "星期五": 4, "礼拜五": 4,
    "saturday": 5, "sat": 5, "周六": 5, "星期六": 5, "礼拜六": 5,
    "sunday": 6, "sun": 6, "周日": 6, "周天": 6, "星期日": 6, "星期天": 6, "礼拜天": 6, "礼拜日": 6,
}  # fmt: skip
_NAMED = {
    "today": 0, "now": 0, "今天": 0, "今日": 0,
    "tomorrow": 1, "明天": 1, "明日": 1, "后天": 2, "大后天": 3,
    "yesterday": -1, "昨天": -1, "昨日": -1, "前天": -2, "大前天": -3,
}  # fmt: skip
_NAMED_SPANS = {"下周": (7, 0), "下星期": (7, 0), "下礼拜": (7, 0), "next week": (7, 0),
                "下个月": (0, 1), "下月": (0, 1), "next month": (0, 1)}  # (days, months) from today
_WEEK_PREFIX = {"下": 1, "next ": 1, "本": 0, "这": 0, "这个": 0, "this ": 0}  # 下周一: Monday of next week
_ZH_COUNT = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_AFTER = re.compile(r"^(\d{1,4}|[一两二三四五六七八九十])\s*(天|日|周|个?星期|个?礼拜|个月|年)\s*(后|以后|之后|前|以前|之前)$")
_RELATIVE = re.compile(r"^([+-])\s*(\d{1,4})\s*([dwmy]|天|周|个月|月|年)$")
_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_MD_ZH = re.compile(r"^(\d{1,2})\s*月\s*(\d{1,2})\s*日?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")

DATE_HELP = "ISO 2026-12-05, 2026/12/05, 2026年12月5日, today, tomorrow, +3d, -5d, +2w, +1m, 3天后, a weekday or 下周五"


def utcnow() -> datetime:
    return datetime.now(UTC)


def get_tz(name: str | None) -> tzinfo:
    """The configured time zone; the machine's local zone when none is configured."""
    if name:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise InvalidInput(f"unknown time zone {name!r}: use an IANA name such as Asia/Shanghai") from exc
    local = datetime.now().astimezone().tzinfo
    assert local is not None
    return local


def local_today(now: datetime, tz: tzinfo) -> date:
    """The calendar date at instant ``now`` in zone ``tz``."""
    return as_utc(now).astimezone(tz).date()


def as_utc(value: datetime) -> datetime:
    """An aware UTC datetime; a naive value is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def start_of_day(day: date, tz: tzinfo) -> datetime:
    """The UTC instant at which local calendar day ``day`` begins."""
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)


def _add_months(day: date, months: int) -> date:
    from dateutil.relativedelta import relativedelta

    return day + relativedelta(months=months)


def _checked(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise InvalidInput(f"invalid date {text!r}: {exc}") from exc


def parse_date(text: str, *, today: date) -> date:
    """Parse the CLI's date language relative to ``today``. Raises InvalidInput naming the value."""
    raw = (text or "").strip()
    value = raw.lower()
    if not value:
        raise InvalidInput(f"empty date: use {DATE_HELP}")
    if value in _NAMED:
        return today + timedelta(days=_NAMED[value])
    if value in _WEEKDAYS:
        ahead = (_WEEKDAYS[value] - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead)
    if value in _NAMED_SPANS:
        days, months = _NAMED_SPANS[value]
        return _add_months(today, months) + timedelta(days=days)
    for prefix, weeks in _WEEK_PREFIX.items():
        rest = value.removeprefix(prefix)
        if rest != value and rest in _WEEKDAYS:  # 下周五 / next friday: that day of next week; 本周五: of this week
            monday = today - timedelta(days=today.weekday())
            return monday + timedelta(weeks=weeks, days=_WEEKDAYS[rest])
    if m := _AFTER.match(value):  # 3天后, 两周后, 一个月以后, 5天前
        count = int(m.group(1)) if m.group(1).isdigit() else _ZH_COUNT[m.group(1)]
        n = -count if m.group(3).endswith("前") else count
        unit = m.group(2)
        if unit in ("天", "日"):
            return today + timedelta(days=n)
        if unit in ("个月", "年"):
            return _add_months(today, n * (12 if unit == "年" else 1))
        return today + timedelta(weeks=n)
    if m := _RELATIVE.match(value):
        sign = -1 if m.group(1) == "-" else 1
        n = sign * int(m.group(2))
        unit = m.group(3)
        if unit in ("d", "天"):
            return today + timedelta(days=n)
        if unit in ("w", "周"):
            return today + timedelta(weeks=n)
        if unit in ("m", "月", "个月"):
            return _add_months(today, n)
        return _add_months(today, 12 * n)
    for pattern in (_YMD, _COMPACT):
        if m := pattern.match(value):
            return _checked(int(m.group(1)), int(m.group(2)), int(m.group(3)), raw)
    if m := _MD_ZH.match(value):
        return _checked(today.year, int(m.group(1)), int(m.group(2)), raw)
    raise InvalidInput(f"invalid date {raw!r}: use {DATE_HELP}")


def parse_datetime(text: str, *, now: datetime, tz: tzinfo) -> datetime:
    """An instant: ``now``, an ISO datetime (local time unless it carries an offset), or a date (its local noon
    for past-or-today dates is not assumed: a bare date means the start of that local day, except ``today``,
    which means now). Returns aware UTC."""
    raw = (text or "").strip()
    if raw.lower() in ("now", "today", "现在", "今天"):
        return as_utc(now)
    candidate = raw.replace("T", " ").replace("Z", "+00:00")
    if " " in candidate or ":" in candidate:
        try:
            parsed = datetime.fromisoformat(candidate)
        except ValueError as exc:
            raise InvalidInput(f"invalid date/time {raw!r}: use 2026-12-05 14:30 or a date ({DATE_HELP})") from exc
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=tz)
        return parsed.astimezone(UTC)
    day = parse_date(raw, today=local_today(now, tz))
    return start_of_day(day, tz)


class Clock:
    """The moment a piece of work is evaluated at, and the zone that turns it into calendar dates.

    Passed to domain functions so that tests (and ``crm remind --now``) can travel in time.
    """

    __slots__ = ("now", "tz")

    def __init__(self, now: datetime | None = None, tz: tzinfo | None = None) -> None:
        self.now = as_utc(now) if now is not None else utcnow()
        self.tz = tz if tz is not None else get_tz(None)

    @property
    def today(self) -> date:
        return local_today(self.now, self.tz)

    def parse_date(self, text: str) -> date:
        return parse_date(text, today=self.today)

    def parse_datetime(self, text: str) -> datetime:
        return parse_datetime(text, now=self.now, tz=self.tz)

    def day_start(self, day: date) -> datetime:
        return start_of_day(day, self.tz)

    def __repr__(self) -> str:
        return f"Clock(now={self.now.isoformat()}, tz={self.tz})"
