import json
from decimal import Decimal


def _sell(cli) -> None:
    cli("customer", "add", "明达电子")
    cli("product", "add", "P-100", "CRM 软件", "--price", "1000", "--unit", "套")
    cli("deal", "add", "明达", "CRM 系统", "--amount", "30000", "--stage", "proposal", "--close", "+30d")
    cli("contract", "add", "HT-1", "--customer", "明达", "--signed", "2026-11-01", "--line", "P-100:3")
    cli("payment", "plan", "HT-1", "--on", "2026-11-10", "1000", "--on", "2026-12-10", "2000")
    cli("payment", "add", "HT-1", "500", "--on", "2026-11-12", "--method", "微信")


def test_customer_show_has_deals_contracts_and_balance(cli) -> None:
    _sell(cli)
    shown = json.loads(cli("customer", "show", "明达", "--json").stdout)
    assert [d["title"] for d in shown["deals"]] == ["CRM 系统"]
    assert shown["contracts"][0]["number"] == "HT-1"
    assert shown["balance"] == [{"currency": "CNY", "contracts": 1, "total": "3000.00", "received": "500.00",
                                 "outstanding": "2500.00", "overdue": "500.00"}]
    text = cli("customer", "show", "明达").stdout
    assert "Balance" in text and "2500.00" in text


def test_history_records_every_sales_write(cli) -> None:
    _sell(cli)
    entries = json.loads(cli("customer", "history", "明达", "--json").stdout)
    seen = {(e["entity"], e["action"]) for e in entries}
    assert {("deal", "create"), ("contract", "create"), ("contract", "plan"), ("payment", "create"),
            ("customer", "won")} <= seen


def test_export_sheets_write_exact_numbers_to_a_real_workbook(cli, db, tmp_path) -> None:
    import openpyxl

    from crm_cli.sales_views import export_sheets
    from crm_cli.users import get_user

    _sell(cli)
    with db.read() as session:
        sheets = export_sheets(session, get_user(session, "boss"))
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, headers, rows in sheets:
        sheet = book.create_sheet(name)
        sheet.append(headers)
        for row in rows:
            sheet.append(row)
    path = tmp_path / "sales.xlsx"
    book.save(path)
    back = openpyxl.load_workbook(path)
    assert back.sheetnames == ["Products", "Deals", "Contracts", "Payment plan", "Payments"]
    contract = [c.value for c in back["Contracts"][2]]
    assert contract[0] == "HT-1" and contract[10] == 3000 and contract[11] == 500
    assert Decimal(str(back["Payments"]["D2"].value)) == Decimal("500")
    with db.read() as session:
        none = export_sheets(session, get_user(session, "boss"), customer_ids=[999])
    assert [len(rows) for _, _, rows in none] == [1, 0, 0, 0, 0]


def test_payment_list_evaluates_at_now(cli) -> None:
    _sell(cli)
    later = json.loads(cli("payment", "list", "--overdue", "--now", "2026-12-20", "--json").stdout)
    assert [(r["seq"], r["open"], r["overdue_days"]) for r in later] == [(1, "500.00", 40), (2, "2000.00", 10)]
    assert json.loads(cli("payment", "list", "--overdue", "--json").stdout)[0]["seq"] == 1


def test_demo_database_has_money_that_adds_up(tmp_path, clock) -> None:
    from sqlalchemy import func
    from sqlmodel import select

    from crm_cli import payments
    from crm_cli.db.engine import Database
    from crm_cli.db.models import Contract, ContractLine, Customer, Deal, Installment, Payment
    from crm_cli.demo import build_demo

    path = build_demo(tmp_path / "demo.db", customers=200, now=clock.now)
    db = Database(path)
    with db.read() as session:
        contracts = session.exec(select(Contract)).all()
        assert contracts and session.exec(select(func.count()).select_from(Deal)).one() > len(contracts)
        assert session.exec(select(func.count()).select_from(Payment)).one() > 0
        for c in contracts:
            lines = session.exec(select(ContractLine).where(ContractLine.contract_id == c.id)).all()
            plan = session.exec(select(Installment).where(Installment.contract_id == c.id)).all()
            assert sum(x.amount_cents for x in lines) == c.total_cents == sum(i.amount_cents for i in plan)
            assert sum(i.paid_cents for i in plan) == payments.balance(session, c, clock.today).received_cents
        won = session.exec(select(Customer).where(Customer.id.in_([c.customer_id for c in contracts]))).all()
        assert all(cu.level == "won" and cu.won_on is not None for cu in won)
        signed = {c.customer_id: c.signed_on for c in contracts if c.kind == "standard"}
        assert all(cu.won_on == signed[cu.id] for cu in won if cu.id in signed)
        assert session.exec(select(func.count()).select_from(Customer)
                            .where(Customer.level == "won", Customer.won_on.is_(None))).one() == 0
    db.dispose()


