"""`crm import`: a corpus of ugly sheets, each asserting exactly what was imported and what was refused."""

from __future__ import annotations

import json
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlmodel import col, func, select

from crm_cli.db.models import AuditEntry, Contact, Customer, FollowUp, ImportBatch

CREDIT = "91440300MA5DC9QX92"  # a valid 统一社会信用代码
CREDIT2 = "91310000MA1FL8TQ36"
HEAD = ["客户名称", "客户编号", "手机", "联系人", "客户类别", "下次跟进日期", "备注"]


def xlsx(path: Path, rows: list[list[Any]], *, title: str | None = None, sheet: str = "Sheet1") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(len(r) for r in rows))
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def run(db: Any, clock: Any, path: Path, user: str = "boss", **options: Any) -> Any:
    from crm_cli import importer
    from crm_cli.users import get_user

    source = importer.read_source(path, sheet=options.pop("sheet", None))
    with db.write() as session:
        actor = get_user(session, user)
        return importer.import_source(session, user=actor, clock=clock, source=source,
                                      options=importer.ImportOptions(**options))


def customers(db: Any) -> list[Customer]:
    with db.read() as session:
        return list(session.exec(select(Customer).order_by(col(Customer.id))))


def contacts_of(db: Any, customer_id: int) -> list[Contact]:
    with db.read() as session:
        return list(session.exec(select(Contact).where(Contact.customer_id == customer_id).order_by(col(Contact.id))))


def errors(result: Any) -> list[tuple[int, str | None, str]]:
    return [(e.row, e.column, e.message) for e in result.errors]


@pytest.fixture
def boss(make_user: Any) -> Any:
    return make_user()


# ------------------------------------------------------------------------------------------ headers and cells


def test_merged_title_row_is_skipped_and_chinese_headers_map(tmp_path: Path, db: Any, clock: Any, boss: Any) -> None:
    path = xlsx(tmp_path / "a.xlsx", [HEAD, ["深圳市明达电子科技有限公司", "C001", "13812345678", "张伟", "意向",
                                             "2026-12-05", "老客户介绍"]], title="2026年客户名单（内部）")
    result = run(db, clock, path)
    assert (result.header_row, result.created, result.errors) == (2, 1, [])
    [c] = customers(db)
    assert (c.name, c.code, c.level, c.next_followup_on, c.notes) == (
        "深圳市明达电子科技有限公司", "C001", "intent", date(2026, 12, 5), "老客户介绍")
    assert [(p.name, p.mobile, p.is_primary) for p in contacts_of(db, c.id)] == [("张伟", "13812345678", True)]


def test_english_headers_map(tmp_path: Path, db: Any, clock: Any, boss: Any) -> None:
    path = xlsx(tmp_path / "en.xlsx", [["Company", "Mobile", "Contact", "Level", "Next follow-up", "E-mail"],
                                       ["Northwind Ltd.", 13812345678, "David Lee", "key", "12/20/2026",
                                        "info@northwind.example.com"]])
    run(db, clock, path)
    [c] = customers(db)
    assert (c.name, c.level, c.next_followup_on, c.email) == ("Northwind Ltd.", "key", date(2026, 12, 20),
                                                              "info@northwind.example.com")
    assert contacts_of(db, c.id)[0].mobile == "13812345678"


def test_headers_of_other_crms_exports_map(tmp_path: Path, db: Any, clock: Any, boss: Any) -> None:
    # headers as 纷享销客 / 销售易-style and Salesforce-style exports spell them
    zh = ["客户全称", "纳税人识别号", "电话号码", "电子邮件", "公司网址", "通讯地址", "行业类别", "客户备注", "下次跟进时间",
          "联系人", "联系人职位", "联系人手机号", "联系人电子邮箱"]
    en = ["Account Name", "Tax ID", "Phone Number", "E-mail Address", "Homepage", "Street", "Industry", "Description",
          "Next Follow-up Date", "Contact Name", "Job Title", "Mobile Number", "Contact Email"]
    fields = ["name", "credit_code", "phone", "email", "website", "address", "industry", "notes", "next_followup_on",
              "contact_name", "contact_title", "contact_mobile", "contact_email"]
    from crm_cli.sheets.mapping import field_for_header

    assert [field_for_header(h) for h in zh] == fields
    assert [field_for_header(h) for h in en] == fields
    row = ["华强电子", "91350100M000100Y43", "0755-86001234", "info@hq.example.com", "hq.example.com", "深南大道1号",
           "电子", "老客户", "2026-12-05", "李雷", "经理", 13812345678, "li@hq.example.com"]
    result = run(db, clock, xlsx(tmp_path / "crm.xlsx", [zh, row]))
    assert (result.created, result.errors, result.ignored_columns) == (1, [], [])
    [c] = customers(db)
    assert (c.credit_code, c.website, c.notes, c.next_followup_on) == ("91350100M000100Y43", "hq.example.com", "老客户",
                                                                        date(2026, 12, 5))
    [p] = contacts_of(db, c.id)
    assert (p.title, p.mobile, p.email) == ("经理", "13812345678", "li@hq.example.com")


def test_numbers_in_phone_and_code_columns_become_exact_digit_strings(tmp_path: Path, db: Any, clock: Any,
                                                                       boss: Any) -> None:
    path = xlsx(tmp_path / "n.xlsx", [["客户名称", "客户编号", "电话", "手机", "联系人"],
                                      ["甲公司", 123, 75586001234, 13812345678, "张伟"],
                                      ["乙公司", "000456", "0755-86009999", 13912345678.0, "李娜"]])
    run(db, clock, path)
    a, b = customers(db)
    assert (a.code, a.phone, b.code, b.phone) == ("123", "75586001234", "000456", "0755-86009999")
    assert contacts_of(db, a.id)[0].mobile == "13812345678"
    assert contacts_of(db, b.id)[0].mobile == "13912345678"


def test_18_digit_number_is_refused_because_excel_lost_digits(tmp_path: Path, db: Any, clock: Any, boss: Any) -> None:
    path = xlsx(tmp_path / "c.xlsx", [["客户名称", "客户编号", "统一社会信用代码"],
                                      ["甲公司", 123456789012345678, None], ["乙公司", "B2", CREDIT]])
    result = run(db, clock, path)
    assert [(r, c) for r, c, _ in errors(result)] == [(2, "客户编号")]
    assert "keeps only 15 digits" in result.errors[0].message
    assert [(c.name, c.credit_code) for c in customers(db)] == [("乙公司", CREDIT)]


