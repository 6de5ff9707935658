"""Turning raw cells (str, float, int, bool, date, datetime from the reader) into clean field values.

Conversion is chosen by the column's meaning, never guessed from the value: calamine returns every number as a
float (``13812345678.0``), so a phone or code column turns whole numbers back into exact digit strings, a date
column reads numbers as Excel serial dates, a stars column as a whole number. Text is NFKC-normalised (full-width
letters, digits and spaces become plain ones) and trimmed. A value that cannot be converted raises ``CellError``
with a message that says what is wrong and how to fix it; the importer adds the row and column.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

EXCEL_EPOCH = date(1899, 12, 30)
MIN_SERIAL = 3654  # 1910-01-02: smaller numbers in a date column are not dates
MAX_SERIAL = 73415  # 2100-12-31
EXACT_DIGITS = 15  # Excel keeps 15 significant digits of a number

_SCI = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")
_MDY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
# A date and a time of day: 2026-12-05 14:30, 2026-12-05T14:30:00.5, 2026/12/05 下午2:30, 12/05/2026 2:30 PM
_DT = re.compile(r"^(?P<day>.+?)[ T]\s*(?P<pre>上午|下午|中午|晚上)?\s*(?P<h>\d{1,2}):(?P<m>\d{2})"
                 r"(?::(?P<s>\d{2})(?:\.\d+)?)?\s*(?P<post>[AaPp]\.?[Mm]\.?)?$")
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                       "dec"), start=1)}
_DMY_NAME = re.compile(r"^(\d{1,2})[\s\-/.]*([A-Za-z]{3,9})\.?[\s\-/.,]*(\d{4}|\d{2})$")  # 5-Dec-2026, 05 Dec 26
_MDY_NAME = re.compile(r"^([A-Za-z]{3,9})\.?[\s\-/.]*(\d{1,2})(?:st|nd|rd|th)?[\s,\-/.]*(\d{4})$")  # Dec 5, 2026
_YMD_NAME = re.compile(r"^(\d{4})[\s\-/.]*([A-Za-z]{3,9})\.?[\s\-/.]*(\d{1,2})$")  # 2026-Dec-05
DATE_FORMATS = "2026-12-05, 2026/12/05, 2026年12月5日 or 12/20/2026"
_TRUE = {"1", "true", "yes", "y", "是", "√", "✓", "✔", "x", "对", "t"}
_CN_DIGITS = "零一二三四五"  # 三星 / 五 in a stars column
_FALSE = {"0", "false", "no", "n", "否", "", "-", "×", "不是", "f"}


# What people type into a cell to say "none": read as an empty cell in columns with a format (phones, codes,
# e-mails, dates, levels, stars...), where they would otherwise refuse the row. Text columns keep them as written.
PLACEHOLDERS = frozenset({"无", "暂无", "没有", "空", "未知", "不详", "n/a", "none", "null", "nil", "-", "--", "—",
                          "/", "\\"})


def is_placeholder(value: Any) -> bool:
    return type(value) is str and len(value) <= 8 and unicodedata.normalize("NFKC", value).strip().lower() in PLACEHOLDERS


class CellError(ValueError):
    """A cell value that cannot become the field's value; ``str()`` is the message for the user."""


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip(" \t\r\n\u3000\xa0"))


