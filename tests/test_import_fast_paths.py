"""The bulk import's fast paths write exactly what the plain paths write: every table row for row, the schema and
the planner statistics, on a sheet full of traps (contacts on following rows, repeated companies, follow-ups,
duplicates within the file and against the database, odd phones, Traditional Chinese, Latin names, custom
columns, refused rows)."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from crm_cli.dates import Clock

CLOCK_NOW = datetime(2026, 11, 23, 2, 0, 7, 123456)
HEADERS = ["客户名称", "客户编号", "电话", "邮箱", "地址", "统一社会信用代码", "地区", "客户类别", "星级", "联系人", "手机",
           "职务", "联系人邮箱", "生日", "跟进时间", "跟进方式", "跟进内容", "下次跟进日期", "负责人", "微信", "自定义列"]
CREDIT = "91440300MA5DC9QX92"


def tricky_rows() -> list[list[Any]]:
    rows: list[list[Any]] = [
        ["深圳市明达电子科技有限公司", "C1", "0755-86001234 / 13812345678", "Info@MingDa.example.com", "深圳市南山区科技园1号",
         CREDIT, "深圳", "意向", 3, "张伟", 13812345678, "经理", "zw@mingda.example.com", 30000, 46300.5, "电话",
         "聊了报价", 46400, "wang", "zw_wx", "甲"],
        [None, None, None, None, None, None, None, None, None, "李娜", "13912345678", None, None, None, None, None,
         None, None, None, None, None],  # a second contact of 明达 (merged company cell)
        ["广州華信貿易有限公司", "C2", "+852 6096 1075", None, "广州市天河区体育西路１０１号　", None, "广州", "重点", 5,
         "王芳", 13712345678, None, None, "1990-05-06", None, None, None, "2026/12/05", None, None, "乙"],
        ["ACME Widgets, Inc.", None, "(650) 253-0000 ext 12", "Sales@Acme.example.com", "1 Main St", None, None,
         "potential", 0, "John Smith", "+1 650 253 0001", "CEO", None, None, "2026-11-01 09:30", "visit", "Met at fair",
         None, "pool", None, None],
        ["明达电子科技（深圳）有限公司", "C3", "075586001234", None, None, None, None, None, None, None, None, None, None,
         None, None, None, None, None, None, None, None],  # the same name as row 2 in the file
        ["广州华信贸易有限公司", None, "020-86001234", "sales@huaxin.example.com", None, None, None, None, None, "赵敏",
         13612345678, None, None, None, None, None, None, None, None, None, None],  # same as 華信 once simplified
        ["深圳市明达电子科技有限公司", "C1", None, None, None, None, None, None, None, "周强", 13512345678, None, None,
         None, "2026-10-01", "微信", "发了资料", None, None, None, None],  # company repeated later: adds a contact
        ["杭州远航物流", "C4", "0571 8888 0000", "ops@yuanhang.cn", "杭州市西湖区文三路 90 号 5 楼 501 室", None, "杭州", "成交",
         4, None, None, None, None, None, None, None, None, None, "li", None, None],
        ["坏星级公司", "C5", None, None, None, None, None, None, 9, None, None, None, None, None, None, None, None,
         None, None, None, None],  # refused: stars out of range
        ["未来公司", "C6", None, None, None, None, None, None, None, None, None, None, None, None, "2099-01-01", "电话",
         "还没发生", None, None, None, None],  # refused: a follow-up in the future
        ["老客户有限公司", None, "010-66668888", None, None, None, None, None, None, None, None, None, None, None, None,
         None, None, None, None, None, None],  # the same phone as a customer already in the database
        ["杭州远航物流", "C4", "0571 8888 0000", "ops@yuanhang.cn", "杭州市西湖区文三路 90 号 5 楼 501 室", None, "杭州", "成交",
         4, None, None, None, None, None, None, None, None, None, "li", None, None],  # repeats row 9 exactly
    ]
    for i in range(40):  # plain rows, some sharing e-mail domains and phones
        rows.append([f"{'东西南北'[i % 4]}方{i}号实业有限公司", f"N{i:03d}", f"0{20 + i % 7}-8{i:07d}",
                     f"user{i}@corp{i % 3}.example.com", f"上海市浦东新区张江路{i}号", None, None, None, i % 6,
                     f"联系人{i}", 13800000000 + i, None, None, None, None, None, None, None, None, None, None])
    return [HEADERS, *rows]


def xlsx(path: Path, rows: list[list[Any]]) -> Path:
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    wb.save(path)
    return path


def prepared_db(path: Path) -> Any:
    """A database with three users, two customers (one with a contact and tokens) and planner statistics."""
    from crm_cli.contacts import add_contact
    from crm_cli.customers import add_customer
    from crm_cli.db.engine import Database
    from crm_cli.db.models import User
    from crm_cli.users import add_user

    clock = Clock(datetime(2026, 11, 1, 1, 0))
    database = Database(path)
    with database.write() as session:
        boss = User(username="boss", display_name="Boss", role="admin", created_at=clock.now)
        session.add(boss)
        session.flush()
        add_user(session, actor=boss, clock=clock, username="wang", role="rep")
        add_user(session, actor=boss, clock=clock, username="li", role="rep")
        old = add_customer(session, user=boss, clock=clock, data={"name": "老客户有限公司", "phone": "010-66668888"})
        add_contact(session, user=boss, clock=clock, customer=old, data={"name": "钱七", "mobile": "13300000000"})
        add_customer(session, user=boss, clock=clock, data={"name": "另一家公司", "code": "X9"})
    database.analyze()
    return database


def run_import(database: Any, sheet: Path, **options: Any) -> Any:
    from crm_cli import importer
    from crm_cli.users import get_user

    source = importer.read_source(sheet)
    with database.write() as session:
        return importer.import_source(session, user=get_user(session, "boss"), clock=Clock(CLOCK_NOW),
                                      source=source, options=importer.ImportOptions(**options))


def dump(path: Path) -> dict[str, Any]:
    """Every table's rows in rowid order (sqlite_stat1 by index), and the schema without root pages."""
    con = sqlite3.connect(path)
    try:
        out: dict[str, Any] = {"schema": con.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").fetchall()}
        for name, sql in con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall():
            if name == "sqlite_stat1":
                order = "tbl, idx"
            elif name.startswith("sqlite_"):
                continue
            else:
                order = "1" if "WITHOUT ROWID" in (sql or "").upper() else "rowid"
            out[name] = con.execute(f'SELECT * FROM "{name}" ORDER BY {order}').fetchall()
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return out
    finally:
        con.close()


def differences(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    return [name for name in sorted(set(a) | set(b)) if a.get(name) != b.get(name)]


def imported(tmp_path: Path, name: str, **options: Any) -> tuple[Any, dict[str, Any]]:
    sheet = tmp_path / "tricky.xlsx"
    if not sheet.exists():
        xlsx(sheet, tricky_rows())
    database = prepared_db(tmp_path / name)
    result = run_import(database, sheet, **options)
    database.dispose()
    return result, dump(tmp_path / name)


@pytest.fixture
def spy_aside(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    from crm_cli.db import bulkimport

    calls: list[list[str]] = []
    real = bulkimport.indexes_set_aside

    def spy(session: Any, tables: Any) -> Any:
        calls.append(sorted(t.name for t in tables))
        return real(session, tables)

    monkeypatch.setattr(bulkimport, "indexes_set_aside", spy)
    return calls


@pytest.mark.parametrize("on_duplicate", ["create", "skip"])
def test_setting_indexes_aside_writes_exactly_what_the_plain_inserts_write(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spy_aside: list[list[str]], on_duplicate: str) -> None:
    from crm_cli import importer
    from crm_cli.db import search

    monkeypatch.setattr(search, "BULK_INDEX_THRESHOLD", 0)
    monkeypatch.setattr(importer, "REBUILD_INDEXES_MIN", 10**9)
    plain_result, plain = imported(tmp_path, "plain.db", on_duplicate=on_duplicate, keep_unknown=True)
    assert spy_aside == []
    monkeypatch.setattr(importer, "REBUILD_INDEXES_MIN", 0)
    fast_result, fast = imported(tmp_path, "fast.db", on_duplicate=on_duplicate, keep_unknown=True)
    assert spy_aside == [["audit_log", "contacts", "customer_owners", "customers", "followups"]]
    assert plain_result.as_dict() == fast_result.as_dict()
    assert (fast_result.created, len(fast_result.errors)) == (47 if on_duplicate == "create" else 44, 3)
    assert any(r[1] == "ix_customers_name_key" for r in fast["sqlite_stat1"])  # statistics kept
    assert differences(plain, fast) == []


def test_a_failed_import_with_indexes_set_aside_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                spy_aside: list[list[str]]) -> None:
    from crm_cli import importer
    from crm_cli.db import bulkimport

    monkeypatch.setattr(importer, "REBUILD_INDEXES_MIN", 0)
    database = prepared_db(tmp_path / "f.db")
    database.dispose()
    before = dump(tmp_path / "f.db")

    def boom(*_a: Any, **_k: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(bulkimport, "replace_tokens", boom)
    with pytest.raises(RuntimeError):
        run_import(database, xlsx(tmp_path / "f.xlsx", tricky_rows()), on_duplicate="create")
    database.dispose()
    assert spy_aside
    assert differences(before, dump(tmp_path / "f.db")) == []


def test_the_sheet_covers_its_traps(tmp_path: Path) -> None:
    result, data = imported(tmp_path, "t.db", on_duplicate="create", keep_unknown=True)
    assert [(e.row, e.column) for e in result.errors] == [(10, "星级"), (11, None), (13, None)]
    assert [(d["row"], d["reason"]) for d in result.duplicates] == [(6, "same name"), (7, "same name"),
                                                                    (12, "same phone")]
    assert len(data["customers"]) == 2 + 47 and len(data["contacts"]) == 1 + 6 + 40 and len(data["followups"]) == 3
    assert {r[2] for r in data["customers"]} >= {"广州華信貿易有限公司", "ACME Widgets, Inc.", "明达电子科技(深圳)有限公司"}


def test_every_imported_customer_gets_its_owner_row_with_owner_clock_and_follow_up(tmp_path: Path) -> None:
    result, data = imported(tmp_path, "o.db", on_duplicate="create")
    con = sqlite3.connect(tmp_path / "o.db")
    rows = {name: row for name, *row in con.execute(
        "SELECT c.name, u.username, o.owned_since, o.last_followup_at, "
        "(SELECT max(f.at) FROM followups f WHERE f.customer_id = c.id) FROM customers c "
        "JOIN customer_owners o ON o.customer_id = c.id LEFT JOIN users u ON u.id = o.owner_id")}
    con.close()
    assert sorted(r[0] for r in data["customer_owners"]) == sorted(r[0] for r in data["customers"])
    stamp = "2026-11-23 02:00:07.123456"
    mingda, acme = rows["深圳市明达电子科技有限公司"], rows["ACME Widgets, Inc."]
    assert mingda[:2] == ["wang", stamp] and mingda[2] == mingda[3] is not None  # the latest of its 2 follow-ups
    assert acme[:2] == [None, None] and acme[2] == acme[3] is not None  # "pool" in the owner column
    assert rows["杭州远航物流"] == ["li", stamp, None, None]
    assert rows["东方0号实业有限公司"] == ["boss", stamp, None, None]  # no owner in the row: the importer


def _search_text_reference(*parts: Any) -> str:
    """build_search_text as it was written before its ASCII fast path."""
    import unicodedata

    out: list[str] = []
    for part in parts:
        if not part:
            continue
        value = unicodedata.normalize("NFKC", str(part)).strip().lower()
        out.append(value)
        digits = "".join(ch for ch in value if ch.isdigit())
        if len(digits) >= 5 and digits != value:
            out.append(digits)
    return "\n".join(out)


def test_search_text_fast_path_equals_the_plain_normalisation() -> None:
    import random

    from crm_cli.db.search import build_search_text

    tricky = ["  ACME Widgets, Inc. ", "0755-86001234 / 13812345678", "１３８１２３４５６７８", "Ｓａｌｅｓ＠ＡＣＭＥ.com",
              "深圳市明达电子科技有限公司", "\u3000张伟\u3000", "①②③④⑤⑥", "x²³⁴⁵⁶", "፩፪፫፬፭ ethiopic", "١٢٣٤٥٦ arabic",
              "ǅemal İstanbul ß", "\t13812345678\n", "12345", "1234", "", None, 0, 13812345678, "ｶﾀｶﾅ 123456"]
    rng = random.Random(5)
    alphabet = "aZ09 -+@.\u3000１２３明达①²፩١İßǅ\t\n"
    tricky += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14))) for _ in range(3000)]
    for i in range(0, len(tricky), 3):
        parts = tricky[i:i + 3]
        assert build_search_text(*parts) == _search_text_reference(*parts), parts


