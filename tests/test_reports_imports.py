"""The imports report: batches in the window with created/updated/refused counts."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from tests.test_reports import run
from tests.test_reports_sales import at


def _batch(db: Any, username: str, when: str, **counts: Any) -> int:
    from crm_cli.db.models import ImportBatch
    from crm_cli.users import get_user

    with db.write() as s:
        batch = ImportBatch(at=at(when).now, user_id=get_user(s, username).id, file_name=f"{username}.xlsx", **counts)
        s.add(batch)
        s.flush()
        return batch.id


def test_imports_report_lists_batches_in_the_window_with_their_counts(db, make_user) -> None:
    make_user()
    make_user("zhao", role="assistant")
    make_user("rep1", role="rep")
    _batch(db, "zhao", "2026-10-30 10:00", rows_read=5, created=5)
    b2 = _batch(db, "zhao", "2026-11-02 10:00", rows_read=120, created=100, updated=10, skipped=4, errors=6)
    b3 = _batch(db, "rep1", "2026-11-20 10:00", rows_read=3, created=1, updated=1, skipped=0, errors=1)
    report = run(db, "imports")
    assert [r["key"] for r in report.rows] == [b2, b3]
    first = report.rows[0]
    assert (first["user"], first["file"], first["rows_read"], first["created"], first["updated"], first["skipped"],
            first["refused"]) == ("zhao", "zhao.xlsx", 120, 100, 10, 4, 6)
    assert report.totals == {"rows_read": 123, "created": 101, "updated": 11, "skipped": 4, "refused": 7}
    assert [r["key"] for r in run(db, "imports", "rep1").rows] == [b3]
    october = run(db, "imports", start=date(2026, 10, 1), end=date(2026, 10, 31))
    assert october.totals["created"] == 5


def test_a_real_import_shows_up_in_the_report(cli, db, make_user, tmp_path) -> None:
    make_user()
    sheet = tmp_path / "new.csv"
    sheet.write_text("客户名称,手机\n明达电子,13812345678\n华信科技,13912345678\n", encoding="utf-8")
    result = cli("import", str(sheet))
    assert result.exit_code == 0, result.stderr
    data = json.loads(cli("report", "imports", "--json").stdout)
    assert len(data["rows"]) == 1
    assert data["rows"][0]["created"] == 2 and data["rows"][0]["file"] == "new.csv"
    assert data["totals"]["created"] == 2


def test_imports_xlsx_has_real_dates_and_a_chart(cli, db, make_user, tmp_path) -> None:
    from datetime import datetime

    from openpyxl import load_workbook

    make_user()
    _batch(db, "boss", "2026-11-02 10:00", rows_read=12, created=10, updated=1, skipped=0, errors=1)
    path = tmp_path / "imports.xlsx"
    assert cli("report", "imports", "--xlsx", str(path)).exit_code == 0
    ws = load_workbook(path)["imports"]
    assert [c.value for c in ws[4]][:5] == ["batch", "When", "By", "File", "Rows"]
    assert ws.cell(row=5, column=2).value == datetime(2026, 11, 2, 10, 0)  # local time, as Excel has no zones
    assert ws.cell(row=5, column=6).value == 10 and ws.cell(row=6, column=1).value == "Total"
    assert len(ws._charts) == 1
