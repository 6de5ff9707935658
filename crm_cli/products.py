"""Products (产品): the catalogue that deal and contract lines refer to, and the line language
``CODE:QTY[:UNIT_PRICE[:DISCOUNT%]]`` shared by `crm deal add` and `crm contract add`.

Optional price tiers: the setting ``sales.level_discounts`` (e.g. ``key=5,won=10``) gives a discount % per customer
level, applied to a line that takes the list price (no unit price and no discount typed).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from crm_cli import audit
from crm_cli.dates import Clock
from crm_cli.db.models import Product, User
from crm_cli.errors import Conflict, InvalidInput, NotFound
from crm_cli.money import line_amount, parse_decimal, parse_money, parse_percent, quantity_text, to_cents
from crm_cli.settings import SettingSpec, get_setting, register

register(
    SettingSpec("sales.level_discounts", list, [],
                "discount % per customer level for lines at list price, e.g. key=5,won=10 (empty: none)"),
)

PRODUCT_FIELDS = ("code", "name", "unit", "spec", "category", "price", "active")


def _text(value: Any) -> str | None:
    from crm_cli.customers import clean_text

    return clean_text(value)


def _validate(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key not in PRODUCT_FIELDS:
            raise InvalidInput(f"unknown product field {key!r}; fields: {', '.join(PRODUCT_FIELDS)}")
        if key == "price":
            out["price_cents"] = to_cents(parse_money(value, what="price"))
        elif key == "active":
            out["active"] = bool(value)
        elif key in ("code", "name"):
            text = _text(value)
            if not text:
                raise InvalidInput(f"product {key} is empty")
            if key == "code" and (":" in text or " " in text):
                raise InvalidInput(f"product code {text!r} may not contain ':' or spaces (lines use CODE:QTY)")
            out[key] = text
        else:
            out[key] = _text(value)
    return out


def add_product(session: Session, *, user: User, clock: Clock, data: dict[str, Any]) -> Product:
    if not data.get("code") or not data.get("name"):
        raise InvalidInput("a product needs a code and a name, e.g. crm product add P-100 \"CRM 软件\" --price 1000")
    values = _validate(data)
    if session.exec(select(Product).where(Product.code == values["code"])).first():
        raise Conflict(f"product code {values['code']!r} exists already: change it with `crm product edit`")
    product = Product(**values, created_at=clock.now, updated_at=clock.now)
    session.add(product)
    session.flush()
    assert product.id is not None
    audit.record(session, at=clock.now, user_id=user.id, entity="product", entity_id=product.id, customer_id=None,
                 action="create", changes=audit.diff({}, values))
    return product


def edit_product(session: Session, *, user: User, clock: Clock, product: Product,
                 changes: dict[str, Any]) -> dict[str, list[Any]]:
    values = _validate(changes)
    if "code" in values and values["code"] != product.code:
        other = session.exec(select(Product).where(Product.code == values["code"])).first()
        if other is not None:
            raise Conflict(f"product code {values['code']!r} belongs to another product ({other.name})")
    delta = audit.diff({k: getattr(product, k) for k in values}, values)
    if not delta:
        return {}
    for key, value in values.items():
        setattr(product, key, value)
    product.updated_at = clock.now
    session.add(product)
    assert product.id is not None
    audit.record(session, at=clock.now, user_id=user.id, entity="product", entity_id=product.id, customer_id=None,
                 action="update", changes=delta)
    session.flush()
    return delta


def get_product(session: Session, ref: str | int) -> Product:
    text = str(ref).strip()
    product = session.exec(select(Product).where(Product.code == text)).first()
    if product is None and text.lstrip("#").isdigit():
        product = session.get(Product, int(text.lstrip("#")))
    if product is None:
        raise NotFound(f"no product {text!r}: see `crm product list`")
    return product


def list_products(session: Session, *, search: str | None = None, category: str | None = None,
                  include_inactive: bool = False) -> list[Product]:
    stmt = select(Product)
    if not include_inactive:
        stmt = stmt.where(Product.active == True)  # noqa: E712
    if category:
        stmt = stmt.where(Product.category == _text(category))
    if search:
        pattern = f"%{search.strip()}%"
        stmt = stmt.where(col(Product.code).like(pattern) | col(Product.name).like(pattern)
                          | col(Product.spec).like(pattern))
    return list(session.exec(stmt.order_by(Product.code)))


def product_dict(product: Product) -> dict[str, Any]:
    from crm_cli.money import money_text

    data = product.model_dump(exclude={"price_cents"})
    data["price"] = money_text(product.price_cents)
    return data


# ------------------------------------------------------------------------------------------------------- lines


@dataclass
class LineInput:
    product_id: int | None
    code: str | None
    name: str | None
    quantity: str
    unit_price_cents: int
    discount_bp: int
    amount_cents: int


def level_discount_bp(session: Session, level: str | None) -> int:
    """The price-tier discount (basis points) for a customer level from ``sales.level_discounts``."""
    if not level:
        return 0
    for item in get_setting(session, "sales.level_discounts") or []:
        key, _, pct = str(item).partition("=")
        from crm_cli.vocab import parse_level

        try:
            if parse_level(key).value == level:
                return parse_percent(pct, what="level discount")
        except InvalidInput as exc:
            raise InvalidInput(f"setting sales.level_discounts has a bad entry {item!r}: {exc.message}; "
                               "fix it with `crm config set sales.level_discounts key=5,won=10`") from None
    return 0


def parse_lines(session: Session, specs: list[str], *, level: str | None = None) -> list[LineInput]:
    """Parse ``CODE:QTY[:UNIT_PRICE[:DISCOUNT%]]`` items. The amount is computed, never typed."""
    lines: list[LineInput] = []
    tier = None
    for n, spec in enumerate(specs, start=1):
        parts = [p.strip() for p in spec.split(":")]
        where = f"line {n} {spec!r}"
        if len(parts) < 2 or len(parts) > 4 or not parts[0]:
            raise InvalidInput(f"{where}: use CODE:QTY[:UNIT_PRICE[:DISCOUNT%]], e.g. P-100:2 or P-100:2:950:5%")
        try:
            product = get_product(session, parts[0])
        except NotFound:
            raise NotFound(f"{where}: no product {parts[0]!r}; add it with `crm product add {parts[0]} NAME`") from None
        try:
            qty = parse_decimal(parts[1], what="quantity")
            if qty <= 0:
                raise InvalidInput(f"quantity {parts[1]!r} must be more than zero")
            price = (to_cents(parse_money(parts[2], what="unit price")) if len(parts) > 2 and parts[2]
                     else product.price_cents)
            if len(parts) > 3 and parts[3]:
                discount = parse_percent(parts[3])
            elif len(parts) > 2 and parts[2]:
                discount = 0
            else:
                if tier is None:
                    tier = level_discount_bp(session, level)
                discount = tier
        except InvalidInput as exc:
            raise InvalidInput(f"{where}: {exc.message}") from None
        if not product.active:
            raise InvalidInput(f"{where}: product {product.code} is inactive; reactivate it with "
                               f"`crm product edit {product.code} --active`")
        lines.append(LineInput(product.id, product.code, product.name, quantity_text(qty), price, discount,
                               line_amount(Decimal(quantity_text(qty)), price, discount)))
    return lines
