"""Rendering: data to stdout (table, JSON, CSV or ids), messages to stderr. rich is imported on first use.

rich honours NO_COLOR and drops colours when the stream is not a terminal.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

_console: Any = None
_err_console: Any = None


def console() -> Any:
    global _console
    if _console is None:
        from rich.console import Console

        _console = Console(width=None if sys.stdout.isatty() else 200, soft_wrap=False)
    return _console


def err_console() -> Any:
    global _err_console
    if _err_console is None:
        from rich.console import Console

        _err_console = Console(stderr=True, highlight=False)
    return _err_console


def _esc(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def error(message: str, details: Sequence[str] = ()) -> None:
    con = err_console()
    con.print(f"[bold red]error:[/] {_esc(message)}")
    for line in details:
        con.print(f"  {_esc(line)}")


def ok(message: str) -> None:
    err_console().print(f"[green]✓[/] {_esc(message)}")


def info(message: str) -> None:
    err_console().print(_esc(message))


def warn(message: str) -> None:
    err_console().print(f"[yellow]warning:[/] {_esc(message)}")


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=_default) + "\n")


def print_csv(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> None:
    writer = csv.writer(sys.stdout)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else _cell(row.get(c)) for c in columns])


def print_ids(ids: Iterable[Any]) -> None:
    sys.stdout.write("".join(f"{i}\n" for i in ids))


def _cell(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else ""
    return str(value)


def print_table(
    columns: Sequence[tuple[str, str]], rows: Iterable[dict[str, Any]], *, title: str | None = None,
    caption: str | None = None,
) -> None:
    """``columns``: (key, header) pairs."""
    from rich.table import Table

    table = Table(title=title, caption=caption, header_style="bold", show_edge=False, pad_edge=False)
    for _key, header in columns:
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*[_esc(_cell(row.get(k))) if row.get(k) is not None else "" for k, _ in columns])
    console().print(table)


def print_record(pairs: Sequence[tuple[str, Any]], *, title: str | None = None) -> None:
    from rich.table import Table

    table = Table(show_header=False, title=title, box=None, pad_edge=False, title_justify="left",
                  title_style="bold")
    table.add_column(style="dim")
    table.add_column()
    for label, value in pairs:
        if value is None or value == "":
            continue
        table.add_row(_esc(label), _esc(_cell(value)))
    console().print(table)


def emit_list(
    fmt: str, columns: Sequence[tuple[str, str]], rows: list[dict[str, Any]], *, title: str | None = None,
    caption: str | None = None, json_rows: list[dict[str, Any]] | None = None,
) -> None:
    if fmt == "json":
        print_json(json_rows if json_rows is not None else rows)
    elif fmt == "csv":
        print_csv([k for k, _ in columns], rows)
    elif fmt == "ids":
        print_ids(r["id"] for r in rows)
    else:
        if not rows:
            info("nothing found")
            return
        print_table(columns, rows, title=title, caption=caption)


def list_format(as_json: bool, as_csv: bool, ids: bool) -> str:
    chosen = [name for name, flag in (("json", as_json), ("csv", as_csv), ("ids", ids)) if flag]
    if len(chosen) > 1:
        import typer

        raise typer.BadParameter("choose one of --json, --csv and --ids")
    return chosen[0] if chosen else "table"
