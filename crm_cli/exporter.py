"""`crm export customers`: the customers a user can see, with contacts and follow-ups sheets, and the import template.

The headers are the importer's own (crm_cli.sheets.mapping), and a ``客户ID``/``Customer ID`` column links the
three sheets, so an export imports back into an empty database as the same customers, contacts and follow-ups.
Rows are read with Core selects (no ORM objects) and written with xlsxwriter in constant-memory mode.

Other capabilities add sheets (contracts, payments...) with ``register_export_sheet(fn)``, where ``fn(session,
user, clock, customer_ids, lang)`` returns ``(sheet name, headers, rows)`` in ``lang`` (zh or en), or None.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import and_, select
from sqlmodel import Session

from crm_cli.access import OWNERS
from crm_cli.customers import CustomerQuery, query_conditions
from crm_cli.dates import Clock
from crm_cli.db.models import Contact, Customer, FollowUp, User
from crm_cli.errors import InvalidInput
from crm_cli.sheets.mapping import header_label
from crm_cli.vocab import level_label, method_label

ExtraSheet = Callable[[Session, User, Clock, Sequence[int], str],
                      tuple[str, Sequence[str], Iterable[Sequence[Any]]] | None]
EXTRA_EXPORT_SHEETS: list[ExtraSheet] = []

CUSTOMER_COLUMNS = ("ref", "code", "name", "level", "stars", "source", "region", "industry", "is_target",
                    "credit_code", "phone", "email", "website", "address", "notes", "owner", "next_followup_on")
CONTACT_COLUMNS = ("ref", "name", "contact_name", "contact_title", "contact_department", "contact_mobile",
                   "contact_phone", "contact_email", "contact_wechat", "contact_birthday")
FOLLOWUP_COLUMNS = ("ref", "name", "followup_at", "followup_method", "followup_content", "followup_plan",
                    "followup_next_on", "followup_by")
SHEET_NAMES = {"zh": ("客户", "联系人", "跟进记录"), "en": ("Customers", "Contacts", "Follow-ups")}


def register_export_sheet(fn: ExtraSheet) -> ExtraSheet:
    """Add a sheet to every customer export (usable as a decorator)."""
    EXTRA_EXPORT_SHEETS.append(fn)
    return fn


def _lang(lang: str) -> str:
    if lang not in ("zh", "en"):
        raise InvalidInput(f"--lang {lang!r}: use zh or en")
    return lang


def export_customers(
    session: Session, *, user: User, clock: Clock, query: CustomerQuery, path: Path, lang: str = "zh",
    followups: bool = True, engine: str = "stream",
) -> dict[str, int]:
    """Write the customers ``user`` can see that match ``query`` to ``path``: an .xlsx with a sheet each for
    customers, contacts, follow-ups and the extra sheets, or a .csv of the customers with one ``NAME.SHEET.csv``
    beside it per other sheet (``客户.联系人.csv``). Returns counts per sheet."""
    lang = _lang(lang)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise InvalidInput(f"{path.name}: export to .xlsx or .csv")
    cond = and_(*query_conditions(session, query, user=user, clock=clock))
    customers_t = Customer.__table__  # type: ignore[attr-defined]
    contacts_t = Contact.__table__  # type: ignore[attr-defined]
    followups_t = FollowUp.__table__  # type: ignore[attr-defined]
    names: dict[int, str] = dict(session.execute(select(User.id, User.username)).all())  # type: ignore[arg-type]
    pool = "公海" if lang == "zh" else "pool"
    yes, no = ("是", "否") if lang == "zh" else ("yes", "no")
    counts = {"customers": 0, "contacts": 0, "followups": 0}
    ids: list[int] = []

    # The owner lives in customer_owners, joined by primary key (every customer has its row). An alias: the
    # conditions' own subqueries on customer_owners (visibility, idle) must not correlate to this join.
    owners_t = OWNERS.alias("owner_row")
    rows = session.execute(select(customers_t, owners_t.c.owner_id)
                           .join(owners_t, owners_t.c.customer_id == customers_t.c.id)
                           .where(cond).order_by(customers_t.c.id))
    custom_keys: list[str] = []
    customer_rows: list[list[Any]] = []
    for r in rows:
        ids.append(r.id)
        if r.custom:
            for key in r.custom:
                if key not in custom_keys:
                    custom_keys.append(key)
        customer_rows.append([
            str(r.id), r.code, r.name, level_label(r.level, lang), r.stars, r.source, r.region, r.industry,
            yes if r.is_target else no, r.credit_code, r.phone, r.email, r.website, r.address, r.notes,
            names.get(r.owner_id, str(r.owner_id)) if r.owner_id else pool, r.next_followup_on,
            *([r.custom.get(k) if r.custom else None for k in custom_keys] if custom_keys else []),
        ])  # fmt: skip
    if custom_keys:
        width = len(CUSTOMER_COLUMNS) + len(custom_keys)
        for row in customer_rows:
            row.extend([None] * (width - len(row)))
    counts["customers"] = len(customer_rows)
    c_headers = [header_label(f, lang) for f in CUSTOMER_COLUMNS] + custom_keys

    def contact_rows() -> Iterable[list[Any]]:
        stmt = (select(contacts_t.c.customer_id, customers_t.c.name, contacts_t.c.name, contacts_t.c.title,
                       contacts_t.c.department, contacts_t.c.mobile, contacts_t.c.phone, contacts_t.c.email,
                       contacts_t.c.wechat, contacts_t.c.birthday)
                .join(customers_t, customers_t.c.id == contacts_t.c.customer_id).where(cond)
                .order_by(contacts_t.c.customer_id, contacts_t.c.is_primary.desc(), contacts_t.c.id))
        for r in session.execute(stmt):
            counts["contacts"] += 1
            yield [str(r[0]), *r[1:]]

    def followup_rows() -> Iterable[list[Any]]:
        if not followups:
            return
        stmt = (select(followups_t.c.customer_id, customers_t.c.name, followups_t.c.at, followups_t.c.method,
                       followups_t.c.content, followups_t.c.plan, followups_t.c.next_on, followups_t.c.user_id)
                .join(customers_t, customers_t.c.id == followups_t.c.customer_id).where(cond)
                .order_by(followups_t.c.customer_id, followups_t.c.at, followups_t.c.id))
        at_type = FollowUp.__table__.c.at.type  # type: ignore[attr-defined]
        for r in session.execute(stmt):
            counts["followups"] += 1
            at = r[2] if r[2] is None or r[2].tzinfo else at_type.process_result_value(r[2], None)
            yield [str(r[0]), r[1], at, method_label(r[3], lang), r[4], r[5], r[6],
                   names.get(r[7], None) if r[7] else None]

    sheet_c, sheet_p, sheet_f = SHEET_NAMES[lang]
    sheets: list[tuple[str, Sequence[str], Iterable[Sequence[Any]]]] = [
        (sheet_c, c_headers, customer_rows),
        (sheet_p, [header_label(f, lang) for f in CONTACT_COLUMNS], contact_rows()),
    ]
    if followups:
        sheets.append((sheet_f, [header_label(f, lang) for f in FOLLOWUP_COLUMNS], followup_rows()))
    for extra in EXTRA_EXPORT_SHEETS:
        sheet = extra(session, user, clock, ids, lang)
        if sheet is not None:  # a capability with nothing to export adds no sheet
            sheets.append(sheet)
    if suffix == ".xlsx":
        from crm_cli.sheets.writer import write_rows

        write_rows(path, sheets, tz=clock.tz, engine=engine)
    else:
        _write_csvs(path, sheets, clock)
    return counts


def _write_csvs(path: Path, sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]],
                clock: Clock) -> None:
    from datetime import date, datetime

    from crm_cli.sheets.writer import csv_safe

    for n, (name, headers, rows) in enumerate(sheets):
        target = path if n == 0 else path.with_name(f"{path.stem}.{name.replace(' ', '-')}.csv")  # no space: shell-friendly
        with target.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(headers)
            for row in rows:
                out = []
                for v in row:
                    if isinstance(v, datetime):
                        v = v.astimezone(clock.tz).strftime("%Y-%m-%d %H:%M:%S")
                    elif isinstance(v, date):
                        v = v.isoformat()
                    out.append(csv_safe(v))
                writer.writerow(out)


TEMPLATE_FIELDS = ("name", "code", "level", "stars", "source", "region", "industry", "credit_code", "phone",
                   "email", "address", "owner", "contact_name", "contact_title", "contact_mobile", "contact_email",
                   "contact_birthday", "followup_content", "next_followup_on", "notes")


def write_template(path: Path, *, lang: str = "zh") -> None:
    """An import template: headers, drop-downs for level and stars, an example row and an instructions sheet."""
    import xlsxwriter

    from crm_cli.vocab import LEVEL_ZH, Level

    lang = _lang(lang)
    if path.suffix.lower() != ".xlsx":
        raise InvalidInput(f"{path.name}: the template is an .xlsx file")
    zh = lang == "zh"
    example = {
        "name": "深圳市明达电子科技有限公司" if zh else "Northwind Trading Ltd.", "code": "C000123",
        "level": "意向" if zh else "intent", "stars": 3, "source": "展会" if zh else "Trade show",
        "region": "深圳" if zh else "Shenzhen", "industry": "电子" if zh else "Electronics",
        "credit_code": "91440300MA5DC9QX92", "phone": "0755-86001234", "email": "info@mingda.example.com",
        "address": "深圳市南山区科技园" if zh else "1 Science Park, Nanshan", "owner": "",
        "contact_name": "张伟" if zh else "David Lee", "contact_title": "采购经理" if zh else "Purchasing Manager",
        "contact_mobile": "13812345678", "contact_email": "zhang.wei@mingda.example.com",
        "contact_birthday": "1985-06-01", "followup_content": "展会上交换了名片" if zh else "Met at the trade show",
        "next_followup_on": "2026-12-05", "notes": "",
    }  # fmt: skip
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False})
    try:
        head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        text = book.add_format({"num_format": "@"})
        ws = book.add_worksheet("客户" if zh else "Customers")
        levels = [LEVEL_ZH[m] if zh else m.value for m in Level]
        for c, f in enumerate(TEMPLATE_FIELDS):
            label = header_label(f, lang) + ("*" if f == "name" else "")
            ws.set_column(c, c, max(12, len(label) * 2 + 2), text)
            ws.write_string(0, c, label, head)
            value = example[f]
            if isinstance(value, int):
                ws.write_number(1, c, value)
            elif value:
                ws.write_string(1, c, value)
            if f == "level":
                ws.data_validation(1, c, 5000, c, {"validate": "list", "source": levels,
                                                   "error_message": "/".join(levels)})
            elif f == "stars":
                ws.data_validation(1, c, 5000, c, {"validate": "integer", "criteria": "between", "minimum": 0,
                                                   "maximum": 5, "error_message": "0-5"})
        ws.freeze_panes(1, 0)
        info = book.add_worksheet("说明" if zh else "Instructions")
        info.set_column(0, 0, 110)
        lines = _INSTRUCTIONS_ZH if zh else _INSTRUCTIONS_EN
        for r, line in enumerate(lines):
            info.write_string(r, 0, line, head if r == 0 else None)
    finally:
        book.close()


_INSTRUCTIONS_ZH = [
    "客户导入说明",
    "1. 每行一个客户；同一公司的多个联系人可以写在连续几行（公司名称相同或留空）。",
    "2. 客户名称必填；客户类别从下拉列表选择：潜在、意向、重点、成交、无效；星级 0–5。",
    "3. 手机、电话、客户编号、信用代码请保持文本格式，避免丢失开头的 0 或变成科学计数法。",
    "4. 日期可写 2026-12-05、2026/12/05、2026年12月5日；不要使用公式，公式单元格所在行会被拒绝。",
    "5. 负责人填写用户名；留空则归导入人，或在命令行用 --owner / --round-robin / --pool 指定。",
    "6. 先试运行：crm import 文件.xlsx --dry-run；有问题的行会写入 文件.errors.xlsx，改好后可再次导入。",
    "7. 导入可以撤销：crm import list 查看批次，crm import undo 批次号。",
]
_INSTRUCTIONS_EN = [
    "How to fill in this template",
    "1. One customer per row; several contacts of one company may use consecutive rows (same or empty name).",
    "2. Name is required; pick the level from the drop-down (potential, intent, key, won, invalid); stars 0-5.",
    "3. Keep mobiles, phones, codes and credit codes as text so leading zeros and all digits survive.",
    "4. Dates: 2026-12-05, 2026/12/05 or 12/20/2026. No formulas: rows with a formula are refused.",
    "5. Owner is a user name; empty means you, or choose with --owner, --round-robin or --pool.",
    "6. Try first: crm import FILE.xlsx --dry-run; refused rows go to FILE.errors.xlsx, fix them and import again.",
    "7. Imports can be undone: crm import list, then crm import undo BATCH.",
]

from crm_cli import sales_views  # noqa: E402  (sheets Products, Deals, Contracts, Payment plan, Payments; 产品, 商机…)

for _sheet in sales_views.EXPORT_SHEETS:
    register_export_sheet(_sheet)