def test_serial_datetime_and_text_dates_all_become_dates(tmp_path: Path, db: Any, clock: Any, boss: Any) -> None:
    values = [46361, datetime(2026, 12, 5, 9, 30), "2026-12-05", "2026/12/05", "2026年12月5日", "12/05/2026"]
    rows = [["客户名称", "下次跟进日期"]] + [[f"公司{i}", v] for i, v in enumerate(values)]
    result = run(db, clock, xlsx(tmp_path / "d.xlsx", rows))
    assert result.errors == []
    assert {c.next_followup_on for c in customers(db)} == {date(2026, 12, 5)}


def test_english_month_names_and_12_hour_times_are_read(tmp_path: Path, db: Any, clock: Any, boss: Any) -> None:
    from tests.conftest import TZ

    dates = ["Dec 5, 2026", "5-Dec-2026", "05 Dec 26", "December 5th 2026", "2026-Dec-05"]
    times = ["2026/11/20 下午2:30", "11/20/2026 2:30 PM", "2026-11-20 晚上2:30", "2026-11-20T14:30", "Nov 20, 2026 2:30 pm"]
    rows = [["客户名称", "下次跟进日期", "跟进时间", "跟进内容"]] + [
        [f"公司{i}", d, t, "拜访"] for i, (d, t) in enumerate(zip(dates, times, strict=True))]
    rows.append(["坏日期公司", "31-Feb-2026", "2026-11-20 下午13:00", "拜访"])
    result = run(db, clock, xlsx(tmp_path / "en.xlsx", rows))
    assert [(e.row, e.column) for e in result.errors] == [(7, "下次跟进日期"), (7, "跟进时间")]
    assert {c.next_followup_on for c in customers(db)} == {date(2026, 12, 5)}
    with db.read() as session:
        ats = {f.at.astimezone(TZ).strftime("%Y-%m-%d %H:%M") for f in session.exec(select(FollowUp))}
    assert ats == {"2026-11-20 14:30"}


def test_impossible_dates_and_bad_values_are_row_errors_naming_column_and_value(tmp_path: Path, db: Any, clock: Any,
                                                                                 boss: Any) -> None:
    rows = [["客户名称", "客户类别", "星级", "邮箱", "下次跟进日期"],
            ["好公司", "意向", 3, "a@b.com", "2026-12-05"],
            ["坏日期", "意向", 3, None, "2026-02-30"],
            ["坏类别", "高级", None, None, None],
            ["坏星级", None, 7, None, None],
            ["坏邮箱", None, None, "not-an-email", None]]
    result = run(db, clock, xlsx(tmp_path / "v.xlsx", rows))
    got = [(e.row, e.column, e.value) for e in result.errors]
    assert got == [(3, "下次跟进日期", "2026-02-30"), (4, "客户类别", "高级"), (5, "星级", "7"),
                   (6, "邮箱", "not-an-email")]
    assert "not a real date" in result.errors[0].message
    assert "from 0 to 5" in result.errors[2].message
    assert [c.name for c in customers(db)] == ["好公司"]


def test_stars_written_as_chinese_numerals_or_star_signs_are_read(tmp_path: Path, db: Any, clock: Any,
                                                                    boss: Any) -> None:
    values = [3, 4.0, "2", "三星", "五", "1星级", "★★☆☆☆", "零", "六星", "三颗"]
    rows = [["客户名称", "星级"]] + [[f"公司{i}", v] for i, v in enumerate(values)]
    result = run(db, clock, xlsx(tmp_path / "s.xlsx", rows))
    assert [(e.row, e.value) for e in result.errors] == [(10, "六星"), (11, "三颗")]
    assert "三星 or ★★★" in result.errors[1].message
    assert [c.stars for c in customers(db)] == [3, 4, 2, 3, 5, 1, 2, 0]


def test_none_written_as_wu_na_or_a_dash_is_an_empty_cell_in_formatted_columns(tmp_path: Path, db: Any, clock: Any,
                                                                               boss: Any) -> None:
    rows = [["客户名称", "电话", "邮箱", "统一社会信用代码", "客户类别", "星级", "下次跟进日期", "联系人", "手机", "备注"],
            ["甲公司", "无", "暂无", "/", "-", "无", "N/A", "张三", "—", "无"],
            ["乙公司", " none ", "NULL", "--", "未知", "-", "无", "李四", "n/a", None],
            ["丙公司", "0755-86001234", "无效邮箱", None, None, None, None, None, None, None]]
    result = run(db, clock, xlsx(tmp_path / "wu.xlsx", rows))
    assert [(e.row, e.column, e.value) for e in result.errors] == [(4, "邮箱", "无效邮箱")]  # not a placeholder
    got = {c.name: c for c in customers(db)}
    a, b = got["甲公司"], got["乙公司"]
    assert (a.phone, a.email, a.credit_code, a.level, a.stars, a.next_followup_on) == (None, None, None, "potential",
                                                                                         0, None)
    assert (b.phone, b.email, b.credit_code, b.level, b.stars, b.next_followup_on) == (None, None, None, "potential",
                                                                                         0, None)
    assert a.notes == "无"  # a text column keeps what was written
    assert [p.mobile for p in contacts_of(db, a.id) + contacts_of(db, b.id)] == [None, None]


def test_full_width_spaces_and_characters_are_normalised(tmp_path: Path, db: Any, clock: Any, boss: Any) -> None:
    rows = [["客户名称", "客户编号", "地区"], ["\u3000明达电子\u3000", "ＡＢ１２３", " 深圳\u3000"]]
    run(db, clock, xlsx(tmp_path / "w.xlsx", rows))
    [c] = customers(db)
    assert (c.name, c.code, c.region) == ("明达电子", "AB123", "深圳")


