"""`crm product ...`: the product catalogue (产品)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from crm_cli.commands import _out
from crm_cli.commands._common import read_session, write_session

app = typer.Typer(help="Products: the catalogue that deal and contract lines use.", no_args_is_help=True)

COLUMNS = [("code", "Code"), ("name", "Name"), ("unit", "Unit"), ("spec", "Spec"), ("category", "Category"),
           ("price", "List price"), ("active", "Active")]


def _given(**options: Any) -> dict[str, Any]:
    return {k: v for k, v in options.items() if v is not None}


@app.command("add")
def add_cmd(
    code: Annotated[str, typer.Argument(help="Product code (unique), used in lines as CODE:QTY")],
    name: Annotated[str, typer.Argument(help="Product name")],
    price: Annotated[str, typer.Option(help="List price, e.g. 1000 or 1,299.50")] = "0",
    unit: Annotated[str | None, typer.Option(help="Unit, e.g. 套, 台, 年, license")] = None,
    spec: Annotated[str | None, typer.Option(help="Specification / model (规格型号)")] = None,
    category: Annotated[str | None, typer.Option(help="Category")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Add a product to the catalogue.

    Example: crm product add P-100 "CRM 软件标准版" --price 1000 --unit 套
    """
    from crm_cli import products

    with write_session() as (session, user, clock):
        product = products.add_product(session, user=user, clock=clock, data=_given(
            code=code, name=name, price=price, unit=unit, spec=spec, category=category))
        data = products.product_dict(product)
    if as_json:
        _out.print_json(data)
    else:
        _out.ok(f"Added product {product.code} {product.name} at {data['price']}")


@app.command("list")
def list_cmd(
    search: Annotated[str | None, typer.Option("--search", "-s", help="Text in code, name or spec")] = None,
    category: Annotated[str | None, typer.Option(help="Only this category")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Include inactive products")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV")] = False,
    ids: Annotated[bool, typer.Option("-q", "--ids", help="Print only the ids")] = False,
) -> None:
    """List products.

    Example: crm product list --search CRM
    """
    from crm_cli import products

    fmt = _out.list_format(as_json, as_csv, ids)
    with read_session() as (session, _user, _clock):
        rows = [products.product_dict(p) for p in products.list_products(
            session, search=search, category=category, include_inactive=all_)]
    _out.emit_list(fmt, [("id", "ID"), *COLUMNS], rows, title="Products")


@app.command("edit")
def edit_cmd(
    code: Annotated[str, typer.Argument(help="Product code (or id)")],
    new_code: Annotated[str | None, typer.Option("--code", help="New code")] = None,
    name: Annotated[str | None, typer.Option(help="New name")] = None,
    price: Annotated[str | None, typer.Option(help="New list price")] = None,
    unit: Annotated[str | None, typer.Option()] = None,
    spec: Annotated[str | None, typer.Option()] = None,
    category: Annotated[str | None, typer.Option()] = None,
    active: Annotated[bool | None, typer.Option("--active/--inactive", help="Offer it or retire it")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Change a product (only the options given). Existing contract lines keep their prices.

    Example: crm product edit P-100 --price 1200 --inactive
    """
    from crm_cli import products

    changes = _given(code=new_code, name=name, price=price, unit=unit, spec=spec, category=category, active=active)
    if not changes:
        raise typer.BadParameter("nothing to change: give at least one option, e.g. --price 1200")
    with write_session() as (session, user, clock):
        product = products.get_product(session, code)
        delta = products.edit_product(session, user=user, clock=clock, product=product, changes=changes)
        data = products.product_dict(product)
    if as_json:
        _out.print_json(data)
    elif delta:
        _out.ok(f"Updated product {product.code}: " + ", ".join(f"{k} {v[0]!r} → {v[1]!r}" for k, v in delta.items()))
    else:
        _out.info("nothing changed")
