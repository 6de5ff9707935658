"""Rendering: data to stdout (table, JSON, CSV or ids), messages to stderr. rich is imported on first use.

rich honours NO_COLOR and drops colours when the stream is not a terminal.

Plain output (a pipe, a file, cron: rich would write no escape codes) takes a fast path that writes exactly the
text rich would, without importing rich: building and rendering a rich table of 50 rows costs more than the query
behind it. Anything the fast path does not handle the same way (a table wider than the console, text rich would
wrap, markup or emoji codes, control characters) goes to rich; tests/test_out.py checks both paths agree.
"""

from __future__ import annotations

import csv
import json
import os
import re
import sys
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

_console: Any = None
_err_console: Any = None
PLAIN_WIDTH = 200  # the width of stdout tables when stdout is not a terminal


def console() -> Any:
    global _console
    if _console is None:
        from rich.console import Console

        _console = Console(width=None if sys.stdout.isatty() else PLAIN_WIDTH, soft_wrap=False)
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
    if _plain_message(f"error: {message}", *(f"  {line}" for line in details)):
        return
    con = err_console()
    con.print(f"[bold red]error:[/] {_esc(message)}")
    for line in details:
        con.print(f"  {_esc(line)}")


def count(n: int, one: str, many: str | None = None) -> str:
    """``1 customer``, ``2 customers``, ``0 follow-ups``: a count with its noun in the right number."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def ok(message: str) -> None:
    if not _plain_message(f"✓ {message}"):
        err_console().print(f"[green]✓[/] {_esc(message)}")


def info(message: str) -> None:
    if not _plain_message(message):
        err_console().print(_esc(message))


def warn(message: str) -> None:
    if not _plain_message(f"warning: {message}"):
        err_console().print(f"[yellow]warning:[/] {_esc(message)}")


# ------------------------------------------------------------------------------------------- plain fast path


def is_plain(stream: Any) -> bool:
    """Whether rich would write ``stream`` without escape codes: rich's own terminal rules (TTY_COMPATIBLE,
    FORCE_COLOR, isatty) say it is not a terminal, and the encoding is UTF-8 (else rich swaps the box characters)."""
    compatible = os.environ.get("TTY_COMPATIBLE", "")
    if compatible == "1":
        return False
    if compatible != "0":
        force = os.environ.get("FORCE_COLOR")
        if force is not None:
            if force != "":
                return False
        else:
            try:
                if stream.isatty():
                    return False
            except (AttributeError, ValueError):
                pass
    return (getattr(stream, "encoding", None) or "utf-8").lower().startswith("utf")


# rich replaces :name: emoji codes in printed strings; text that might hold one goes to rich.
_EMOJI_LIKE = re.compile(r":\S*?:")


def _plain_ok(text: str) -> bool:
    """Text that rich prints unchanged in a line of its own: printable, one line, no emoji code."""
    return text.isprintable() and not (":" in text and _EMOJI_LIKE.search(text))


def _cells(text: str) -> int:
    if text.isascii():
        return len(text)
    from rich.cells import cell_len

    return cell_len(text)


def _message_width() -> int:
    """The width rich's stderr console wraps at (rich.console.Console.size, for a console that is not a terminal)."""
    width = None
    columns = os.environ.get("COLUMNS")
    if columns is not None and columns.isdigit():
        return int(columns)
    for fd in (0, 1, 2):
        try:
            width = os.get_terminal_size(fd).columns
        except (AttributeError, ValueError, OSError):
            continue
        break
    return width or 80


def _plain_message(*lines: str) -> bool:
    """Write ``lines`` to stderr as rich would, when they need no wrapping and stderr is plain; else False."""
    if not is_plain(sys.stderr):
        return False
    width = _message_width()
    # a character takes at most two cells: a line of at most width/2 characters fits without measuring it
    if not all(_plain_ok(line) and (2 * len(line) <= width or _cells(line) <= width) for line in lines):
        return False
    sys.stderr.write("".join(f"{line}\n" for line in lines))
    return True