def test_formula_rows_are_refused_and_nothing_else_changes(tmp_path: Path, db: Any, clock: Any, boss: Any) -> None:
    rows = [["客户名称", "星级", "备注"], ["甲公司", 2, "ok"], ["乙公司", "=1+2", None], ["丙公司", 1, None]]
    result = run(db, clock, xlsx(tmp_path / "f.xlsx", rows))
    assert [(r, c) for r, c, _ in errors(result)] == [(3, "星级")]
    assert result.errors[0].value == "=1+2"
    assert "formula" in result.errors[0].message
    assert [c.name for c in customers(db)] == ["甲公司", "丙公司"]


def test_footer_and_blank_rows_are_ignored(tmp_path: Path, db: Any, clock: Any, boss: Any) -> None:
    rows = [["客户名称", "客户编号"], ["甲公司", "A1"], [None, None], ["乙公司", "A2"], [None, None],
            ["合计", "2"], ["制表人：张三"]]
    result = run(db, clock, xlsx(tmp_path / "ft.xlsx", rows))
    assert (result.created, result.errors, result.footer_rows) == (2, [], [6, 7])


def test_a_row_without_name_in_the_middle_is_an_error(tmp_path: Path, db: Any, clock: Any, boss: Any) -> None:
    rows = [["客户名称", "客户编号", "地区", "行业"], ["甲公司", "A1", "深圳", "电子"], [None, "A2", "广州", "贸易"],
            ["乙公司", "A3", None, None]]
    result = run(db, clock, xlsx(tmp_path / "m.xlsx", rows))
    assert [(r, c) for r, c, _ in errors(result)] == [(3, "客户名称")]
    assert [c.name for c in customers(db)] == ["甲公司", "乙公司"]


# ------------------------------------------------------------------------------- grouping and repeated rows


def test_contacts_on_consecutive_rows_and_repeated_company_rows_attach_to_one_customer(
        tmp_path: Path, db: Any, clock: Any, boss: Any) -> None:
    rows = [HEAD,
            ["明达电子", "C1", 13812345678, "张伟", "意向", None, None],
            [None, None, 13912345678, "李娜", None, None, None],  # merged company cell: continues row 2
            ["华信贸易", "C2", 13712345678, "王芳", None, None, None],
            ["明达电子", "C1", 13612345678, "赵敏", None, None, None]]  # company repeated later
    result = run(db, clock, xlsx(tmp_path / "g.xlsx", rows))
    assert (result.created, result.errors) == (2, [])
    a, b = customers(db)
    assert [(p.name, p.is_primary) for p in contacts_of(db, a.id)] == [("张伟", True), ("李娜", False),
                                                                      ("赵敏", False)]
    assert [p.name for p in contacts_of(db, b.id)] == ["王芳"]
    assert "13912345678" in a.search_text


def test_exact_repeat_and_reused_code_are_errors_naming_the_earlier_row(tmp_path: Path, db: Any, clock: Any,
                                                                        boss: Any) -> None:
    rows = [HEAD,
            ["明达电子", "C1", 13812345678, "张伟", "意向", None, None],
            ["华信贸易", "C2", 13712345678, "王芳", None, None, None],
            ["明达电子", "C1", 13812345678, "张伟", "意向", None, None],
            ["远航物流", "C1", 13612345678, "赵敏", None, None, None]]
    result = run(db, clock, xlsx(tmp_path / "r.xlsx", rows), on_duplicate="create")
    assert [(r, c, m.split(";")[0]) for r, c, m in errors(result)] == [
        (4, None, "repeats row 2 exactly"),
        (5, "客户编号", "code C1 is already used on row 2 for '明达电子'"),
    ]
    assert [c.name for c in customers(db)] == ["明达电子", "华信贸易"]


