"""Sales data seen from elsewhere: the deals/contracts/balance sections of `crm customer show` and the extra
sheets of the Excel export."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from crm_cli.access import visible_clause
from crm_cli.dates import Clock
from crm_cli.db.models import Contract, Customer, Deal, Installment, Payment, Product, User
from crm_cli.money import from_cents, money_text


def customer_sales(session: Session, customer: Customer, user: User, clock: Clock) -> dict[str, Any]:
    """A ``customers.SHOW_EXTRAS`` provider: ``deals``, ``contracts`` and ``balance`` (one row per currency)."""
    from crm_cli import payments

    deals = list(session.exec(select(Deal).where(Deal.customer_id == customer.id)
                              .order_by(col(Deal.created_at).desc(), col(Deal.id).desc())))
    contracts = list(session.exec(select(Contract).where(Contract.customer_id == customer.id)
                                  .order_by(col(Contract.signed_on).desc(), col(Contract.id).desc())))
    sums = payments.balances(session, contracts, clock.today)
    contract_rows = []
    per_currency: dict[str, dict[str, int]] = {}
    for c in contracts:
        assert c.id is not None
        bal = sums[c.id]
        contract_rows.append({
            "number": c.number, "kind": c.kind, "status": c.status, "signed_on": c.signed_on, "end_on": c.end_on,
            "currency": c.currency, "total": money_text(c.total_cents), "received": money_text(bal.received_cents),
            "outstanding": money_text(bal.outstanding_cents), "overdue": money_text(bal.overdue_cents),
        })  # fmt: skip
        if c.status in ("draft", "terminated"):
            continue
        acc = per_currency.setdefault(c.currency, {"contracts": 0, "total": 0, "received": 0, "outstanding": 0,
                                                   "overdue": 0})
        acc["contracts"] += 1
        acc["total"] += c.total_cents
        acc["received"] += bal.received_cents
        acc["outstanding"] += bal.outstanding_cents
        acc["overdue"] += bal.overdue_cents
    balance = [{"currency": cur, "contracts": acc["contracts"],
                **{k: money_text(acc[k]) for k in ("total", "received", "outstanding", "overdue")}}
               for cur, acc in sorted(per_currency.items())]
    deal_rows = [{"id": d.id, "title": d.title, "stage": d.stage, "amount": money_text(d.amount_cents),
                  "currency": d.currency, "probability": d.probability, "expected_close_on": d.expected_close_on,
                  "lost_reason": d.lost_reason} for d in deals]
    return {"deals": deal_rows, "contracts": contract_rows, "balance": balance}


def _money(cents: int | None) -> Decimal:
    """A money cell: the exact amount (``74490.00``). The .xlsx writer stores it as a number cell (Excel keeps a
    double: any amount below 2**53 cents reads back as the same two-decimal value), a .csv gets its text."""
    return from_cents(cents)


Sheet = tuple[str, list[str], list[list[Any]]]


def _only(ids: Any) -> set[int] | None:
    return None if ids is None else set(ids)


def _live(user: User) -> list[Any]:
    return [visible_clause(user, indexed=False), col(Customer.deleted_at).is_(None)]


def _products_sheet(session: Session, user: User, clock: Clock | None = None, customer_ids: Any = None) -> Sheet:
    """The whole catalogue (products belong to no customer)."""
    prods = session.exec(select(Product.code, Product.name, Product.unit, Product.spec,  # type: ignore[call-overload]
                                Product.category, Product.price_cents, Product.active).order_by(Product.code)).all()
    return ("Products", ["Code", "Name", "Unit", "Spec", "Category", "List price", "Active"],
            [[*p[:5], _money(p[5]), p[6]] for p in prods])


def _deals_sheet(session: Session, user: User, clock: Clock | None = None, customer_ids: Any = None) -> Sheet:
    only = _only(customer_ids)
    users = dict(session.exec(select(User.id, User.username)).all())  # type: ignore[call-overload]
    deals = session.exec(
        select(Deal.id, Customer.id, Customer.name, Deal.title, Deal.stage, Deal.amount_cents,  # type: ignore[call-overload]
               Deal.currency, Deal.probability, Deal.expected_close_on, Deal.owner_id, Deal.closed_on,
               Deal.lost_reason)
        .join(Customer, col(Customer.id) == Deal.customer_id).where(*_live(user)).order_by(Deal.id)).all()
    return ("Deals", ["ID", "Customer ID", "Customer", "Title", "Stage", "Amount", "Currency", "Probability %",
                      "Expected close", "Owner", "Closed on", "Lost reason"],
            [[d[0], str(d[1]), *d[2:5], _money(d[5]), d[6], d[7], d[8], users.get(d[9]), d[10], d[11]] for d in deals
             if only is None or d[1] in only])  # the customer ID as text, as on the customers sheet (VLOOKUP)


def _contract_rows(session: Session, user: User, today: Any) -> list[Any]:
    from sqlalchemy import case, func

    received = (select(Payment.contract_id.label("cid"), func.sum(Payment.amount_cents).label("received"))  # type: ignore[attr-defined]
                .group_by(Payment.contract_id).subquery())
    overdue = (select(Installment.contract_id.label("cid"),  # type: ignore[attr-defined]
                      func.sum(case((col(Installment.due_on) < today,
                                     Installment.amount_cents - Installment.paid_cents), else_=0)).label("overdue"))
               .group_by(Installment.contract_id).subquery())
    parent = Contract.__table__.alias("parent")  # type: ignore[attr-defined]
    return list(session.exec(
        select(Contract.id, Contract.number, Customer.id, Customer.name, Contract.kind,  # type: ignore[call-overload]
               parent.c.number, Contract.status, Contract.signed_on, Contract.start_on, Contract.end_on,
               Contract.currency, Contract.total_cents, func.coalesce(received.c.received, 0),
               func.coalesce(overdue.c.overdue, 0))
        .join(Customer, col(Customer.id) == Contract.customer_id)
        .outerjoin(parent, parent.c.id == Contract.parent_id)
        .outerjoin(received, received.c.cid == Contract.id)
        .outerjoin(overdue, overdue.c.cid == Contract.id)
        .where(*_live(user)).order_by(Contract.number)).all())


def _contracts_sheet(session: Session, user: User, clock: Clock | None = None, customer_ids: Any = None) -> Sheet:
    only = _only(customer_ids)
    rows = _contract_rows(session, user, (clock or Clock()).today)
    return ("Contracts", ["Number", "Customer ID", "Customer", "Kind", "Parent", "Status", "Signed", "Start",
                          "End", "Currency", "Total", "Received", "Outstanding", "Overdue"],
            [[r[1], str(r[2]), *r[3:11], _money(r[11]), _money(r[12]), _money(max(r[11] - r[12], 0)), _money(r[13])]
             for r in rows if only is None or r[2] in only])


def _contract_numbers(session: Session, user: User, only: set[int] | None) -> dict[int, str]:
    rows = session.exec(select(Contract.id, Contract.number, Contract.customer_id)  # type: ignore[call-overload]
                        .join(Customer, col(Customer.id) == Contract.customer_id).where(*_live(user))).all()
    return {cid: number for cid, number, customer_id in rows if only is None or customer_id in only}


def _plan_sheet(session: Session, user: User, clock: Clock | None = None, customer_ids: Any = None) -> Sheet:
    from crm_cli.payments import installment_status

    today = (clock or Clock()).today
    numbers = _contract_numbers(session, user, _only(customer_ids))
    plan = session.exec(
        select(Installment.contract_id, Installment.seq, Installment.due_on, Installment.amount_cents,  # type: ignore[call-overload]
               Installment.paid_cents).order_by(Installment.contract_id, Installment.seq)).all()
    return ("Payment plan", ["Contract", "#", "Due", "Amount", "Paid", "Open", "Status"],
            [[numbers[cid], seq, due, _money(amount), _money(paid), _money(amount - paid),
              installment_status(amount, paid, due, today)] for cid, seq, due, amount, paid in plan if cid in numbers])


def _payments_sheet(session: Session, user: User, clock: Clock | None = None, customer_ids: Any = None) -> Sheet:
    numbers = _contract_numbers(session, user, _only(customer_ids))
    paid = session.exec(
        select(Payment.id, Payment.contract_id, Payment.received_on, Payment.amount_cents,  # type: ignore[call-overload]
               Payment.method, Payment.reference, Payment.note).order_by(Payment.received_on, Payment.id)).all()
    return ("Payments", ["ID", "Contract", "Received", "Amount", "Method", "Reference", "Note"],
            [[p[0], numbers[p[1]], p[2], _money(p[3]), p[4], p[5], p[6]] for p in paid if p[1] in numbers])


# The sheets in Chinese (``lang="zh"``, the export's default): sheet name, headers, and the values that are codes.
ZH_SHEETS: dict[str, tuple[str, dict[str, str]]] = {
    "Products": ("产品", {"Code": "产品编号", "Name": "产品名称", "Unit": "单位", "Spec": "规格", "Category": "类别",
                          "List price": "标准价", "Active": "在售"}),
    "Deals": ("商机", {"ID": "商机ID", "Customer ID": "客户ID", "Customer": "客户名称", "Title": "商机名称",
                       "Stage": "阶段", "Amount": "金额", "Currency": "币种", "Probability %": "赢率%",
                       "Expected close": "预计成交日期", "Owner": "负责人", "Closed on": "关闭日期",
                       "Lost reason": "输单原因"}),
    "Contracts": ("合同", {"Number": "合同编号", "Customer ID": "客户ID", "Customer": "客户名称", "Kind": "类型",
                           "Parent": "主合同", "Status": "状态", "Signed": "签订日期", "Start": "开始日期",
                           "End": "结束日期", "Currency": "币种", "Total": "合同金额", "Received": "已回款",
                           "Outstanding": "未回款", "Overdue": "逾期未收"}),
    "Payment plan": ("收款计划", {"Contract": "合同编号", "#": "期数", "Due": "应收日期", "Amount": "应收金额",
                                  "Paid": "已收", "Open": "未收", "Status": "状态"}),
    "Payments": ("回款", {"ID": "回款ID", "Contract": "合同编号", "Received": "回款日期", "Amount": "金额",
                          "Method": "方式", "Reference": "凭证号", "Note": "备注"}),
}
PLAN_STATUS_ZH = {"paid": "已收清", "overdue": "逾期", "partial": "部分收款", "open": "待收"}


def _in_chinese(session: Session, sheet: Sheet) -> Sheet:
    from crm_cli.contracts import KINDS, STATUSES
    from crm_cli.deals import stages

    name, headers, rows = sheet
    zh_name, zh_headers = ZH_SHEETS[name]
    values: dict[str, dict[Any, str]] = {
        "Products": {"Active": {True: "是", False: "否"}},
        "Deals": {"Stage": {st.key: st.zh for st in stages(session) if st.zh}},
        "Contracts": {"Kind": KINDS, "Status": STATUSES},
        "Payment plan": {"Status": PLAN_STATUS_ZH},
    }.get(name, {})
    columns = [(headers.index(h), labels) for h, labels in values.items()]
    for row in rows:
        for i, labels in columns:
            row[i] = labels.get(row[i], row[i])
    return zh_name, [zh_headers.get(h, h) for h in headers], rows


def _unless_empty(build: Any) -> Any:
    def sheet(session: Session, user: User, clock: Clock | None = None, customer_ids: Any = None,
              lang: str = "en") -> Sheet | None:
        built = build(session, user, clock, customer_ids)
        if not built[2]:
            return None
        return _in_chinese(session, built) if lang == "zh" else built

    sheet.__name__ = build.__name__.lstrip("_")
    sheet.__doc__ = build.__doc__
    return sheet


products_sheet = _unless_empty(_products_sheet)
deals_sheet = _unless_empty(_deals_sheet)
contracts_sheet = _unless_empty(_contracts_sheet)
plan_sheet = _unless_empty(_plan_sheet)
payments_sheet = _unless_empty(_payments_sheet)
# Registered with crm_cli.exporter (``fn(session, user, clock, customer_ids, lang) -> (name, headers, rows) | None``;
# None when there is nothing to export, so a customer export without sales keeps its three sheets).
EXPORT_SHEETS = [products_sheet, deals_sheet, contracts_sheet, plan_sheet, payments_sheet]


def export_sheets(session: Session, user: User, clock: Clock | None = None,
                  customer_ids: Any = None, lang: str = "en") -> list[Sheet]:
    """All sales sheets: (sheet name, headers, rows), only what ``user`` can see (and, given ``customer_ids``,
    only those customers'), empty ones included, in English or (``lang="zh"``) Chinese. Column queries and grouped
    sums: no per-row queries."""
    sheets = [fn(session, user, clock, customer_ids) for fn in
              (_products_sheet, _deals_sheet, _contracts_sheet, _plan_sheet, _payments_sheet)]
    return [_in_chinese(session, sh) for sh in sheets] if lang == "zh" else sheets