def plain_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], *, title: str | None = None, caption: str | None = None,
    width: int = PLAIN_WIDTH, box: bool = True, title_left: bool = False,
) -> str | None:
    """The text rich renders for ``print_table`` (``box``) or ``print_record`` (no box, no header) when every cell
    fits on one line within ``width``; None when rich would wrap, fold or shrink something (the caller uses rich)."""
    # Headers, titles and captions are printed as markup; cells are escaped (a backslash escapes oddly).
    if not rows or any(not _plain_ok(t) or "[" in t for t in (*headers, *(n for n in (title, caption) if n))):
        return None
    if any(not _plain_ok(c) or "\\" in c for r in rows for c in r):
        return None
    count = len(headers)
    sizes = [[_cells(c) for c in row] for row in rows]
    widths = [max(max(s[i] for s in sizes), _cells(headers[i]) if box else 0) for i in range(count)]
    # padding (0, 1) between columns, none at the outer edges (pad_edge=False); a rule between columns in a box
    total = sum(widths) + 2 * (count - 1) + (count - 1 if box else 0)
    if not 0 < total <= width or any(note and _cells(note) > total for note in (title, caption)):
        return None
    last = count - 1

    def line(cells: Sequence[str], cell_sizes: Sequence[int], sep: str) -> str:
        parts = []
        for i, (text, size) in enumerate(zip(cells, cell_sizes, strict=True)):
            pad = " " * (widths[i] - size)
            parts.append(("" if i == 0 else " ") + text + pad + ("" if i == last else " "))
        return sep.join(parts) + "\n"

    def centred(note: str) -> str:
        excess = total - _cells(note)
        return " " * (excess // 2) + note + " " * (excess - excess // 2) + "\n"

    out = []
    if title:
        out.append(title + " " * (total - _cells(title)) + "\n" if title_left else centred(title))
    if box:
        out.append(line(headers, [_cells(h) for h in headers], "┃"))
        out.append("╇".join("━" * (w + (i > 0) + (i < last)) for i, w in enumerate(widths)) + "\n")
    sep = "│" if box else ""
    out.extend(line(row, size, sep) for row, size in zip(rows, sizes, strict=True))
    if caption:
        out.append(centred(caption))
    return "".join(out)


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def print_json(data: Any) -> None:
    sys.stdout.write(dumps_json(data) + "\n")


def dumps_json(data: Any) -> str:
    """Exactly ``json.dumps(data, ensure_ascii=False, indent=2, default=_default)``, about 3x faster.

    With ``indent`` the standard library encodes in pure Python, a generator per container and a yield per token
    (0.5–0.7 s for the 100k customers one `crm remind --json` sweep returns on 1M); this builds each container's
    text with one join, escaping strings with the same C escaper. tests/test_out.py compares both on tricky values."""
    return _text(data, "\n")


_escape = json.encoder.encode_basestring  # the C escaper when available; what json uses with ensure_ascii=False
_int_repr = int.__repr__
_INF = float("inf")


def _float_text(value: float) -> str:
    if value != value:
        return "NaN"
    if value == _INF:
        return "Infinity"
    if value == -_INF:
        return "-Infinity"
    return float.__repr__(value)


def _key_text(key: Any) -> str:
    if isinstance(key, str):
        return _escape(key)
    if isinstance(key, float):
        return _escape(_float_text(key))
    if key is True:
        return '"true"'
    if key is False:
        return '"false"'
    if key is None:
        return '"null"'
    if isinstance(key, int):
        return _escape(_int_repr(key))
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _text(value: Any, newline: str) -> str:
    """The JSON of ``value``; ``newline`` is a newline plus the indentation of the line ``value`` starts on.
    Strings and ints (most values) are written inline, without a call of this function."""
    if isinstance(value, str):
        return _escape(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return _int_repr(value)
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        inner = newline + "  "
        if len(value) > 1 and type(value[0]) is dict and (records := _records_text(value, inner)) is not None:
            return "[" + inner + ("," + inner).join(records) + newline + "]"
        items = [_escape(v) if type(v) is str else _int_repr(v) if type(v) is int else _text(v, inner) for v in value]
        return "[" + inner + ("," + inner).join(items) + newline + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = newline + "  "
        pairs = [(_escape(k) if type(k) is str else _key_text(k)) + ": "
                 + (_escape(v) if type(v) is str else _int_repr(v) if type(v) is int else _text(v, inner))
                 for k, v in value.items()]
        return "{" + inner + ("," + inner).join(pairs) + newline + "}"
    return _text(_default(value), newline)


def _records_text(value: Sequence[Any], newline: str) -> list[str] | None:
    """The JSON of each item of a list of dicts that all have the same string keys in the same order (the rows of
    a --json listing), or None for any other list. Encodes column by column and fills one template per row:
    for the 100k swept customers of `crm remind --json` on 1M this takes a third of the per-dict path."""
    keys = tuple(value[0])
    if not keys or any(type(k) is not str for k in keys):
        return None
    for row in value:
        if type(row) is not dict or tuple(row) != keys:
            return None
    inner = newline + "  "
    template = "{" + ",".join(inner + _escape(k).replace("%", "%%") + ": %s" for k in keys) + newline + "}"
    columns = [_column_text([row[k] for row in value], inner) for k in keys]
    return [template % cells for cells in zip(*columns, strict=True)]


def _column_text(values: list[Any], newline: str) -> list[str]:
    kinds = set(map(type, values))
    if kinds == {str}:
        return list(map(_escape, values))
    if kinds == {int}:
        return list(map(_int_repr, values))
    return [_escape(v) if type(v) is str else _int_repr(v) if type(v) is int else _text(v, newline) for v in values]


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
    headers = [header for _key, header in columns]
    cells = [[_cell(row.get(k)) if row.get(k) is not None else "" for k, _ in columns] for row in rows]
    if is_plain(sys.stdout) and (text := plain_table(headers, cells, title=title, caption=caption)) is not None:
        sys.stdout.write(text)
        return
    console().print(rich_table(headers, cells, title=title, caption=caption))


def rich_table(headers: Sequence[str], cells: Sequence[Sequence[str]], *, title: str | None = None,
               caption: str | None = None) -> Any:
    from rich.table import Table

    table = Table(title=title, caption=caption, header_style="bold", show_edge=False, pad_edge=False)
    for header in headers:
        table.add_column(header, overflow="fold")
    for row in cells:
        table.add_row(*[_esc(c) for c in row])
    return table


def print_record(pairs: Sequence[tuple[str, Any]], *, title: str | None = None) -> None:
    cells = [[label, _cell(value)] for label, value in pairs if value is not None and value != ""]
    if is_plain(sys.stdout) and (text := plain_table(["", ""], cells, title=title, box=False,
                                                     title_left=True)) is not None:
        sys.stdout.write(text)
        return
    console().print(rich_record(cells, title=title))


def rich_record(cells: Sequence[Sequence[str]], *, title: str | None = None) -> Any:
    from rich.table import Table

    table = Table(show_header=False, title=title, box=None, pad_edge=False, title_justify="left",
                  title_style="bold")
    table.add_column(style="dim")
    table.add_column()
    for label, value in cells:
        table.add_row(_esc(label), _esc(value))
    return table


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