def text(value: Any) -> str | None:
    """Plain text: numbers without a trailing .0, dates as ISO, NFKC-normalised and trimmed; blank is None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        value = str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    elif isinstance(value, datetime):
        value = value.isoformat(sep=" ", timespec="minutes") if (value.hour or value.minute) else value.date().isoformat()
    elif isinstance(value, date):
        value = value.isoformat()
    elif not isinstance(value, str):
        value = str(value)
    out = unicodedata.normalize("NFKC", value).strip()
    if out.startswith("'") and len(out) > 1 and out[1] in "=+-@\t\r":
        out = out[1:]  # our own CSV export's guard against formula injection
    return out or None


def digits(value: Any) -> str | None:
    """Phones, codes, credit codes, ID numbers: an exact string. A number keeps all its digits (no ``.0``, no
    ``1.38e+10``); a number longer than Excel can hold exactly is refused, as is scientific notation typed as text.
    Leading zeros survive only when the cell is text (a number has none to keep)."""
    if isinstance(value, bool):
        raise CellError(f"{value} is not a phone number or code")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not value.is_integer():
            raise CellError(f"{value!r} is a decimal number, not a phone number or code; format the column as text")
        if abs(value) >= 10**EXACT_DIGITS:
            raise CellError(
                f"{value:.0f} is stored as a number and Excel keeps only {EXACT_DIGITS} digits, so its last digits "
                "are lost; format the column as text and type the value again")
        return str(int(value))
    out = text(value)
    if out is not None and _SCI.match(out):
        raise CellError(f"{out!r} is a number in scientific notation, its digits are lost; format the column as "
                        "text and type the value again")
    return out


def serial_to_date(number: float) -> date:
    if not MIN_SERIAL <= number <= MAX_SERIAL:
        raise CellError(f"{number:g} is a number, not a date; write dates as {DATE_FORMATS}")
    return EXCEL_EPOCH + timedelta(days=int(number))


def _month_named(raw: str) -> tuple[int, int, int] | None:
    """(year, month, day) of a date written with an English month name (5-Dec-2026, Dec 5, 2026, 2026-Dec-05,
    December 5th 2026), or None. A two-digit year is 20YY."""
    if not raw[:1].isascii() or not any(ch.isalpha() for ch in raw):
        return None
    for pattern, order in ((_DMY_NAME, "dmy"), (_MDY_NAME, "mdy"), (_YMD_NAME, "ymd")):
        if m := pattern.match(raw):
            parts = dict(zip(order, m.groups(), strict=True))
            month = _MONTHS.get(parts["m"][:3].lower())
            if month is None or (len(parts["m"]) > 3 and not _month_word(parts["m"])):
                return None
            year = int(parts["y"])
            return (2000 + year if year < 100 else year), month, int(parts["d"])
    return None


def _month_word(word: str) -> bool:
    full = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
            "november", "december")
    w = word.lower()
    return w in full or w == "sept"


def _text_date(raw: str, today: date) -> date:
    from crm_cli.dates import parse_date
    from crm_cli.errors import InvalidInput

    named = _month_named(raw)
    if named is not None:
        year, month, day = named
        try:
            return date(year, month, day)
        except ValueError as exc:
            raise CellError(f"{raw!r} is not a real date ({exc})") from exc
    if m := _MDY.match(raw):
        a, b, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        month, day = (b, a) if a > 12 else (a, b)  # 12/20/2026 (US) unless the first part cannot be a month
        try:
            return date(year, month, day)
        except ValueError as exc:
            raise CellError(f"{raw!r} is not a real date ({exc})") from exc
    try:
        return parse_date(raw, today=today)
    except InvalidInput as exc:
        if isinstance(exc.__cause__, ValueError):
            raise CellError(f"{raw!r} is not a real date ({exc.__cause__})") from exc
        raise CellError(f"{raw!r} is not a date; write it as {DATE_FORMATS}") from exc


def to_date(value: Any, *, today: date) -> date | None:
    """Excel dates, datetimes, serial numbers and text (2026-12-05, 2026/12/05, 2026年12月5日, 12/20/2026, 20261205)."""
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise CellError(f"{value} is not a date")
    if isinstance(value, int | float):
        if isinstance(value, float) and not value.is_integer() or value < 10**7:
            return serial_to_date(float(value))
        return _text_date(str(int(value)), today)
    raw = text(value) or ""
    if m := _DT.match(raw):
        raw = m.group("day")
    if re.fullmatch(r"\d+(\.\d+)?", raw) and len(raw) != 8:
        return serial_to_date(float(raw))
    return _text_date(raw, today)


def to_datetime(value: Any, *, today: date, tz: tzinfo) -> datetime | None:
    """An instant from a local date-time cell; a bare date means that day at 00:00 local time. Aware UTC."""
    if is_blank(value):
        return None
    local: datetime
    if isinstance(value, datetime):
        local = value
    elif isinstance(value, date):
        local = datetime.combine(value, time.min)
    elif isinstance(value, float | int) and not isinstance(value, bool):
        day = serial_to_date(float(value))
        local = datetime.combine(day, time.min) + timedelta(seconds=round((float(value) % 1) * 86400))
    else:
        raw = text(value) or ""
        m = _DT.match(raw)
        if m:
            day = to_date(m.group("day"), today=today)
            assert day is not None
            hour, minute, second = int(m.group("h")), int(m.group("m")), int(m.group("s") or 0)
            mark = (m.group("pre") or m.group("post") or "").lower()[:2]
            if mark and not 1 <= hour <= 12:
                raise CellError(f"{raw!r} has an impossible time of day (a 12-hour clock runs from 1 to 12)")
            if mark and mark[:1] in ("p", "下", "晚") and hour < 12:
                hour += 12
            elif mark and mark[:1] in ("a", "上") and hour == 12:
                hour = 0
            if hour > 23 or minute > 59 or second > 59:
                raise CellError(f"{raw!r} has an impossible time of day")
            local = datetime.combine(day, time(hour, minute, second))
        else:
            day = to_date(raw, today=today)
            assert day is not None
            local = datetime.combine(day, time.min)
    if local.tzinfo is None:
        local = local.replace(tzinfo=tz)
    return local.astimezone(UTC)


def to_stars(value: Any) -> int:
    if is_blank(value):
        return 0
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        stars = value
    else:
        raw = text(value) or ""
        if raw and set(raw) <= {"★", "☆"}:
            stars = raw.count("★")
        else:
            raw = raw.removesuffix("星级").removesuffix("星").strip()
            if len(raw) == 1 and raw in _CN_DIGITS:
                raw = str(_CN_DIGITS.index(raw))
            if not raw.isdigit():
                raise CellError(f"stars must be a whole number from 0 to 5 (3, 三星 or ★★★), not {text(value)!r}")
            stars = int(raw)
    if not 0 <= stars <= 5:
        raise CellError(f"stars must be from 0 to 5, not {stars}")
    return stars


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raw = (text(value) or "").lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise CellError(f"{text(value)!r} is not yes/no; use 是/否, yes/no or 1/0")
