"""Exact money: ``Decimal`` at the edges, integer cents in the database, never float.

``parse_money("30,000")``, ``parse_money("¥1.2万")`` and ``parse_money("1 500.50")`` give Decimals with two places;
``to_cents`` / ``from_cents`` convert; ``format_money`` renders ``30,000.00``. A currency is a three-letter ISO code
per contract (or deal); the default comes from the ``company.currency`` setting.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from crm_cli.errors import InvalidInput

CENT = Decimal("0.01")
_SYMBOLS = {"¥": "", "￥": "", "$": "", "€": "", "£": "", "元": "", "圆": "", "rmb": "", "cny": ""}
_CURRENCY = re.compile(r"^[A-Z]{3}$")
MONEY_HELP = "a number such as 30000, 30,000.50, 1.5万 or ¥1200"


def parse_decimal(text: Any, *, what: str = "number") -> Decimal:
    """A finite Decimal from user text (commas, full-width digits and spaces allowed)."""
    import unicodedata

    raw = unicodedata.normalize("NFKC", str(text)).strip()
    cleaned = raw.replace(",", "").replace(" ", "").replace("_", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise InvalidInput(f"invalid {what} {raw!r}: expected a number such as 2 or 1.5") from None
    if not value.is_finite():
        raise InvalidInput(f"invalid {what} {raw!r}: expected a finite number")
    return value


def parse_money(text: Any, *, what: str = "amount", allow_zero: bool = True, allow_negative: bool = False) -> Decimal:
    """An amount with at most two decimal places. Accepts ``30000``, ``30,000.50``, ``¥1200``, ``1.5万``, ``3千``."""
    if isinstance(text, Decimal):
        value = text
        raw = str(text)
    else:
        import unicodedata

        raw = unicodedata.normalize("NFKC", str(text or "")).strip()
        body = raw.lower()
        for symbol in _SYMBOLS:
            body = body.replace(symbol, "")
        scale = Decimal(1)
        if body.endswith("万"):
            scale, body = Decimal(10000), body[:-1]
        elif body.endswith("千"):
            scale, body = Decimal(1000), body[:-1]
        elif body.endswith("k"):
            scale, body = Decimal(1000), body[:-1]
        if not body.strip():
            raise InvalidInput(f"empty {what}: give {MONEY_HELP}")
        try:
            value = parse_decimal(body, what=what) * scale
        except InvalidInput:
            raise InvalidInput(f"invalid {what} {raw!r}: use {MONEY_HELP}") from None
    if value != value.quantize(CENT):
        raise InvalidInput(f"{what} {raw!r} has more than two decimal places (cents)")
    if value < 0 and not allow_negative:
        raise InvalidInput(f"{what} {raw!r} is negative")
    if value == 0 and not allow_zero:
        raise InvalidInput(f"{what} {raw!r} must be more than zero")
    return value.quantize(CENT)


def to_cents(value: Decimal) -> int:
    """Exact: the value must already be whole cents (use ``round_cents`` for computed values)."""
    cents = value * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"{value} is not a whole number of cents")
    return int(cents)


def round_cents(value: Decimal) -> int:
    """Computed money (quantity × price × discount) rounded half-up to whole cents."""
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_cents(cents: int | None) -> Decimal:
    return (Decimal(cents or 0) / 100).quantize(CENT)


def money_text(cents: int | None) -> str:
    """Plain decimal text for JSON and CSV: ``30000.00``."""
    return str(from_cents(cents))


def format_money(cents: int | None, currency: str | None = None) -> str:
    """For people: ``30,000.00`` or ``30,000.00 CNY``."""
    text = f"{from_cents(cents):,.2f}"
    return f"{text} {currency}" if currency else text


def parse_currency(text: str | None) -> str:
    code = (text or "").strip().upper()
    aliases = {"RMB": "CNY", "人民币": "CNY", "美元": "USD", "欧元": "EUR", "港币": "HKD", "港元": "HKD"}
    code = aliases.get(code, code)
    if not _CURRENCY.match(code):
        raise InvalidInput(f"invalid currency {text!r}: use a three-letter ISO code such as CNY, USD, EUR")
    return code


def default_currency(session: Any) -> str:
    from crm_cli.settings import get_setting

    return parse_currency(str(get_setting(session, "company.currency") or "CNY"))


def parse_percent(text: Any, *, what: str = "discount") -> int:
    """``10``, ``10%``, ``12.5%`` → basis points (1000, 1250). From 0 to 100 %."""
    raw = str(text).strip().rstrip("%").strip()
    value = parse_decimal(raw, what=what)
    bp = value * 100
    if bp != bp.to_integral_value():
        raise InvalidInput(f"{what} {text!r} has too many decimal places (at most two, e.g. 12.25%)")
    if not 0 <= value <= 100:
        raise InvalidInput(f"{what} {text!r} must be from 0% to 100%")
    return int(bp)


def percent_text(bp: int) -> str:
    value = (Decimal(bp) / 100).normalize()
    return f"{value:f}%"


def line_amount(quantity: Decimal, unit_price_cents: int, discount_bp: int = 0) -> int:
    """quantity × unit price × (1 − discount), in cents, rounded half-up once at the end."""
    gross = quantity * Decimal(unit_price_cents) * (Decimal(10000 - discount_bp) / Decimal(10000))
    return int(gross.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def split_cents(total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` near-equal amounts that add up exactly (the last one takes the remainder)."""
    if parts < 1:
        raise InvalidInput("split into at least 1 part")
    base = total // parts
    amounts = [base] * parts
    amounts[-1] += total - base * parts
    return amounts


def quantity_text(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text


def grouped(text: str | None) -> str | None:
    """``"30000.00"`` → ``"30,000.00"`` for tables (JSON and CSV keep the plain text)."""
    if text is None:
        return None
    try:
        return f"{Decimal(text):,.2f}"
    except InvalidOperation:
        return text


def group_rows(rows: list[dict[str, Any]], keys: tuple[str, ...]) -> list[dict[str, Any]]:
    return [{k: grouped(v) if k in keys and isinstance(v, str) else v for k, v in row.items()} for row in rows]
