"""The imports report: every import batch in the window with what it read, created, updated, skipped and refused."""

from __future__ import annotations

from sqlmodel import Session, col, select

from crm_cli.dates import Clock
from crm_cli.db.models import ImportBatch, User
from crm_cli.reports import (
    Chart,
    Measure,
    Report,
    ReportOptions,
    register,
    report_users,
    resolve_window,
    totals_of,
    usernames,
)
from crm_cli.vocab import Role


@register("imports", "Imports")
def imports_report(session: Session, *, user: User, clock: Clock, options: ReportOptions) -> Report:
    """One row per import batch started in the window (admins and assistants see every batch, a manager their
    team's, a rep their own): rows read, customers created, updated, skipped and rows refused."""
    window = resolve_window(clock, options, periodic=False)
    start, end = window.instants(clock)
    stmt = select(ImportBatch).where(col(ImportBatch.at) >= start, col(ImportBatch.at) < end)
    if user.role not in (Role.ADMIN.value, Role.ASSISTANT.value):
        stmt = stmt.where(col(ImportBatch.user_id).in_([u.id for u in report_users(session, user)]))
    batches = list(session.exec(stmt.order_by(col(ImportBatch.at), col(ImportBatch.id))))
    names = usernames(session, (b.user_id for b in batches))
    rows = [
        {"key": b.id, "at": b.at.astimezone(clock.tz) if b.at else None, "user": names.get(b.user_id or -1),
         "file": b.file_name, "rows_read": b.rows_read, "created": b.created, "updated": b.updated,
         "skipped": b.skipped, "refused": b.errors,
         "undone": b.undone_at.astimezone(clock.tz) if b.undone_at else None}
        for b in batches
    ]  # fmt: skip
    measures = [
        Measure("at", "When", "date"), Measure("user", "By", "text"), Measure("file", "File", "text"),
        Measure("rows_read", "Rows"), Measure("created", "Created", bar=True), Measure("updated", "Updated"),
        Measure("skipped", "Skipped"), Measure("refused", "Refused"), Measure("undone", "Undone", "date"),
    ]  # fmt: skip
    return Report(
        name="imports", title="Imports", key_header="batch", measures=measures, rows=rows,
        totals=totals_of(rows, measures), window=window, by="batch",
        charts=[Chart("Created, updated and refused per batch", ("created", "updated", "refused"))],
    )  # fmt: skip
