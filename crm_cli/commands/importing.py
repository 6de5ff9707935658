"""`crm import FILE` (and `crm import list|undo|template|mappings`), `crm export customers FILE`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from crm_cli.commands import _out
from crm_cli.commands._common import read_session, write_session


class ImportGroup(TyperGroup):
    """`crm import FILE ...` runs the import; `crm import list|undo|template|mappings` are subcommands."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(cls=ImportGroup, no_args_is_help=True,
                  help="Import customers, contacts and follow-ups from .xlsx or .csv: crm import FILE [options]")
export_app = typer.Typer(no_args_is_help=True, help="Export to .xlsx or .csv.")


def _progress() -> Any:
    """A rich progress bar on a terminal; nothing otherwise."""
    if not sys.stderr.isatty():
        return None, None
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

    bar = Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                   console=_out.err_console(), transient=True)
    task = bar.add_task("reading", total=1)

    def update(stage: str, done: int, total: int) -> None:
        bar.update(task, description=stage, completed=done, total=max(total, 1))

    return bar, update


@app.command("run")
def import_cmd(
    file: Annotated[Path, typer.Argument(help="The .xlsx or .csv file")],
    sheet: Annotated[str | None, typer.Option(help="Sheet name (default: the first sheet that holds customers)")] = None,
    map_: Annotated[list[str] | None, typer.Option("--map", help="'Header=field' (repeatable); field 'ignore' "
                                                   "drops a column, 'custom:NAME' keeps it as a custom field")] = None,
    mapping: Annotated[str | None, typer.Option(help="Use a saved mapping")] = None,
    save_mapping: Annotated[str | None, typer.Option(help="Save this file's mapping under a name")] = None,
    keep_unknown: Annotated[bool, typer.Option(help="Keep unmapped columns as custom fields")] = False,
    on_duplicate: Annotated[str, typer.Option(help="skip (default), update or create")] = "skip",
    owner: Annotated[str | None, typer.Option(help="Owner of the new customers (default: you; 'pool' for none)")] = None,
    round_robin: Annotated[str | None, typer.Option(help="Share new customers among these users: a,b,c")] = None,
    pool: Annotated[bool, typer.Option("--pool", help="Put new customers in the public pool")] = False,
    all_or_nothing: Annotated[bool, typer.Option(help="Import nothing if any row has an error")] = False,
    dry_run: Annotated[bool, typer.Option(help="Check and report; write nothing")] = False,
    errors_file: Annotated[Path | None, typer.Option(help="Where to write refused rows (default FILE.errors.xlsx)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON")] = False,
) -> None:
    """Import customers (with contacts and a follow-up per row) from a spreadsheet.

    Example: crm import 客户名单.xlsx --dry-run   then   crm import 客户名单.xlsx --round-robin wang,li
    """
    from crm_cli import importer

    options = importer.ImportOptions(
        sheet=sheet, overrides=map_ or [], mapping=mapping, save_mapping=save_mapping, keep_unknown=keep_unknown,
        on_duplicate=on_duplicate, owner=owner,
        round_robin=[u for u in (round_robin or "").split(",") if u.strip()], pool=pool,
        all_or_nothing=all_or_nothing, dry_run=dry_run,
    )  # fmt: skip
    source = importer.read_source(file, sheet=sheet)
    bar, update = (None, None) if as_json else _progress()
    session_cm = read_session() if dry_run else write_session()
    try:
        if bar is not None:
            bar.start()
        with session_cm as (session, user, clock):
            result = importer.import_source(session, user=user, clock=clock, source=source, options=options,
                                            progress=update)
    finally:
        if bar is not None:
            bar.stop()
    if not dry_run and result.created + result.updated >= importer.ANALYZE_AFTER:
        from crm_cli.commands._common import STATE

        STATE.database().analyze()  # a big import changes the table sizes the query planner relies on
    importer.write_errors_file(source, result, errors_file)
    if as_json:
        _out.print_json(result.as_dict())
    else:
        _summary(result)
    if result.refused:
        raise typer.Exit(1)


