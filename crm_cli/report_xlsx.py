"""A report as an .xlsx workbook: the table (real numbers, money with two decimals, ratios as percentages) and native
Excel charts (openpyxl.chart) over it. openpyxl is imported only when a file is written."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from crm_cli.reports import Report

FORMATS = {"money": "#,##0.00", "ratio": "0.0%", "days": "0.0", "number": "0.00", "count": "0",
           "date": "yyyy-mm-dd hh:mm", "text": "@"}
HEADER_ROW = 4


def _cell_value(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "money":
        return Decimal(value)
    if kind == "date" and getattr(value, "tzinfo", None) is not None:
        return value.replace(tzinfo=None)  # Excel has no time zones: the local time the report was made in
    return value


def _put(ws: Any, row: int, column: int, value: Any) -> Any:
    """Write a cell; text is always text (a key such as "=cmd|..." from user data never becomes a formula)."""
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    return cell


def _key_value(report: Report, key: Any) -> Any:
    if isinstance(key, int | float) and not isinstance(key, bool):
        return report.label(key)  # category labels are text (stars 0..5 would otherwise plot as a series)
    return report.label(key)


def write_report(report: Report, path: str | Path) -> Path:
    """Write ``report`` to ``path`` (.xlsx), one sheet with the table, the totals row and the charts."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, LineChart, Reference
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    target = Path(path)
    if target.suffix.lower() != ".xlsx":
        from crm_cli.errors import InvalidInput

        raise InvalidInput(f"--xlsx needs a file name ending in .xlsx, not {target.name!r}")
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = report.name[:31]
    ws["A1"] = report.title
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = f"{report.window.start.isoformat()} – {report.window.end.isoformat()}" + (
        f" (per {report.period})" if report.period else "")
    if report.notes:
        ws["A3"] = " ".join(report.notes)
    headers = [report.key_header, *[m.header for m in report.measures]]
    for c, header in enumerate(headers, start=1):
        cell = ws.cell(row=HEADER_ROW, column=c, value=header)
        cell.font = Font(bold=True)
    r = HEADER_ROW
    for row in report.rows:
        r += 1
        _put(ws, r, 1, _key_value(report, row["key"]))
        for c, m in enumerate(report.measures, start=2):
            cell = _put(ws, r, c, _cell_value(row.get(m.key), m.kind))
            cell.number_format = FORMATS.get(m.kind, "General")
    last_data_row = r
    r += 1
    ws.cell(row=r, column=1, value="Total").font = Font(bold=True)
    for c, m in enumerate(report.measures, start=2):
        if m.kind in ("text", "date"):
            continue
        cell = ws.cell(row=r, column=c, value=_cell_value(report.totals.get(m.key), m.kind))
        cell.number_format = FORMATS.get(m.kind, "General")
        cell.font = Font(bold=True)
    ws.column_dimensions["A"].width = max(12, min(40, max((len(str(ws.cell(row=i, column=1).value or ""))
                                                           for i in range(HEADER_ROW, r + 1)), default=10) + 2))
    for c in range(2, len(headers) + 1):
        ws.column_dimensions[get_column_letter(c)].width = max(12, len(headers[c - 1]) + 2)
    for m in report.summary:
        r += 1
        ws.cell(row=r, column=1, value=m.header).font = Font(bold=True)
        cell = ws.cell(row=r, column=2, value=_cell_value(report.totals.get(m.key), m.kind))
        cell.number_format = FORMATS.get(m.kind, "General")
    column_of = {m.key: i for i, m in enumerate(report.measures, start=2)}
    anchor_col = get_column_letter(len(headers) + 2)
    anchor_row = HEADER_ROW
    if last_data_row > HEADER_ROW:
        categories = Reference(ws, min_col=1, min_row=HEADER_ROW + 1, max_row=last_data_row)
        for spec in report.charts:
            wanted = [k for k in spec.measures if k in column_of]
            if not wanted:
                continue
            chart: Any = LineChart() if spec.kind == "line" else BarChart()
            if spec.kind != "line":
                chart.type = "col"
            chart.title = spec.title
            chart.y_axis.title = ", ".join(report.measures[column_of[k] - 2].header for k in wanted)
            chart.x_axis.title = report.key_header
            for key in wanted:
                chart.add_data(Reference(ws, min_col=column_of[key], min_row=HEADER_ROW, max_row=last_data_row),
                               titles_from_data=True)
            chart.set_categories(categories)
            chart.width, chart.height = 18, 8
            ws.add_chart(chart, f"{anchor_col}{anchor_row}")
            anchor_row += 17
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)
    return target