def test_rows_whose_signatures_share_a_hash_are_compared_in_full(tmp_path: Path, db: Any, clock: Any, boss: Any,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from crm_cli import importer

    monkeypatch.setattr(importer, "hash", lambda _signature: 0, raising=False)  # every row collides
    rows = [HEAD, ["明达电子", "C1", 13812345678, "张伟", "意向", None, None],
            ["华信贸易", "C2", 13712345678, "王芳", None, None, None],
            [" 明达电子", "C1", "13812345678", "张伟", "意向", None, None]]  # the same values once converted
    result = run(db, clock, xlsx(tmp_path / "h.xlsx", rows))
    assert [(r, m) for r, _c, m in errors(result)] == [(4, "repeats row 2 exactly; delete one of them")]
    assert [c.name for c in customers(db)] == ["明达电子", "华信贸易"]


def test_duplicates_within_the_file_follow_on_duplicate(tmp_path: Path, db: Any, clock: Any, boss: Any) -> None:
    rows = [["客户名称", "电话", "地区"], ["明达电子", "0755-1", "深圳"], ["明达电子", "0755-2", None]]
    path = xlsx(tmp_path / "d.xlsx", rows)
    result = run(db, clock, path, dry_run=True)
    assert (result.created, result.skipped) == (1, 1)
    assert result.duplicates == [{"row": 3, "duplicate_of_row": 2, "reason": "same name", "action": "skip"}]
    result = run(db, clock, path, on_duplicate="create")
    assert [(c.name, c.region) for c in customers(db)] == [("明达电子", "深圳"), ("明达电子", None)]


# ---------------------------------------------------------------------------------- database duplicates


def test_on_duplicate_skip_update_create_against_the_database(tmp_path: Path, db: Any, clock: Any,
                                                              make_customer: Any) -> None:
    existing = make_customer("明达电子", code="C1", region="深圳", phone="0755-1")
    path = xlsx(tmp_path / "u.xlsx", [["客户名称", "客户编号", "地区", "行业"], ["明达电子有限公司", "C1", "广州", "电子"],
                                      ["华信贸易", None, None, None]])
    result = run(db, clock, path)
    assert (result.created, result.skipped, result.updated) == (1, 1, 0)
    assert result.duplicates == [{"row": 2, "customer_id": existing.id, "reason": "same code", "action": "skip"}]
    result = run(db, clock, path, on_duplicate="update")
    assert (result.created, result.updated, result.skipped) == (0, 1, 1)  # 华信 matches by name, nothing to change
    c = customers(db)[0]
    assert (c.name, c.region, c.industry, c.phone) == ("明达电子有限公司", "广州", "电子", "0755-1")


def test_on_duplicate_create_imports_matches_by_name_but_never_a_taken_code(tmp_path: Path, db: Any, clock: Any,
                                                                           make_customer: Any) -> None:
    make_customer("明达电子", code="C1")
    path = xlsx(tmp_path / "c.xlsx", [["客户名称", "客户编号"], ["明达电子", "C2"], ["别的公司", "C1"]])
    result = run(db, clock, path, on_duplicate="create")
    assert result.created == 1
    assert [(r, m.split(";")[0]) for r, _c, m in errors(result)] == [(3, "code C1 already belongs to customer #1")]
    assert [c.code for c in customers(db)] == ["C1", "C2"]


def test_matching_uses_phone_and_email_keys(tmp_path: Path, db: Any, clock: Any, make_customer: Any) -> None:
    make_customer("Acme Ltd.", phone="+86 138 1234 5678")
    make_customer("Bluewave", email="Sales@Bluewave.example.com")
    path = xlsx(tmp_path / "k.xlsx", [["Company", "Phone", "E-mail"], ["ACME Limited", 13812345678, None],
                                      ["Blue Wave Inc", None, "sales@bluewave.example.com"]])
    result = run(db, clock, path, dry_run=True)
    assert [(d["row"], d["reason"]) for d in result.duplicates] == [(2, "same phone"), (3, "same e-mail")]


# ------------------------------------------------------------------------------------ dry run, json, errors


def test_dry_run_writes_nothing(tmp_path: Path, db: Any, clock: Any, boss: Any) -> None:
    path = xlsx(tmp_path / "a.xlsx", [HEAD, ["明达电子", "C1", 13812345678, "张伟", "意向", None, None],
                                      ["坏的", "C2", None, None, "高级", None, None]])
    result = run(db, clock, path, dry_run=True)
    assert (result.created, result.rows_read, len(result.errors), result.batch) == (1, 2, 1, None)
    assert customers(db) == []
    with db.read() as session:
        assert session.exec(select(func.count()).select_from(AuditEntry)).one() == 0


def test_cli_json_reports_counts_errors_and_batch(tmp_path: Path, cli: Any, db: Any) -> None:
    path = xlsx(tmp_path / "a.xlsx", [HEAD, ["明达电子", "C1", 13812345678, "张伟", "意向", None, None],
                                      ["坏的", "C2", None, None, "高级", None, None]])
    res = cli("import", str(path), "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert (data["created"], data["updated"], data["skipped"], data["batch"]) == (1, 0, 0, 1)
    assert data["errors"] == [{"row": 3, "column": "客户类别", "value": "高级", "message": data["errors"][0]["message"]}]
    assert [c.name for c in customers(db)] == ["明达电子"]


def test_refused_rows_go_to_an_errors_file_that_imports_again_once_fixed(tmp_path: Path, cli: Any, db: Any) -> None:
    path = xlsx(tmp_path / "a.xlsx", [HEAD, ["明达电子", "C1", 13812345678, "张伟", "意向", None, None],
                                      ["华信贸易", "007", 13912345678, "王芳", "高级", None, None]])
    assert cli("import", str(path)).exit_code == 0
    err = tmp_path / "a.errors.xlsx"
    ws = openpyxl.load_workbook(err).active
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0] == [*HEAD, "错误原因 / Error"]
    assert rows[1][:5] == ["华信贸易", "007", "13912345678", "王芳", "高级"]
    assert "unknown level" in rows[1][-1]
    ws.cell(row=2, column=5, value="重点")
    openpyxl.Workbook.save(ws.parent, err)
    res = cli("import", str(err), "--json")
    assert json.loads(res.stdout)["created"] == 1
    assert [(c.name, c.code, c.level) for c in customers(db)][1] == ("华信贸易", "007", "key")


def test_all_or_nothing_refuses_the_whole_file(tmp_path: Path, cli: Any, db: Any) -> None:
    path = xlsx(tmp_path / "a.xlsx", [HEAD, ["明达电子", "C1", None, None, None, None, None],
                                      ["坏的", "C2", None, None, "高级", None, None]])
    res = cli("import", str(path), "--all-or-nothing")
    assert res.exit_code == 1
    assert customers(db) == []


# ------------------------------------------------------------------------------- mapping and custom fields


def test_map_override_keep_unknown_and_saved_mapping(tmp_path: Path, cli: Any, db: Any) -> None:
    path = xlsx(tmp_path / "a.xlsx", [["单位", "号码", "客户名称", "微博"], ["甲乙丙", "13812345678", "x", "@jyb"]])
    res = cli("import", str(path), "--map", "单位=name", "--map", "号码=phone", "--map", "客户名称=ignore",
              "--keep-unknown", "--save-mapping", "weibo", "--json")
    assert res.exit_code == 0, res.output
    [c] = customers(db)
    assert (c.name, c.phone, c.custom) == ("甲乙丙", "13812345678", {"微博": "@jyb"})
    path2 = xlsx(tmp_path / "b.xlsx", [["单位", "号码", "客户名称", "微博"], ["丁戊", "13912345678", "y", "@dw"]])
    res = cli("import", str(path2), "--mapping", "weibo", "--json")
    assert json.loads(res.stdout)["created"] == 1
    assert (customers(db)[1].name, customers(db)[1].custom) == ("丁戊", {"微博": "@dw"})


def test_unknown_columns_are_listed_as_ignored(tmp_path: Path, db: Any, clock: Any, boss: Any) -> None:
    result = run(db, clock, xlsx(tmp_path / "a.xlsx", [["客户名称", "客户编号", "地区", "微博"], ["甲", "1", "x", "@a"]]))
    assert result.ignored_columns == ["微博"]
    assert customers(db)[0].custom is None


def test_a_sheet_without_a_name_column_is_refused(tmp_path: Path, cli: Any) -> None:
    path = xlsx(tmp_path / "a.xlsx", [["foo", "bar"], [1, 2]])
    res = cli("import", str(path))
    assert res.exit_code == 1
    assert "no header row" in res.stderr


def test_sheet_option_picks_the_sheet(tmp_path: Path, db: Any, clock: Any, boss: Any) -> None:
    path = tmp_path / "two.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["说明"])
    ws = wb.create_sheet("名单")
    ws.append(["客户名称", "地区", "行业"])
    ws.append(["甲", "深圳", "电子"])
    wb.save(path)
    run(db, clock, path, sheet="名单")
    assert [c.name for c in customers(db)] == ["甲"]


def test_without_sheet_a_cover_sheet_is_passed_over_for_the_sheet_with_customers(tmp_path: Path, cli: Any,
                                                                                 db: Any) -> None:
    path = tmp_path / "cover.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.active.append(["请在第二个工作表填写客户，每行一家公司"])
    ws = wb.create_sheet("名单")
    ws.append(["客户名称", "手机"])
    ws.append(["甲公司", 13800000000])
    wb.create_sheet("备用").append(["备注"])
    wb.save(path)
    res = cli("import", str(path), "--json")
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)["sheet"] == "名单"
    assert [c.name for c in customers(db)] == ["甲公司"]
    with db.read() as session:
        assert [b.sheet for b in session.exec(select(ImportBatch))] == ["名单"]


