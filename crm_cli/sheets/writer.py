"""Writing workbooks: a small streaming .xlsx writer of our own (see write_xlsx: several times faster than
xlsxwriter, which the issue measured at ~10 s for 100k rows x 15 columns against ~16 s for openpyxl's write-only
mode), with xlsxwriter kept for the import template (data validation) and for comparison.

Every text cell is written with ``write_string``: a value such as ``=HYPERLINK(...)`` or ``+86 138...`` is stored
as inert text, never as a formula, and phones, codes and long IDs stay exact text (a number would lose leading
zeros, and Excel shows an 18-digit number as ``1.1E+17``). Dates and instants are real Excel dates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import Any

DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")

Sheet = tuple[str, Sequence[str], Iterable[Sequence[Any]]]


class SheetWriter:
    """A workbook written row by row (constant memory); use as a context manager."""

    def __init__(self, path: Path, *, tz: tzinfo | None = None, constant_memory: bool = True) -> None:
        import xlsxwriter

        self.path = Path(path)
        self.tz = tz
        self.book = xlsxwriter.Workbook(str(self.path), {
            "constant_memory": constant_memory, "strings_to_formulas": False, "strings_to_numbers": False,
            "strings_to_urls": False, "default_date_format": "yyyy-mm-dd",
        })  # fmt: skip
        self.header_fmt = self.book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        self.date_fmt = self.book.add_format({"num_format": "yyyy-mm-dd"})
        self.time_fmt = self.book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        self.text_fmt = self.book.add_format({"num_format": "@"})

    def __enter__(self) -> SheetWriter:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.book.close()

    def sheet(self, name: str, headers: Sequence[str], rows: Iterable[Sequence[Any]],
              widths: Sequence[int] | None = None) -> int:
        ws = self.book.add_worksheet(name[:31])
        for c, header in enumerate(headers):
            ws.set_column(c, c, (widths[c] if widths else max(10, min(40, len(header) * 2 + 2))), self.text_fmt)
            ws.write_string(0, c, header, self.header_fmt)
        ws.freeze_panes(1, 0)
        n = 0
        write_string, write_number, write_datetime, write_boolean = (
            ws.write_string, ws.write_number, ws.write_datetime, ws.write_boolean)
        tz = self.tz
        for r, row in enumerate(rows, start=1):
            n = r
            for c, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, str):
                    write_string(r, c, value)
                elif isinstance(value, bool):
                    write_boolean(r, c, value)
                elif isinstance(value, int | float):
                    write_number(r, c, value)
                elif isinstance(value, Decimal):
                    write_number(r, c, float(value))
                elif isinstance(value, datetime):
                    local = value.astimezone(tz) if (tz and value.tzinfo) else value
                    write_datetime(r, c, local.replace(tzinfo=None), self.time_fmt)
                elif isinstance(value, date):
                    write_datetime(r, c, datetime(value.year, value.month, value.day), self.date_fmt)
                else:
                    write_string(r, c, str(value))
        return n


def write_rows(path: Path, sheets: Sequence[Sheet], *, tz: tzinfo | None = None, engine: str = "stream") -> None:
    """Write workbook ``path``: with the streaming writer below (default), or with xlsxwriter (kept to compare:
    ``bench/import_export_speed.py --writer xlsxwriter``)."""
    if engine == "stream":
        write_xlsx(path, sheets, tz=tz)
        return
    with SheetWriter(path, tz=tz) as writer:
        for name, headers, rows in sheets:
            writer.sheet(name, headers, rows)


def csv_safe(value: Any) -> str:
    """A CSV cell that a spreadsheet will not run as a formula: a leading ``'`` before = + - @ tab or CR (the
    importer removes it again)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(DANGEROUS_START) else text


# ------------------------------------------------------------------------------------ streaming .xlsx writer
#
# xlsxwriter spends most of its time per cell in generic checks and regex escaping (~45 µs a cell measured on a
# busy machine, 58 s CPU to export 100k customers with their contacts and follow-ups). This writer produces the
# same kind of file (inline strings, one style per kind of cell) with one f-string per cell and escaping only
# where a value needs it, streamed into the zip member: several times faster, memory flat.

_NS = ('xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
       'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')
_ILLEGAL = {i: f"_x{i:04X}_" for i in (*range(0, 9), 11, 12, *range(14, 32))}
_ESCAPE = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;", ord("\r"): "&#13;", **_ILLEGAL}
_EPOCH = datetime(1899, 12, 30)
# cellXfs: 0 default, 1 date, 2 date-time, 3 header, 4 text (the columns' default, so typed values stay text)
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<styleSheet {_NS.split(" xmlns:r")[0]}>'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/></patternFill></fill>'
    '</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="49" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"/>'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)


def _col_letters(n: int) -> list[str]:
    out = []
    for i in range(n):
        name, k = "", i + 1
        while k:
            k, rem = divmod(k - 1, 26)
            name = chr(65 + rem) + name
        out.append(name)
    return out


_NEEDS_ESCAPE = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f]")  # exactly the characters _ESCAPE maps


