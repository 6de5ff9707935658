"""`crm export customers`: text phones and codes, real dates, no formulas, visibility, and the round trip."""

from __future__ import annotations

import csv
import json
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlmodel import col, select

from crm_cli.db.models import Contact, Customer, FollowUp

CREDIT = "91440300MA5DC9QX92"


def _fill(db: Any, clock: Any, make_user: Any, make_customer: Any) -> None:
    from crm_cli.contacts import add_contact
    from crm_cli.followups import log_followup
    from crm_cli.users import get_user

    make_user()
    make_user("wang", role="rep")
    make_customer("=HYPERLINK(\"http://evil\",\"click\")", code="007", phone="+86 138 1234 5678",
                  credit_code=CREDIT, level="intent", stars=4, region="深圳", notes="@mention\tand tab",
                  email="a@b.com", custom={"微博": "-1"})
    make_customer("华信贸易", owner="wang", code="123456789012345678", is_target=True, source="展会")
    make_customer("公海客户", owner="pool", industry="物流")
    with db.write() as session:
        boss = get_user(session, "boss")
        first = session.get(Customer, 1)
        add_contact(session, user=boss, clock=clock, customer=first,
                    data={"name": "张伟", "title": "采购", "mobile": "013812345678", "email": "z@b.com",
                          "birthday": date(1985, 6, 1)})
        add_contact(session, user=boss, clock=clock, customer=first, data={"name": "李娜", "wechat": "lina"})
        log_followup(session, user=boss, clock=clock, customer=first, content="=1+1 电话沟通",
                     method="wechat", at=clock.now - timedelta(days=3, hours=2), plan="再联系")
        log_followup(session, user=boss, clock=clock, customer=first, content="报价", method="visit",
                     at=clock.now - timedelta(days=1), next_on=clock.today + timedelta(days=5))


def _export(cli: Any, path: Path, *args: str, user: str | None = None) -> Any:
    res = cli("export", "customers", str(path), *args, user=user)
    assert res.exit_code == 0, res.output
    return res


def _snapshot(db: Any) -> dict[str, Any]:
    with db.read() as session:
        customers = session.exec(select(Customer).order_by(col(Customer.name))).all()
        by_id = {c.id: c.name for c in customers}
        fields = ("code", "name", "level", "stars", "source", "region", "industry", "is_target", "credit_code",
                  "phone", "email", "website", "address", "notes", "custom", "next_followup_on",
                  "last_followup_at", "owner_id")
        return {
            "customers": [tuple(getattr(c, f) for f in fields) for c in customers],
            "contacts": sorted((by_id[p.customer_id], p.name, p.title, p.mobile, p.email, p.wechat, p.birthday,
                                p.is_primary) for p in session.exec(select(Contact))),
            "followups": sorted((by_id[f.customer_id], f.at, f.method, f.content, f.plan, f.next_on, f.user_id)
                                for f in session.exec(select(FollowUp))),
        }