@pytest.mark.parametrize("phone", ["0755-86001234 / 13812345678", "+852 6096 1075", "(650) 253-0000 ext 12", "12",
                                   "abc", "", None, "0755-1, 13812345678", "１３８１２３４５６７８", "021 1234"])
def test_keys_from_phones_parsed_once_equal_the_plain_keys(phone: Any) -> None:
    from crm_cli.dedupe import customer_keys
    from crm_cli.normalize import phone_keys

    values = {"name": "深圳市明达电子科技有限公司", "phone": phone, "email": "a@b.example.com", "address": "深圳市南山区1号"}
    for region in ("CN", "US", "HK"):
        once = customer_keys(values, phone_region=region, phones=phone_keys(phone, region))
        assert once == customer_keys(values, phone_region=region)


def test_the_search_index_filled_in_a_thread_matches_the_rows_it_indexes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spy_aside: list[list[str]]) -> None:
    """A big create fills the trigram index (and builds the customers' indexes set aside) in a thread while the
    importer builds tokens and audit entries; FTS5's own integrity check compares the index with the rows."""
    from crm_cli import importer
    from crm_cli.db import search

    monkeypatch.setattr(search, "BULK_INDEX_THRESHOLD", 0)
    monkeypatch.setattr(importer, "REBUILD_INDEXES_MIN", 0)
    started: list[int] = []
    real_start = search.SearchFill.start

    def spy_start(self: Any, **kw: Any) -> None:
        started.append(len(kw.get("then", ())))
        real_start(self, **kw)

    monkeypatch.setattr(search.SearchFill, "start", spy_start)
    result, fast = imported(tmp_path, "bg.db", on_duplicate="create")
    assert started and started[0] >= 5  # the customers' secondary indexes went to the thread
    monkeypatch.setattr(search, "BULK_INDEX_THRESHOLD", 10**9)  # the per-row trigger instead
    monkeypatch.setattr(importer, "REBUILD_INDEXES_MIN", 10**9)
    _, plain = imported(tmp_path, "trigger.db", on_duplicate="create")
    assert fast["schema"] == plain["schema"]  # trigger and indexes are back
    con = sqlite3.connect(tmp_path / "bg.db")
    try:
        con.execute("INSERT INTO customers_fts(customers_fts) VALUES ('integrity-check')")  # raises if they differ
        for name in ("明达电子", "acme widgets", "0755", "華信貿易"):
            hits = {r[0] for r in con.execute("SELECT rowid FROM customers_fts WHERE customers_fts MATCH ?",
                                              (f'"{name}"',))}
            rows = {r[0] for r in con.execute("SELECT id FROM customers WHERE search_text LIKE ?", (f"%{name}%",))}
            assert hits == rows and hits, name
    finally:
        con.close()
    assert result.created == 47