def _summary(result: Any) -> None:
    would = result.dry_run or result.refused
    create, update, skip = ("to create", "to update", "to skip") if would else ("created", "updated", "skipped")
    lines = [
        f"{result.file} (sheet {result.sheet}, headers on row {result.header_row}): {_out.count(result.rows_read, 'row')} read",
        f"  {create} {result.created}, {update} {result.updated}, {skip} {result.skipped}; "
        f"contacts {result.contacts_created}, follow-ups {result.followups_created}",
    ]
    if result.related_sheets:
        lines.append(f"  also read sheets: {', '.join(result.related_sheets)}")
    if result.ignored_columns:
        lines.append(f"  ignored columns (map with --map or keep with --keep-unknown): {', '.join(result.ignored_columns)}")
    if result.footer_rows:
        lines.append(f"  ignored footer rows: {', '.join(map(str, result.footer_rows))}")
    dups_file = [d for d in result.duplicates if "duplicate_of_row" in d]
    dups_db = [d for d in result.duplicates if "customer_id" in d]
    if dups_file or dups_db:
        lines.append(f"  duplicates: {len(dups_file)} within the file, {len(dups_db)} against the database "
                     f"({result.duplicate_check})")
        for d in (dups_file + dups_db)[:20]:
            other = f"row {d['duplicate_of_row']}" if "duplicate_of_row" in d else f"customer #{d['customer_id']}"
            lines.append(f"    row {d['row']}: {d['reason']} as {other} → {d['action']}")
    for line in lines:
        _out.info(line)
    if result.errors:
        _out.warn(f"{_out.count(len(result.error_rows), 'row')} refused:")
        for e in result.errors[:50]:
            _out.info(f"    {(e.sheet + ' ') if e.sheet else ''}{e}")
        if len(result.errors) > 50:
            _out.info(f"    … and {len(result.errors) - 50} more; the most common:")
            from collections import Counter

            common = Counter((e.sheet, e.column, e.message) for e in result.errors).most_common(5)
            for (sheet, column, message), n in common:
                where = " ".join(filter(None, (sheet, column)))
                _out.info(f"    {n} × {where + ': ' if where else ''}{message}")
    if result.errors_file:
        _out.info(f"  refused rows with reasons: {result.errors_file} (fix and import it again)")
    if result.refused:
        _out.error("--all-or-nothing: nothing was imported because some rows have errors")
    elif result.batch:
        _out.ok(f"import batch {result.batch} written; undo it with `crm import undo {result.batch}`")
    elif result.dry_run:
        _out.info("dry run: nothing was written")


