"""`crm report ...`: customers, funnel, sales, people, pool and imports — as a table with bars, JSON or .xlsx."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from crm_cli.commands import _out
from crm_cli.commands._common import read_session

if TYPE_CHECKING:
    from crm_cli.reports import Report, ReportOptions

app = typer.Typer(
    help="Reports: customers, funnel, sales, people, pool, imports. Each takes --from/--to or --period, "
    "--json and --xlsx FILE.",
    no_args_is_help=True,
)

FromOpt = Annotated[str | None, typer.Option("--from", help="First day, e.g. 2026-11-01 or -30d")]
ToOpt = Annotated[str | None, typer.Option("--to", help="Last day (default today)")]
PeriodOpt = Annotated[str | None, typer.Option("--period", "-p", help="month|quarter|year")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON: {report, rows, totals}")]
XlsxOpt = Annotated[str | None, typer.Option("--xlsx", help="Write an .xlsx file with charts")]

BLOCKS = " ▏▎▍▌▋▊▉█"
BAR_WIDTH = 24


def bar(value: Any, top: Any, width: int = BAR_WIDTH) -> str:
    """A horizontal bar of ``value`` against ``top`` in eighth-block characters."""
    if not value or not top or float(value) <= 0:
        return ""
    eighths = round(float(value) / float(top) * width * 8)
    full, rest = divmod(max(eighths, 1), 8)
    return "█" * full + (BLOCKS[rest] if rest else "")


def _fmt(value: Any, kind: str) -> str:
    if value is None:
        return "–"
    if kind == "money":
        return f"{value:,.2f}"
    if kind == "ratio":
        return f"{float(value) * 100:.1f}%"
    if kind in ("days", "number"):
        return f"{float(value):,.1f}"
    if kind == "date" and hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d %H:%M") if hasattr(value, "hour") else value.isoformat()
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def render_table(report: Report) -> None:
    from rich.table import Table
    from rich.text import Text

    caption = f"{report.window}" + (f", per {report.period}" if report.period else "")
    if report.summary:
        caption += "\n" + ", ".join(f"{m.header}: {_fmt(report.totals.get(m.key), m.kind)}" for m in report.summary)
    if report.notes:
        caption += "\n" + "\n".join(report.notes)
    table = Table(title=report.title, caption=caption, header_style="bold", show_edge=False, pad_edge=False,
                  show_footer=True)
    table.add_column(report.key_header, footer="Total", no_wrap=True)
    bars = [m for m in report.measures if m.bar]
    for m in report.measures:
        text = m.kind in ("text", "date")
        table.add_column(m.header, justify="left" if text else "right",
                         footer="" if text else _fmt(report.totals.get(m.key), m.kind))
        if m in bars:
            table.add_column("", no_wrap=True, style="cyan")
    tops = {m.key: max((r.get(m.key) or 0 for r in report.rows), default=0) for m in bars}
    for row in report.rows:
        cells: list[Any] = [Text(report.label(row["key"]))]
        for m in report.measures:
            cells.append(_fmt(row.get(m.key), m.kind))
            if m in bars:
                cells.append(bar(row.get(m.key), tops[m.key]))
        table.add_row(*cells)
    _out.console().print(table)


def emit(report: Report, *, as_json: bool, xlsx: str | None) -> None:
    if xlsx:
        from crm_cli.report_xlsx import write_report

        path = write_report(report, xlsx)
        _out.ok(f"Wrote {report.title.lower()} ({_out.count(len(report.rows), 'row')}, {_out.count(len(report.charts), 'chart')}) to {path}")
    if as_json:
        _out.print_json(report.as_json())
    elif not xlsx:
        render_table(report)


def options(clock: Any, *, start: str | None, end: str | None, period: str | None, **extra: Any) -> ReportOptions:
    from crm_cli.reports import ReportOptions

    return ReportOptions(
        start=clock.parse_date(start) if start else None, end=clock.parse_date(end) if end else None,
        period=period.strip().lower() if period else None, **extra,
    )  # fmt: skip


def run(name: str, *, as_json: bool, xlsx: str | None, start: str | None, end: str | None, period: str | None,
        **extra: Any) -> None:
    from crm_cli.reports import run_report

    with read_session() as (session, user, clock):
        report = run_report(name, session=session, user=user, clock=clock,
                            options=options(clock, start=start, end=end, period=period, **extra))
    emit(report, as_json=as_json, xlsx=xlsx)


@app.command("customers")
def customers_cmd(
    by: Annotated[str | None, typer.Option("--by", help="level|stars|source|region|industry|owner|is_target")] = None,
    new: Annotated[bool, typer.Option("--new", help="Only customers created in the window")] = False,
    start: FromOpt = None, end: ToOpt = None, period: PeriodOpt = None, as_json: JsonOpt = False,
    xlsx: XlsxOpt = None,
) -> None:
    """Customers per level, stars, source, region, industry, owner or target flag, and the new ones in the window.
    Without --by, --period month|quarter|year gives new customers per period.

    Example: crm report customers --by source --from 2026-11-01 --xlsx customers.xlsx
    """
    run("customers", as_json=as_json, xlsx=xlsx, start=start, end=end, period=period,
        by=by.strip().lower() if by else None, new=new)


@app.command("people")
def people_cmd(
    idle_days: Annotated[int | None, typer.Option("--idle-days", help="Untouched means no follow-up for N days")] = None,
    start: FromOpt = None, end: ToOpt = None, period: PeriodOpt = None, as_json: JsonOpt = False,
    xlsx: XlsxOpt = None,
) -> None:
    """Per user: customers owned, new customers, follow-ups logged, customers untouched for N days, deals won and
    amount, against the monthly targets (crm target set).

    Example: crm report people --period quarter
    """
    run("people", as_json=as_json, xlsx=xlsx, start=start, end=end, period=period, idle_days=idle_days)


@app.command("funnel")
def funnel_cmd(
    by: Annotated[str | None, typer.Option("--by", help="owner: one row per deal owner")] = None,
    start: FromOpt = None, end: ToOpt = None, period: PeriodOpt = None, as_json: JsonOpt = False,
    xlsx: XlsxOpt = None,
) -> None:
    """The deal funnel of the deals created in the window: per stage how many reached it, are there now and their
    amount, conversion to the next stage, average days in stage; win rate; follow-ups per won customer and new
    customers per win.

    Example: crm report funnel --period quarter --by owner
    """
    run("funnel", as_json=as_json, xlsx=xlsx, start=start, end=end, period=period,
        by=by.strip().lower() if by else None)


@app.command("sales")
def sales_cmd(
    by: Annotated[str | None, typer.Option("--by", help="owner|product|region instead of per period")] = None,
    start: FromOpt = None, end: ToOpt = None, period: PeriodOpt = None, as_json: JsonOpt = False,
    xlsx: XlsxOpt = None,
) -> None:
    """Contract amount signed, received, outstanding and overdue per month, quarter or year (default the last 12
    months), with totals; --by owner|product|region gives one row per group over the window instead.

    Example: crm report sales --period quarter --xlsx sales.xlsx
    """
    run("sales", as_json=as_json, xlsx=xlsx, start=start, end=end, period=period,
        by=by.strip().lower() if by else None)


@app.command("pool")
def pool_cmd(
    start: FromOpt = None, end: ToOpt = None, period: PeriodOpt = None, as_json: JsonOpt = False,
    xlsx: XlsxOpt = None,
) -> None:
    """Per user: customers owned against the cap, never contacted, returned to and claimed from the pool in the
    window; and the pool itself.

    Example: crm report pool --period month
    """
    run("pool", as_json=as_json, xlsx=xlsx, start=start, end=end, period=period)


@app.command("imports")
def imports_cmd(
    start: FromOpt = None, end: ToOpt = None, period: PeriodOpt = None, as_json: JsonOpt = False,
    xlsx: XlsxOpt = None,
) -> None:
    """Import batches started in the window: rows read, customers created, updated, skipped and rows refused.

    Example: crm report imports --period year --xlsx imports.xlsx
    """
    run("imports", as_json=as_json, xlsx=xlsx, start=start, end=end, period=period)