@pytest.mark.parametrize("where", ["thread", "main"])
def test_a_failure_while_the_index_fills_in_a_thread_changes_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    from crm_cli import dedupe_keys, importer
    from crm_cli.db import search

    monkeypatch.setattr(search, "BULK_INDEX_THRESHOLD", 0)
    monkeypatch.setattr(importer, "REBUILD_INDEXES_MIN", 0)
    database = prepared_db(tmp_path / "f.db")
    database.dispose()
    before = dump(tmp_path / "f.db")
    if where == "thread":
        monkeypatch.setattr(search.SearchFill, "_sql", ("INSERT INTO no_such_table SELECT ?", (1,)))
    else:
        def boom(*_a: Any, **_k: Any) -> None:
            raise RuntimeError("out of memory")

        monkeypatch.setattr(dedupe_keys, "tokens_for", boom)
        monkeypatch.setattr("crm_cli.dedupe.tokens_for", boom)
    with pytest.raises((RuntimeError, sqlite3.OperationalError)):
        run_import(database, xlsx(tmp_path / "f.xlsx", tricky_rows()), on_duplicate="create")
    database.dispose()
    assert differences(before, dump(tmp_path / "f.db")) == []


@pytest.mark.parametrize("child", ["works", "fails"])
def test_keys_computed_in_a_forked_child_give_exactly_the_serial_import(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, child: str) -> None:
    """A long sheet has the keys of its later rows computed in a forked child (crm_cli.forked); a child that fails
    only means the parent computes them itself. Either way the import is the serial one, table for table."""
    from crm_cli import forked, importer

    if not forked.spare_cores():
        pytest.skip("one core, or no fork: the import never forks here")
    monkeypatch.setattr(importer, "PARALLEL_ROWS_MIN", 10**9)
    serial_result, serial = imported(tmp_path, "serial.db", on_duplicate="create", keep_unknown=True)
    asked: list[Any] = []
    real = forked.Forked.result

    def spy(self: Any) -> Any:
        asked.append(out := real(self))
        return out

    monkeypatch.setattr(forked.Forked, "result", spy)
    monkeypatch.setattr(importer, "PARALLEL_ROWS_MIN", 0)
    monkeypatch.setattr(importer, "PARALLEL_MAIN_SHARE", 0.25)
    if child == "fails":
        def boom(*_a: Any) -> Any:
            raise MemoryError

        monkeypatch.setattr(importer, "_keys_of_rows", boom)
    parallel_result, parallel = imported(tmp_path, "parallel.db", on_duplicate="create", keep_unknown=True)
    assert len(asked) == 1
    if child == "works":
        assert sum(1 for x in asked[0] if x is not None) >= 30  # the child's rows: 75% of 52, some refused
    else:
        assert asked[0] is None
    assert parallel_result.as_dict() == serial_result.as_dict()
    assert differences(serial, parallel) == []


def test_forked_returns_the_childs_answer_or_none() -> None:
    from crm_cli import forked

    if not forked.spare_cores():
        pytest.skip("no fork here")
    assert forked.Forked(lambda n: {"squares": [i * i for i in range(n)]}, 5).result() == {"squares": [0, 1, 4, 9, 16]}
    assert forked.Forked(lambda: 1 / 0).result() is None
    assert forked.Forked(lambda: object()).result() is None  # marshal cannot carry it
    big = forked.Forked(lambda: "x" * 5_000_000)  # more than a pipe holds: the child waits for the reader
    assert big.result() == "x" * 5_000_000
    dropped = forked.Forked(lambda: "y" * 5_000_000)
    dropped.discard()
    assert dropped.result() is None