def test_export_writes_text_phones_real_dates_and_no_formulas(tmp_path: Path, cli: Any, db: Any, clock: Any,
                                                              make_user: Any, make_customer: Any) -> None:
    _fill(db, clock, make_user, make_customer)
    path = tmp_path / "out.xlsx"
    _export(cli, path, "--lang", "zh")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["客户", "联系人", "跟进记录"]
    rows = {r[2].value: r for r in wb["客户"].iter_rows(min_row=2)}
    evil = rows['=HYPERLINK("http://evil","click")']
    assert [(c.value, c.data_type) for c in (evil[1], evil[10])] == [("007", "s"), ("+86 138 1234 5678", "s")]
    assert rows["华信贸易"][1].value == "123456789012345678"
    assert evil[3].value == "意向"
    contacts = list(wb["联系人"].iter_rows(min_row=2, values_only=True))
    assert contacts[0][5] == "013812345678"
    assert contacts[0][9] == datetime(1985, 6, 1)  # a real date cell
    follow = list(wb["跟进记录"].iter_rows(min_row=2, values_only=True))
    assert follow[0][2] == datetime(2026, 11, 20, 8, 0)  # local (Shanghai) time as an Excel date
    for ws in wb:
        for row in ws.iter_rows():
            assert all(c.data_type != "f" for c in row)
    with zipfile.ZipFile(path) as z:
        assert not any(b"<f>" in z.read(n) or b"<f " in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets"))


def test_export_then_import_into_an_empty_database_reproduces_everything(
        tmp_path: Path, cli: Any, db: Any, clock: Any, make_user: Any, make_customer: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    _fill(db, clock, make_user, make_customer)
    path = tmp_path / "out.xlsx"
    _export(cli, path)
    before = _snapshot(db)
    fresh = tmp_path / "fresh.db"
    monkeypatch.setenv("CRM_DB", str(fresh))
    from crm_cli.db.engine import Database

    db2 = Database(fresh)
    from crm_cli.users import add_user

    with db2.write() as session:
        from crm_cli.db.models import User

        boss = User(username="boss", display_name="Boss", role="admin", created_at=clock.now)
        session.add(boss)
        session.flush()
        add_user(session, actor=boss, clock=clock, username="wang", role="rep")
    res = cli("import", str(path), "--keep-unknown", "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert (data["created"], data["errors"], data["related_sheets"]) == (3, [], ["联系人", "跟进记录"])
    assert _snapshot(db2) == before
    db2.dispose()


def test_english_export_round_trips_too(tmp_path: Path, cli: Any, db: Any, clock: Any, make_user: Any,
                                        make_customer: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _fill(db, clock, make_user, make_customer)
    path = tmp_path / "out.xlsx"
    _export(cli, path, "--lang", "en")
    assert openpyxl.load_workbook(path, read_only=True).sheetnames == ["Customers", "Contacts", "Follow-ups"]
    monkeypatch.setenv("CRM_DB", str(tmp_path / "fresh.db"))
    res = cli("import", str(path), "--dry-run", "--json", "--owner", "boss", "--map", "Owner=ignore")
    data = json.loads(res.stdout)
    assert (data["created"], data["errors"], data["contacts_created"], data["followups_created"]) == (3, [], 2, 2)


def test_export_shows_only_what_the_user_can_see(tmp_path: Path, cli: Any, db: Any, clock: Any, make_user: Any,
                                                 make_customer: Any) -> None:
    _fill(db, clock, make_user, make_customer)
    path = tmp_path / "wang.xlsx"
    res = _export(cli, path, user="wang")
    assert "exported 2 customers" in res.stderr
    names = [r[2] for r in openpyxl.load_workbook(path)["客户"].iter_rows(min_row=2, values_only=True)]
    assert names == ["华信贸易", "公海客户"]
    assert list(openpyxl.load_workbook(path)["联系人"].iter_rows(min_row=2, values_only=True)) == []


def test_export_filters_like_customer_list(tmp_path: Path, cli: Any, db: Any, clock: Any, make_user: Any,
                                           make_customer: Any) -> None:
    _fill(db, clock, make_user, make_customer)
    path = tmp_path / "f.xlsx"
    _export(cli, path, "--owner", "pool")
    names = [r[2] for r in openpyxl.load_workbook(path)["客户"].iter_rows(min_row=2, values_only=True)]
    assert names == ["公海客户"]


def test_csv_export_guards_formula_cells_and_imports_back(tmp_path: Path, cli: Any, db: Any, clock: Any,
                                                          make_user: Any, make_customer: Any) -> None:
    _fill(db, clock, make_user, make_customer)
    path = tmp_path / "out.csv"
    _export(cli, path)
    with path.open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    evil = next(r for r in rows if "HYPERLINK" in r[2])
    assert evil[2].startswith("'=") and evil[10] == "'+86 138 1234 5678"
    assert (tmp_path / "out.联系人.csv").exists()
    res = cli("import", str(path), "--dry-run", "--json")
    data = json.loads(res.stdout)
    assert data["duplicates"][0]["reason"] == "same code"  # the customers are already there: matched, not new


def test_extra_export_sheets_are_added(tmp_path: Path, cli: Any, db: Any, clock: Any, make_user: Any,
                                       make_customer: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from crm_cli import exporter

    _fill(db, clock, make_user, make_customer)
    monkeypatch.setattr(exporter, "EXTRA_EXPORT_SHEETS", [])
    exporter.register_export_sheet(lambda session, user, clock, ids, lang: ("合同", ["客户ID", "金额"],
                                                                      [[str(i), 100] for i in ids]))
    path = tmp_path / "x.xlsx"
    _export(cli, path)
    rows = list(openpyxl.load_workbook(path)["合同"].iter_rows(values_only=True))
    assert rows == [("客户ID", "金额"), ("1", 100), ("2", 100), ("3", 100)]


def test_streaming_writer_keeps_awkward_text_exact(tmp_path: Path) -> None:
    from crm_cli.sheets.reader import open_workbook
    from crm_cli.sheets.writer import write_xlsx

    awkward = ["  leading and trailing  ", "a & b < c > d", "line\nbreak", "tab\there", "=SUM(A1:A2)", "+86 138",
               "-5", "@user", "控制\x07字符", "\"quoted\" 'single'", "0012345678901234567"]
    path = tmp_path / "w.xlsx"
    write_xlsx(path, [("Sheet", ["text", "n", "d"], [[v, 1.5, date(2026, 12, 5)] for v in awkward])])
    rows = list(openpyxl.load_workbook(path).active.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows if "控制" not in r[0]] == [v for v in awkward if "控制" not in v]
    assert rows[8][0] == "控制_x0007_字符"  # an XML-illegal character, escaped the way Excel reads it back
    assert rows[0][1:] == (1.5, datetime(2026, 12, 5))
    book = open_workbook(path)
    cal = book.sheet().rows
    book.close()
    assert [r[0] for r in cal[1:]] == awkward  # calamine decodes the escape too


def test_streaming_writer_escapes_exactly_the_characters_xml_needs() -> None:
    from crm_cli.sheets import writer

    values = ["plain", "A&B <c> d", "line\r\nbreak", "tab\there", " lead", "trail ", "\x01\x08\x0b\x0c\x0e\x1f",
              "明达电子", "x" * 40 + "&", "=1+2", "'quote\"", "\u3000全角"]
    xml = "".join(writer._sheet_xml(["h"], [[v] for v in values], None, None))
    for n, value in enumerate(values, start=2):
        space = ' xml:space="preserve"' if value[0].isspace() or value[-1].isspace() else ""
        assert f'<c r="A{n}" t="inlineStr"><is><t{space}>{value.translate(writer._ESCAPE)}</t></is></c>' in xml
        assert writer._text_cell(f"A{n}", value) in xml