def _text_cell(ref: str, value: str, style: str = "") -> str:
    escaped = value.translate(_ESCAPE) if _NEEDS_ESCAPE.search(value) else value
    space = ' xml:space="preserve"' if value[:1].isspace() or value[-1:].isspace() else ""
    return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{escaped}</t></is></c>'


def _sheet_xml(headers: Sequence[str], rows: Iterable[Sequence[Any]], tz: tzinfo | None,
               widths: Sequence[int] | None) -> Iterable[str]:
    width = len(headers)
    letters = _col_letters(max(width, 1) + 64)
    cols = "".join(
        f'<col min="{c + 1}" max="{c + 1}" width="{(widths[c] if widths else max(10, min(40, len(h) * 2 + 2)))}" '
        f'style="4" customWidth="1"/>' for c, h in enumerate(headers))
    yield ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           f'<worksheet {_NS}><sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
           'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
           f'<sheetFormatPr defaultRowHeight="15"/>{"<cols>" + cols + "</cols>" if cols else ""}<sheetData>')
    yield '<row r="1">' + "".join(_text_cell(f"{letters[c]}1", h, ' s="3"') for c, h in enumerate(headers)) + "</row>"
    epoch = _EPOCH
    needs_escape = _NEEDS_ESCAPE.search
    r = 1
    for row in rows:
        r += 1
        parts = [f'<row r="{r}">']
        append = parts.append
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            kind = type(value)
            if kind is str:  # _text_cell, inlined: most cells of an export are text
                escaped = value.translate(_ESCAPE) if needs_escape(value) else value
                if value[0].isspace() or value[-1].isspace():
                    append(f'<c r="{letters[c]}{r}" t="inlineStr"><is><t xml:space="preserve">{escaped}</t></is></c>')
                else:
                    append(f'<c r="{letters[c]}{r}" t="inlineStr"><is><t>{escaped}</t></is></c>')
            elif kind is int or kind is float:
                append(f'<c r="{letters[c]}{r}"><v>{value!r}</v></c>')
            elif kind is Decimal and value.is_finite():  # money: its exact decimal text is a valid number cell
                append(f'<c r="{letters[c]}{r}"><v>{value:f}</v></c>')
            elif kind is bool:
                append(f'<c r="{letters[c]}{r}" t="b"><v>{int(value)}</v></c>')
            elif kind is datetime:
                local = value.astimezone(tz).replace(tzinfo=None) if (tz and value.tzinfo) else value.replace(tzinfo=None)
                delta = local - epoch
                serial = delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400
                append(f'<c r="{letters[c]}{r}" s="2"><v>{serial!r}</v></c>')
            elif kind is date:
                append(f'<c r="{letters[c]}{r}" s="1"><v>{(value - epoch.date()).days}</v></c>')
            else:
                append(_text_cell(f"{letters[c]}{r}", str(value)))
        append("</row>")
        yield "".join(parts)
    yield "</sheetData></worksheet>"


def write_xlsx(path: Path, sheets: Sequence[Sheet], *, tz: tzinfo | None = None) -> dict[str, int]:
    """Write ``sheets`` ((name, headers, rows) each; rows may be a generator) to ``path``, streaming.
    Returns the number of data rows per sheet."""
    import zipfile
    from xml.sax.saxutils import quoteattr

    counts: dict[str, int] = {}
    names: list[str] = []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for n, (name, headers, rows) in enumerate(sheets, start=1):
            safe = name[:31]
            names.append(safe)
            total = 0

            def counted(rows: Iterable[Sequence[Any]] = rows) -> Iterable[Sequence[Any]]:
                nonlocal total
                for row in rows:
                    total += 1
                    yield row

            with archive.open(f"xl/worksheets/sheet{n}.xml", "w", force_zip64=True) as member:
                buffer: list[str] = []
                size = 0
                for chunk in _sheet_xml(headers, counted(), tz, None):
                    buffer.append(chunk)
                    size += len(chunk)
                    if size > 1 << 20:
                        member.write("".join(buffer).encode())
                        buffer, size = [], 0
                member.write("".join(buffer).encode())
            counts[safe] = total
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, len(names) + 1))
        archive.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f'{overrides}</Types>'))
        archive.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>'))
        sheets_xml = "".join(f'<sheet name={quoteattr(nm)} sheetId="{i}" r:id="rId{i}"/>'
                             for i, nm in enumerate(names, start=1))
        archive.writestr("xl/workbook.xml", (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook {_NS}>'
            f'<bookViews><workbookView/></bookViews><sheets>{sheets_xml}</sheets></workbook>'))
        rels = "".join(
            f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            f'worksheet" Target="worksheets/sheet{i}.xml"/>' for i in range(1, len(names) + 1))
        rels += (f'<Relationship Id="rId{len(names) + 1}" Type="http://schemas.openxmlformats.org/officeDocument/'
                 '2006/relationships/styles" Target="styles.xml"/>')
        archive.writestr("xl/_rels/workbook.xml.rels", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>'))
        archive.writestr("xl/styles.xml", _STYLES)
    return counts