@app.command("list")
def list_cmd(
    limit: Annotated[int, typer.Option(help="At most this many batches")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """List import batches, newest first.  Example: crm import list"""
    from crm_cli import importer
    from crm_cli.customers import usernames

    with read_session() as (session, _user, clock):
        batches = importer.list_batches(session, limit=limit)
        names = usernames(session, {b.user_id for b in batches})
        rows = [{
            "id": b.id, "at": b.at.astimezone(clock.tz).strftime("%Y-%m-%d %H:%M") if b.at else None,
            "user": names.get(b.user_id) if b.user_id else None, "file": b.file_name, "rows": b.rows_read,
            "created": b.created, "updated": b.updated, "skipped": b.skipped, "errors": b.errors,
            "undone": b.undone_at.astimezone(clock.tz).strftime("%Y-%m-%d %H:%M") if b.undone_at else None,
        } for b in batches]  # fmt: skip
    columns = [("id", "Batch"), ("at", "At"), ("user", "By"), ("file", "File"), ("rows", "Rows"),
               ("created", "Created"), ("updated", "Updated"), ("skipped", "Skipped"), ("errors", "Errors"),
               ("undone", "Undone")]
    _out.emit_list("json" if as_json else "table", columns, rows)


@app.command("undo")
def undo_cmd(
    batch: Annotated[int, typer.Argument(help="Batch number (see crm import list)")],
    keep_changed: Annotated[bool, typer.Option(help="Undo the rest and keep records changed since the import")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Take an import back: remove what it created, revert what it updated.  Example: crm import undo 3"""
    from crm_cli import importer

    with write_session() as (session, user, clock):
        result = importer.undo_batch(session, user=user, clock=clock, batch_id=batch, keep_changed=keep_changed)
    if as_json:
        _out.print_json(result.as_dict())
        return
    _out.ok(f"import batch {batch} undone: {_out.count(result.deleted, 'customer')} removed, "
            f"{result.reverted} reverted, {_out.count(result.contacts_deleted, 'contact')} and "
            f"{_out.count(result.followups_deleted, 'follow-up')} removed")
    if result.kept:
        _out.warn(f"kept {len(result.kept)} record(s) changed since the import:")
        for line in result.kept[:50]:
            _out.info(f"    {line}")


@app.command("template")
def template_cmd(
    file: Annotated[Path, typer.Argument(help="Where to write the template (.xlsx)")],
    lang: Annotated[str, typer.Option(help="zh or en headers")] = "zh",
) -> None:
    """Write an import template: headers, drop-downs for level and stars, an example row, instructions.

    Example: crm import template 客户导入模板.xlsx --lang zh
    """
    from crm_cli.exporter import write_template

    write_template(Path(file), lang=lang)
    _out.ok(f"template written to {file}")


@app.command("mappings")
def mappings_cmd(as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False) -> None:
    """List saved column mappings (crm import FILE --save-mapping NAME).  Example: crm import mappings"""
    from crm_cli import importer

    with read_session() as (session, _user, _clock):
        rows = [{"name": m.name, "mapping": ", ".join(f"{h}={f}" for h, f in (m.mapping or {}).items())}
                for m in importer.list_mappings(session)]
    _out.emit_list("json" if as_json else "table", [("name", "Name"), ("mapping", "Mapping")], rows)


@export_app.command("customers")
def export_customers_cmd(
    file: Annotated[Path, typer.Argument(help="Target .xlsx or .csv")],
    lang: Annotated[str, typer.Option(help="zh or en headers")] = "zh",
    level: Annotated[list[str] | None, typer.Option(help="Level (repeatable)")] = None,
    stars: Annotated[str | None, typer.Option(help="At least this many stars (0 to 5)")] = None,
    owner: Annotated[str, typer.Option(help="me, a user name, pool, or all")] = "all",
    source: Annotated[str | None, typer.Option()] = None,
    region: Annotated[str | None, typer.Option()] = None,
    industry: Annotated[str | None, typer.Option()] = None,
    due: Annotated[str | None, typer.Option(help="today, overdue or week")] = None,
    idle_days: Annotated[int | None, typer.Option(help="Not followed up for N days (or never)")] = None,
    search: Annotated[str | None, typer.Option("--search", "-s", help="Text in name, code, contacts, phones")] = None,
    target: Annotated[bool | None, typer.Option("--target/--no-target", help="Only target / non-target")] = None,
    followups: Annotated[bool, typer.Option("--followups/--no-followups", help="Include the follow-ups sheet")] = True,
) -> None:
    """Export the customers you can see (with contacts and follow-ups sheets).

    Example: crm export customers 客户.xlsx --owner me --level 意向
    """
    from crm_cli import exporter
    from crm_cli.customers import CustomerQuery

    query = CustomerQuery(level=level or [], min_stars=stars, owner=owner, source=source, region=region,
                          industry=industry, due=due, idle_days=idle_days, search=search, is_target=target,
                          limit=None)
    with read_session() as (session, user, clock):
        counts = exporter.export_customers(session, user=user, clock=clock, query=query, path=Path(file), lang=lang,
                                           followups=followups)
    _out.ok(f"exported {_out.count(counts['customers'], 'customer')}, {_out.count(counts['contacts'], 'contact')} "
            f"and {_out.count(counts['followups'], 'follow-up')} to {file}")