def test_no_sheet_with_customers_names_every_sheet_and_suggests_sheet(tmp_path: Path, cli: Any, db: Any) -> None:
    path = tmp_path / "none.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.active.append(["请填写"])
    wb.create_sheet("统计").append(["月份", "金额"])
    wb.save(path)
    res = cli("import", str(path))
    assert res.exit_code == 1
    message = " ".join(res.stderr.split())
    assert "sheet 说明: no header row" in message and "(sheets: 说明, 统计); pick one with --sheet NAME" in message
    assert customers(db) == []


def test_follow_up_columns_create_a_follow_up(tmp_path: Path, db: Any, clock: Any, boss: Any) -> None:
    rows = [["客户名称", "跟进时间", "跟进方式", "跟进内容", "下次跟进日期"],
            ["甲", "2026-11-20 15:30", "电话", "聊了报价", "2026-12-01"],
            ["乙", "2027-01-01", "电话", "未来的", None]]
    result = run(db, clock, xlsx(tmp_path / "f.xlsx", rows))
    assert [(r, m.split(":")[0]) for r, _c, m in errors(result)] == [(3, "the follow-up time is in the future")]
    assert result.created == 1
    [c] = customers(db)
    with db.read() as session:
        [f] = session.exec(select(FollowUp)).all()
    assert (f.method, f.content, f.next_on, f.at) == ("phone", "聊了报价", date(2026, 12, 1),
                                                      datetime(2026, 11, 20, 7, 30, tzinfo=f.at.tzinfo))
    assert (c.last_followup_at, c.next_followup_on) == (f.at, date(2026, 12, 1))


# ------------------------------------------------------------------------------------------------ owners


def test_an_unknown_owner_is_a_row_error_under_its_header_that_says_how_to_import_without_owners(
        tmp_path: Path, cli: Any, db: Any) -> None:
    path = xlsx(tmp_path / "o.xlsx", [["客户名称", "负责人"], ["甲公司", "wang.fang"], ["乙公司", None]])
    res = cli("import", str(path), "--json")
    data = json.loads(res.stdout)
    [error] = data["errors"]
    assert (error["row"], error["column"], error["value"]) == (2, "负责人", "wang.fang")
    assert "crm user add wang.fang" in error["message"] and "--map '负责人=ignore'" in error["message"]
    assert [c.name for c in customers(db)] == ["乙公司"]
    res = cli("import", str(path), "--map", "负责人=ignore", "--owner", "boss", "--json")
    assert json.loads(res.stdout)["created"] == 1, res.stderr  # 甲公司; 乙公司 is already there (skipped)
    assert sorted(c.name for c in customers(db)) == ["乙公司", "甲公司"]


def test_a_long_error_list_ends_with_its_most_common_reasons(tmp_path: Path, cli: Any, db: Any) -> None:
    rows = [["客户名称", "负责人", "星级"]] + [[f"公司{i}", "ghost" if i % 3 else None, 9 if i % 3 == 0 else 1]
                                             for i in range(90)]
    res = cli("import", str(xlsx(tmp_path / "many.xlsx", rows)))
    text = " ".join(res.stderr.split())
    assert "90 rows refused" in text and "… and 40 more; the most common:" in text
    assert "60 × 负责人: no user 'ghost'" in text and "30 × 星级: stars must be from 0 to 5, not 9" in text


def test_round_robin_owner_and_pool(tmp_path: Path, db: Any, clock: Any, make_user: Any) -> None:
    make_user()
    make_user("wang", role="rep")
    make_user("li", role="rep")
    rows = [["客户名称", "地区", "行业"], ["A", "x", "y"], ["B", "x", "y"], ["C", "x", "y"]]
    run(db, clock, xlsx(tmp_path / "a.xlsx", rows), round_robin=["wang", "li"])
    from crm_cli.customers import usernames

    with db.read() as session:
        got = customers(db)
        names = usernames(session, {c.owner_id for c in got})
    assert [names[c.owner_id] for c in got] == ["wang", "li", "wang"]
    run(db, clock, xlsx(tmp_path / "b.xlsx", [["客户名称", "地区", "行业"], ["D", "x", "y"]]), pool=True)
    assert customers(db)[-1].owner_id is None