def test_remind_shows_payment_and_contract_alerts_with_now(cli) -> None:
    cli("customer", "add", "明达电子")
    cli("contract", "add", "HT-1", "--customer", "明达", "--signed", "2026-11-01", "--end", "2027-01-15",
        "--amount", "3000")
    cli("payment", "plan", "HT-1", "--on", "2026-11-10", "1000", "--on", "2026-12-10", "2000")
    result = cli("remind", "--now", "2026-12-05 09:00", "--days", "7", "--json", "--no-sweep")
    assert result.exit_code == 0, result.stderr
    alerts = json.loads(result.stdout)["alerts"]
    kinds = {(a["kind"], a["due"]) for a in alerts}
    assert {("payment_overdue", "2026-11-10"), ("payment_due", "2026-12-10")} <= kinds
    assert not any(a["kind"] == "contract_ending" for a in alerts)
    later = json.loads(cli("remind", "--now", "2027-01-01 09:00", "--days", "30", "--json", "--no-sweep",
                           "--all").stdout)["alerts"]
    assert any(a["kind"] == "contract_ending" and "HT-1" in a["text"] for a in later)
    text = cli("remind", "--now", "2026-12-05 09:00", "--days", "7", "--no-sweep", "--all").stdout
    assert "HT-1 installment 1" in text


def test_customer_export_has_the_sales_sheets_when_there_are_sales(cli, tmp_path) -> None:
    import openpyxl

    _sell(cli)
    cli("customer", "add", "Northwind Trading")
    path = tmp_path / "all.xlsx"
    result = cli("export", "customers", str(path))
    assert result.exit_code == 0, result.stderr
    book = openpyxl.load_workbook(path, read_only=True)
    assert book.sheetnames == ["客户", "联系人", "跟进记录", "产品", "商机", "合同", "收款计划", "回款"]
    rows = list(book["合同"].iter_rows(values_only=True))
    assert rows[0][:6] == ("合同编号", "客户ID", "客户名称", "类型", "主合同", "状态")
    assert rows[1][0] == "HT-1" and float(rows[1][10]) == 3000.0 and float(rows[1][12]) == 2500.0
    assert (rows[1][3], rows[1][5]) == ("标准合同", "执行中")
    # the customer ID is text on every sheet, so that a VLOOKUP from 合同 or 商机 finds the row on 客户
    customer_ids = {r[0] for r in list(book["客户"].iter_rows(values_only=True))[1:]}
    assert isinstance(rows[1][1], str) and rows[1][1] in customer_ids
    deal = list(book["商机"].iter_rows(values_only=True))[1]
    assert isinstance(deal[1], str) and deal[1] in customer_ids
    assert deal[4] in {"线索", "需求确认", "方案报价", "商务谈判", "赢单", "输单"}
    plan = [r[6] for r in list(book["收款计划"].iter_rows(values_only=True))[1:]]
    assert plan and set(plan) <= {"已收清", "逾期", "部分收款", "待收"}
    assert book["合同"]["K2"].data_type == "n"  # money is a number cell in the workbook, exact text in a .csv
    flat = tmp_path / "all.csv"
    assert cli("export", "customers", str(flat)).exit_code == 0
    import csv

    with (tmp_path / "all.合同.csv").open(encoding="utf-8-sig") as fh:
        contract_rows = list(csv.reader(fh))
    assert contract_rows[1][0] == "HT-1" and contract_rows[1][10:13] == ["3000.00", "500.00", "2500.00"]
    assert cli("export", "customers", str(tmp_path / "en.csv"), "--lang", "en").exit_code == 0
    assert sorted(p.name for p in tmp_path.glob("en.*.csv")) == [
        "en.Contacts.csv", "en.Contracts.csv", "en.Deals.csv", "en.Follow-ups.csv", "en.Payment-plan.csv",
        "en.Payments.csv", "en.Products.csv"]  # one file per sheet, no space in a name
    english = tmp_path / "all-en.xlsx"
    assert cli("export", "customers", str(english), "--lang", "en").exit_code == 0
    book = openpyxl.load_workbook(english, read_only=True)
    assert book.sheetnames[3:] == ["Products", "Deals", "Contracts", "Payment plan", "Payments"]
    contract = list(book["Contracts"].iter_rows(values_only=True))[1]
    assert (contract[3], contract[5]) == ("standard", "active")
    only = tmp_path / "northwind.xlsx"
    assert cli("export", "customers", str(only), "--search", "Northwind").exit_code == 0
    assert openpyxl.load_workbook(only, read_only=True).sheetnames[3:] == ["产品"]


def test_dashboard_home_lists_my_payments_due(cli, db, clock) -> None:
    from crm_cli.tui.backend import home_panels
    from crm_cli.users import get_user

    _sell(cli)
    with db.read() as session:
        panel = home_panels(session, get_user(session, "boss"), clock)["Payments due"]
    assert panel == ["11-10 500.00 CNY (13d late)\n  #1 明达电子 · HT-1"]