def test_round_robin_respects_an_owner_cap(tmp_path: Path, db: Any, clock: Any, make_user: Any,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from crm_cli import importer

    make_user()
    wang = make_user("wang", role="rep")
    make_user("li", role="rep")
    monkeypatch.setattr(importer, "OWNER_CAPS", [lambda session, uid: 1 if uid == wang.id else None])
    rows = [["客户名称", "地区", "行业"], ["A", "x", "y"], ["B", "x", "y"], ["C", "x", "y"]]
    result = run(db, clock, xlsx(tmp_path / "a.xlsx", rows), round_robin=["wang", "li"])
    assert result.created == 3
    assert [c.owner_id == wang.id for c in customers(db)] == [True, False, False]


def test_round_robin_skips_a_rep_at_the_pools_cap_but_an_explicit_owner_is_not_capped(
        tmp_path: Path, db: Any, clock: Any, make_user: Any, make_customer: Any) -> None:
    from crm_cli.settings import set_setting

    make_user()
    wang = make_user("wang", role="rep")
    li = make_user("li", role="rep")
    make_customer("Owned by wang", owner="wang")
    with db.write() as session:
        set_setting(session, "pool.max_owned", 2)
    rows = [["客户名称", "地区", "行业"], ["A", "x", "y"], ["B", "x", "y"], ["C", "x", "y"], ["D", "x", "y"]]
    result = run(db, clock, xlsx(tmp_path / "a.xlsx", rows), round_robin=["wang", "li"])
    assert result.created == 3 and len(result.errors) == 1
    assert "cap" in result.errors[0].message
    owners = {c.name: c.owner_id for c in customers(db)}
    assert [owners[n] for n in "ABC"] == [wang.id, li.id, li.id]
    assert "D" not in owners
    result = run(db, clock, xlsx(tmp_path / "b.xlsx", [["客户名称", "地区", "行业"], ["E", "x", "y"]]), owner="wang")
    assert result.created == 1


def test_a_rep_cannot_import_for_someone_else(tmp_path: Path, cli: Any, make_user: Any) -> None:
    make_user()
    make_user("wang", role="rep")
    make_user("li", role="rep")
    path = xlsx(tmp_path / "a.xlsx", [["客户名称", "地区", "行业"], ["A", "x", "y"]])
    res = cli("import", str(path), "--owner", "li", user="wang")
    assert res.exit_code == 4


# --------------------------------------------------------------------------------------------------- undo


def test_undo_removes_created_and_reverts_updated(tmp_path: Path, cli: Any, db: Any, make_customer: Any) -> None:
    old = make_customer("明达电子", code="C1", region="深圳")
    path = xlsx(tmp_path / "a.xlsx", [HEAD, ["明达电子", "C1", 13812345678, "张伟", "重点", None, None],
                                      ["华信贸易", "C2", 13912345678, "王芳", None, None, None]])
    res = cli("import", str(path), "--on-duplicate", "update", "--json")
    batch = json.loads(res.stdout)["batch"]
    assert [(c.code, c.level) for c in customers(db)] == [("C1", "key"), ("C2", "potential")]
    res = cli("import", "undo", str(batch))
    assert res.exit_code == 0, res.output
    # the created customer goes; the updated one is reverted; both rows' contacts go (counts in the right number)
    assert "1 customer removed, 1 reverted, 2 contacts and 0 follow-ups removed" in " ".join(res.stderr.split())
    [c] = customers(db)
    assert (c.id, c.level, c.region, contacts_of(db, c.id)) == (old.id, old.level, "深圳", [])
    assert "华信" not in c.search_text
    listing = cli("import", "list", "--json")
    assert json.loads(listing.stdout)[0]["undone"] is not None
    assert cli("import", "undo", str(batch)).exit_code == 4


def owner_rows(db: Any) -> dict[int, tuple[Any, ...]]:
    from crm_cli.db.models import CustomerOwner

    with db.read() as session:
        return {o.customer_id: (o.owner_id, o.owned_since, o.last_followup_at)
                for o in session.exec(select(CustomerOwner))}


def test_an_update_with_a_newer_follow_up_moves_the_clock_and_undo_puts_it_back(
        tmp_path: Path, db: Any, clock: Any, make_user: Any, make_customer: Any) -> None:
    from crm_cli import importer
    from crm_cli.users import get_user

    wang = make_user("wang", role="rep")
    old = make_customer("明达电子", code="C1", owner="wang")
    earlier = datetime(2026, 11, 2, 1, 0, tzinfo=clock.now.tzinfo)
    with db.write() as session:
        session.get(Customer, old.id).last_followup_at = earlier
    before = owner_rows(db)[old.id]
    assert before[0] == wang.id and before[1] is not None and before[2] == earlier
    rows = [["客户名称", "客户编号", "跟进时间", "跟进内容"], ["明达电子", "C1", "2026-11-20 15:30", "回访"],
            ["华信贸易", "C2", None, None]]
    result = run(db, clock, xlsx(tmp_path / "u.xlsx", rows), on_duplicate="update")
    assert (result.created, result.updated) == (1, 1)
    after = owner_rows(db)
    assert sorted(after) == [c.id for c in customers(db)]  # every customer, the new one too, has its row
    assert after[old.id] == (wang.id, before[1], datetime(2026, 11, 20, 7, 30, tzinfo=clock.now.tzinfo))
    with db.write() as session:
        undone = importer.undo_batch(session, user=get_user(session, "boss"), clock=clock, batch_id=result.batch)
    assert (undone.deleted, undone.reverted) == (1, 1)
    assert owner_rows(db) == {old.id: before}  # the created customer's row is gone, the clock is back


def test_an_update_with_an_older_follow_up_leaves_the_clock(tmp_path: Path, db: Any, clock: Any,
                                                            make_customer: Any) -> None:
    old = make_customer("明达电子", code="C1")
    later = datetime(2026, 11, 21, 1, 0, tzinfo=clock.now.tzinfo)
    with db.write() as session:
        session.get(Customer, old.id).last_followup_at = later
    rows = [["客户名称", "客户编号", "跟进时间", "跟进内容"], ["明达电子", "C1", "2026-10-20 15:30", "旧的回访"]]
    result = run(db, clock, xlsx(tmp_path / "u.xlsx", rows), on_duplicate="update")
    assert (result.updated, result.followups_created) == (1, 1)
    assert owner_rows(db)[old.id][2] == later


def test_the_cap_counts_live_customers_through_their_owner_rows(tmp_path: Path, db: Any, clock: Any,
                                                                 make_user: Any, make_customer: Any) -> None:
    from sqlalchemy import text

    from crm_cli.settings import set_setting

    make_user()
    wang = make_user("wang", role="rep")
    li = make_user("li", role="rep")
    make_customer("甲", owner="wang")
    gone = make_customer("乙", owner="wang")
    make_customer("丙", owner="li")
    with db.write() as session:
        set_setting(session, "pool.max_owned", 2)
        session.execute(text("UPDATE customers SET deleted_at = created_at WHERE id = :id"), {"id": gone.id})
    rows = [["客户名称", "地区", "行业"], ["A", "x", "y"], ["B", "x", "y"], ["C", "x", "y"]]
    result = run(db, clock, xlsx(tmp_path / "a.xlsx", rows), round_robin=["wang", "li"])
    assert result.created == 2 and len(result.errors) == 1  # wang has room for one, li for one
    owners = {c.name: c.owner_id for c in customers(db)}
    assert [owners.get(n) for n in "ABC"] == [wang.id, li.id, None]


def test_undo_refuses_records_changed_since_and_lists_them(tmp_path: Path, cli: Any, db: Any) -> None:
    path = xlsx(tmp_path / "a.xlsx", [["客户名称", "客户编号", "地区"], ["甲", "C1", "x"], ["乙", "C2", "y"]])
    batch = json.loads(cli("import", str(path), "--json").stdout)["batch"]
    assert cli("customer", "edit", "C1", "--region", "深圳").exit_code == 0
    res = cli("import", "undo", str(batch))
    assert res.exit_code == 4
    assert "#1 甲" in res.stderr
    assert len(customers(db)) == 2
    res = cli("import", "undo", str(batch), "--keep-changed")
    assert res.exit_code == 0
    assert [c.name for c in customers(db)] == ["甲"]


# ---------------------------------------------------------------------------------------- hostile files


def test_xls_and_non_workbooks_get_a_clear_error(tmp_path: Path, cli: Any) -> None:
    xls = tmp_path / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    fake = tmp_path / "fake.xlsx"
    fake.write_text("hello")
    for path, words in ((xls, "old .xls"), (fake, "not an Excel workbook")):
        res = cli("import", str(path))
        assert res.exit_code == 1
        assert words in res.stderr


def test_truncated_workbook_gets_a_clear_error(tmp_path: Path, cli: Any) -> None:
    good = xlsx(tmp_path / "good.xlsx", [["客户名称"], ["甲"]])
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(good.read_bytes()[:700])
    res = cli("import", str(cut))
    assert res.exit_code == 1
    assert "damaged or truncated" in res.stderr


def test_zip_bomb_is_refused_before_parsing(tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from crm_cli.sheets import reader

    monkeypatch.setattr(reader, "RATIO_FLOOR", 1000)
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", "<" + "a" * 2_000_000 + ">")
    res = cli("import", str(bomb))
    assert res.exit_code == 1
    assert "zip bomb" in res.stderr


def test_a_wrong_dimension_tag_does_not_hide_rows(tmp_path: Path, db: Any, clock: Any, boss: Any) -> None:
    good = xlsx(tmp_path / "g.xlsx", [["客户名称", "地区", "行业"]] + [[f"公司{i}", "x", "y"] for i in range(50)])
    lying = tmp_path / "lying.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(lying, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<dimension ref="A1:C51"', b'<dimension ref="A1:A1"')
                assert b'ref="A1:A1"' in data
            dst.writestr(item, data)
    result = run(db, clock, lying)
    assert result.created == 50


def test_csv_in_gb18030_with_semicolons_imports(tmp_path: Path, db: Any, clock: Any, boss: Any) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes("客户名称;手机;联系人\n明达电子;013812345678;张伟\n".encode("gb18030"))
    run(db, clock, path)
    [c] = customers(db)
    assert (c.name, contacts_of(db, c.id)[0].mobile) == ("明达电子", "013812345678")


# ------------------------------------------------------------------------------------------------ template


def test_template_has_dropdowns_example_and_instructions_and_imports(tmp_path: Path, cli: Any, db: Any) -> None:
    path = tmp_path / "t.xlsx"
    assert cli("import", "template", str(path), "--lang", "zh").exit_code == 0
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["客户", "说明"]
    ws = wb["客户"]
    formulas = sorted(dv.formula1 for dv in ws.data_validations.dataValidation)
    assert '"潜在,意向,重点,成交,无效"' in formulas
    res = cli("import", str(path), "--json")
    assert json.loads(res.stdout)["created"] == 1
    [c] = customers(db)
    assert (c.name, c.level, c.credit_code) == ("深圳市明达电子科技有限公司", "intent", CREDIT)


def test_big_imports_fill_the_search_index_in_bulk_and_keep_its_trigger(
        tmp_path: Path, db: Any, clock: Any, boss: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy import text

    from crm_cli.customers import CustomerQuery, list_customers
    from crm_cli.db import search

    monkeypatch.setattr(search, "BULK_INDEX_THRESHOLD", 0)
    run(db, clock, xlsx(tmp_path / "a.xlsx", [["客户名称", "手机", "联系人"], ["深圳明达电子", 13812345678, "张伟"],
                                              ["广州华信贸易", 13912345678, "李娜"]]))
    with db.write() as session:
        found = list_customers(session, CustomerQuery(search="华信贸"), user=boss, clock=clock)
        by_mobile = list_customers(session, CustomerQuery(search="13812345678"), user=boss, clock=clock)
        assert session.execute(text("SELECT count(*) FROM sqlite_master WHERE name = 'customers_fts_ai'")).scalar() == 1
    assert [c.name for c in found] == ["广州华信贸易"]
    assert [c.name for c in by_mobile] == ["深圳明达电子"]
    from crm_cli.customers import add_customer

    with db.write() as session:  # the trigger is back: a customer added later is found too
        add_customer(session, user=boss, clock=clock, data={"name": "杭州远航物流"})
    with db.read() as session:
        assert [c.name for c in list_customers(session, CustomerQuery(search="远航物"), user=boss, clock=clock)] == [
            "杭州远航物流"]


def test_imported_customers_are_found_by_the_fuzzy_entry_check(tmp_path: Path, cli: Any) -> None:
    path = xlsx(tmp_path / "fuzzy.xlsx", [["客户名称", "电话"], ["深圳市明达电子科技有限公司", "0755-86001234"]])
    assert cli("import", str(path)).exit_code == 0
    added = cli("customer", "add", "明达电子科技（深圳）有限公司")
    assert added.exit_code == 4, added.stderr
    assert "深圳市明达电子科技有限公司" in added.stderr
    assert cli("import", "undo", "1").exit_code == 0
    again = cli("customer", "add", "明达电子科技（深圳）有限公司")
    assert again.exit_code == 0, again.stderr  # the undone import left no tokens behind


def test_same_name_in_other_cities_is_not_a_duplicate(tmp_path: Path, db: Any, clock: Any, boss: Any) -> None:
    rows = [["客户名称", "电话"], ["深圳市明达电子科技有限公司", "0755-86001234"],
            ["广州市明达电子科技有限公司", "020-86001234"], ["明达电子科技（深圳）有限公司", "0755-86001235"]]
    result = run(db, clock, xlsx(tmp_path / "c.xlsx", rows))
    assert (result.created, result.skipped) == (2, 1)
    assert result.duplicates == [{"row": 4, "duplicate_of_row": 2, "reason": "same name", "action": "skip"}]


def _tokens(db: Any) -> set[tuple[str, int]]:
    from crm_cli.db.tokens import all_docs
    from crm_cli.dedupe_keys import term_token

    with db.read() as session:
        docs = all_docs(session.connection())
    return {(term_token(term), cid) for cid, terms in docs.items() for term in terms.split()}


def test_import_writes_the_blocking_tokens_that_index_ids_would(tmp_path: Path, db: Any, clock: Any,
                                                               make_customer: Any) -> None:
    from crm_cli.dedupe import index_ids

    make_customer("明达电子", code="C1", phone="0755-1234567")
    rows = [["客户名称", "客户编号", "电话", "邮箱", "地址", "联系人", "手机"],
            ["明达电子有限公司", "C1", "0755-86001234 / 13812345678", "info@mingda.example.com", "深圳市南山区科技园1号",
             None, None],  # updates C1: two phones, a company e-mail, an address
            ["广州華信貿易有限公司", "C2", "+852 6096 1075", None, None, "张伟", 13912345678],
            [None, None, None, None, None, "李娜", 13712345678],  # a second contact row of 華信
            ["广州華信貿易有限公司", None, "020-86001234", "sales@huaxin.example.com", None, None, None],  # updates it
            ["ACME Widgets, Inc.", None, "(650) 253-0000 ext 12", "Sales@Acme.example.com", "1 Main St", None, None]]
    result = run(db, clock, xlsx(tmp_path / "t.xlsx", rows), on_duplicate="update")
    assert (result.created, result.updated, result.errors) == (2, 1, [])
    imported = _tokens(db)
    assert ("t:+8675586001234", 1) in imported and ("t:+8613812345678", 1) in imported
    with db.write() as session:
        index_ids(session, [c.id for c in customers(db)])
    assert imported == _tokens(db)


def test_import_keys_use_the_phone_region_setting(tmp_path: Path, db: Any, clock: Any, boss: Any) -> None:
    from crm_cli.dedupe import index_ids
    from crm_cli.settings import set_setting

    with db.write() as session:
        set_setting(session, "dedupe.phone_region", "US")
    run(db, clock, xlsx(tmp_path / "us.xlsx", [["Company", "Phone"], ["Acme", "650-253-0000"]]))
    [c] = customers(db)
    assert c.phone_key == "+16502530000"
    imported = _tokens(db)
    with db.write() as session:
        index_ids(session, [c.id])
    assert imported == _tokens(db)


def test_a_key_shared_by_several_customers_matches_the_oldest(tmp_path: Path, db: Any, clock: Any,
                                                              make_customer: Any) -> None:
    first = make_customer("明达电子", phone="0755-86001234")
    make_customer("华信贸易", phone="0755 8600 1234")
    make_customer("远航物流", phone="075586001234")
    result = run(db, clock, xlsx(tmp_path / "p.xlsx", [["客户名称", "电话"], ["新公司", "(0755) 86001234"]]),
                 dry_run=True)
    assert result.duplicates == [{"row": 2, "customer_id": first.id, "reason": "same phone", "action": "skip"}]


def test_a_big_import_written_in_chunks_gets_every_row_and_undoes(tmp_path: Path, db: Any, clock: Any,
                                                                  make_customer: Any,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from crm_cli import importer
    from crm_cli.users import get_user

    monkeypatch.setattr(importer, "WRITE_CHUNK", 2)
    make_customer("明达电子", code="C1")
    rows = [["客户名称", "客户编号", "联系人", "手机", "跟进内容"], ["明达电子", "C1", "王强", 13612345678, "回访"]]
    rows += [[f"公司{i}", f"N{i}", f"联系人{i}", 13812345000 + i, f"第{i}次拜访"] for i in range(5)]
    result = run(db, clock, xlsx(tmp_path / "n.xlsx", rows), on_duplicate="update")
    assert (result.created, result.updated, result.contacts_created, result.followups_created) == (5, 1, 6, 6)
    assert [(c.code, [p.name for p in contacts_of(db, c.id)]) for c in customers(db)] == [
        ("C1", ["王强"]), *[(f"N{i}", [f"联系人{i}"]) for i in range(5)]]
    with db.read() as session:
        assert session.exec(select(func.count()).select_from(FollowUp)).one() == 6
        assert session.exec(select(func.count()).select_from(AuditEntry)).one() == 1 + 5 + 3  # add, 5 new, C1 + 2
    with db.write() as session:
        undone = importer.undo_batch(session, user=get_user(session, "boss"), clock=clock, batch_id=result.batch)
    # every contact and follow-up the batch created is removed and counted: the new customers' and C1's
    assert (undone.deleted, undone.reverted, undone.contacts_deleted, undone.followups_deleted) == (5, 1, 6, 6)
    assert [(c.code, contacts_of(db, c.id)) for c in customers(db)] == [("C1", [])]


def test_json_columns_are_stored_as_readable_utf8_by_the_orm_and_the_bulk_path(tmp_path: Path, db: Any, clock: Any,
                                                                                db_path: Path, make_customer: Any) -> None:
    import sqlite3

    make_customer("明达电子")  # ORM: its audit row
    run(db, clock, xlsx(tmp_path / "b.xlsx", [["客户名称", "等级说明"], ["华信贸易", "重要"]]), keep_unknown=True)
    con = sqlite3.connect(db_path)
    try:
        audit = [r[0] for r in con.execute("SELECT changes FROM audit_log ORDER BY id")]
        [custom] = [r[0] for r in con.execute("SELECT custom FROM customers WHERE name = '华信贸易'")]
    finally:
        con.close()
    assert "明达电子" in audit[0] and any("华信贸易" in a for a in audit[1:])
    assert custom == '{"等级说明": "重要"}'
    assert not any("\\u" in a for a in audit)
