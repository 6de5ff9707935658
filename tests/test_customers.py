from datetime import date, timedelta

import pytest

from crm_cli import customers, followups
from crm_cli.customers import CustomerQuery
from crm_cli.errors import Conflict, DuplicateRefused, InvalidInput, NotFound, PermissionDenied
from crm_cli.users import get_user


def test_add_customer_normalises_text_and_writes_an_audit_row(db, make_customer) -> None:
    customer = make_customer("  明达电子\u3000", level="意向", stars=3)
    from crm_cli import audit

    with db.read() as session:
        entries = audit.history(session, customer.id)
    assert customer.name == "明达电子" and customer.level == "intent"
    assert [e.action for e in entries] == ["create"]
    assert entries[0].changes["name"] == [None, "明达电子"]


def test_add_refuses_same_phone_as_an_existing_customer(db, make_customer, clock) -> None:
    make_customer("深圳市明达电子科技有限公司", phone="0755-86001234")
    with db.write() as session, pytest.raises(DuplicateRefused) as err:
        customers.add_customer(session, user=get_user(session, "boss"), clock=clock,
                               data={"name": "Another name", "phone": "0755-86001234"})
    assert "same phone" in err.value.details[0]


def test_force_adds_a_duplicate_anyway(db, make_customer) -> None:
    make_customer("明达", phone="13812345678")
    assert make_customer("明达", phone="13812345678", force=True).id == 2


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [("stars", 7, "0 to 5"), ("level", "vip", "unknown level"), ("email", "nope", "invalid e-mail"),
     ("credit_code", "91440300MA5ABCDE1X", "credit code"), ("name", "  ", "name is empty")],
)
def test_bad_fields_are_refused_naming_the_field(make_customer, field, value, fragment) -> None:
    with pytest.raises(InvalidInput) as err:
        make_customer(**({"name": "X"} | {field: value}))
    assert fragment in err.value.message


def test_valid_credit_code_is_accepted_and_stored_upper_case(make_customer) -> None:
    assert make_customer("华为", credit_code="914403001922038216").credit_code == "914403001922038216"


def test_code_must_be_unique(make_customer) -> None:
    make_customer("A", code="C001")
    with pytest.raises(Conflict):
        make_customer("B", code="C001")


def test_resolve_by_id_code_exact_and_partial_name(db, make_customer) -> None:
    a = make_customer("深圳市明达电子科技有限公司", code="C7")
    make_customer("华信科技")
    with db.read() as session:
        boss = get_user(session, "boss")
        assert customers.resolve_customer(session, str(a.id), user=boss).id == a.id
        assert customers.resolve_customer(session, "C7", user=boss).id == a.id
        assert customers.resolve_customer(session, "明达", user=boss).id == a.id


def test_ambiguous_partial_name_lists_the_candidates(db, make_customer) -> None:
    make_customer("明达电子")
    make_customer("明达机械")
    with db.read() as session, pytest.raises(InvalidInput) as err:
        customers.resolve_customer(session, "明达", user=get_user(session, "boss"))
    assert len(err.value.details) == 2


def test_unknown_reference_is_not_found(db, make_customer) -> None:
    make_customer("明达")
    with db.read() as session, pytest.raises(NotFound):
        customers.resolve_customer(session, "华为", user=get_user(session, "boss"))


def test_edit_records_old_and_new_values(db, make_customer, clock) -> None:
    c = make_customer("明达", level="potential")
    with db.write() as session:
        boss = get_user(session, "boss")
        c = customers.resolve_customer(session, str(c.id), user=boss)
        delta = customers.edit_customer(session, user=boss, clock=clock, customer=c, changes={"level": "重点"})
    assert delta == {"level": ["potential", "key"]}


def test_a_rep_cannot_edit_someone_elses_customer(db, make_user, make_customer, clock) -> None:
    make_user("rep1", role="rep")
    make_user("rep2", role="rep")
    c = make_customer("明达", owner="rep1")
    with db.write() as session, pytest.raises(PermissionDenied):
        customers.edit_customer(session, user=get_user(session, "rep2"), clock=clock,
                                customer=customers.resolve_customer(session, str(c.id), user=get_user(session, "boss")),
                                changes={"stars": 1})


def test_a_rep_sees_own_and_pool_customers_only(db, make_user, make_customer, clock) -> None:
    make_user("rep1", role="rep")
    make_user("rep2", role="rep")
    make_customer("mine", owner="rep1")
    make_customer("theirs", owner="rep2")
    make_customer("pooled", owner="pool")
    with db.read() as session:
        found = customers.list_customers(session, CustomerQuery(sort="name"), user=get_user(session, "rep1"), clock=clock)
    assert [c.name for c in found] == ["mine", "pooled"]


def test_deleted_customers_leave_lists_and_come_back_on_restore(db, make_customer, clock) -> None:
    c = make_customer("明达")
    with db.write() as session:
        boss = get_user(session, "boss")
        target = customers.resolve_customer(session, str(c.id), user=boss)
        customers.delete_customer(session, user=boss, clock=clock, customer=target)
        assert customers.count_customers(session, CustomerQuery(), user=boss, clock=clock) == 0
        customers.restore_customer(session, user=boss, clock=clock, customer=target)
        assert customers.count_customers(session, CustomerQuery(), user=boss, clock=clock) == 1


@pytest.mark.parametrize("query", ["明达", "明达电子", "王强", "13812345678", "1381234", "wq@md.cn", "MD-7"])
def test_search_finds_by_name_contact_phone_email_and_code(db, make_customer, clock, query) -> None:
    from crm_cli import contacts

    c = make_customer("深圳市明达电子科技有限公司", code="MD-7")
    make_customer("华信科技")
    with db.write() as session:
        boss = get_user(session, "boss")
        target = customers.resolve_customer(session, str(c.id), user=boss)
        contacts.add_contact(session, user=boss, clock=clock, customer=target,
                             data={"name": "王强", "mobile": "138 1234 5678", "email": "wq@md.cn"})
    with db.read() as session:
        found = customers.list_customers(session, CustomerQuery(search=query), user=get_user(session, "boss"), clock=clock)
    assert [x.id for x in found] == [c.id]


def test_due_and_idle_filters_use_the_follow_up_dates(db, make_customer, clock) -> None:
    due = make_customer("due today")
    late = make_customer("overdue")
    make_customer("never")
    with db.write() as session:
        boss = get_user(session, "boss")
        for c, nxt in ((due, clock.today), (late, clock.today + timedelta(days=1))):
            target = customers.resolve_customer(session, str(c.id), user=boss)
            followups.log_followup(session, user=boss, clock=clock, customer=target, content="called",
                                   at=clock.now - timedelta(days=40), next_on=nxt)
    with db.read() as session:
        boss = get_user(session, "boss")
        names = lambda q: [c.name for c in customers.list_customers(session, q, user=boss, clock=clock)]  # noqa: E731
        assert names(CustomerQuery(due="today")) == ["due today"]
        assert names(CustomerQuery(idle_days=30, sort="id")) == ["due today", "overdue", "never"]
        assert names(CustomerQuery(idle_days=60)) == ["never"]


def test_logging_a_follow_up_updates_last_and_next_dates(db, make_customer, clock) -> None:
    c = make_customer("明达")
    with db.write() as session:
        boss = get_user(session, "boss")
        target = customers.resolve_customer(session, str(c.id), user=boss)
        followups.log_followup(session, user=boss, clock=clock, customer=target, content="报价", method="微信",
                               next_on=date(2026, 12, 1))
        assert target.last_followup_at == clock.now and target.next_followup_on == date(2026, 12, 1)


def test_a_back_dated_follow_up_does_not_move_the_dates_back(db, make_customer, clock) -> None:
    c = make_customer("明达")
    with db.write() as session:
        boss = get_user(session, "boss")
        target = customers.resolve_customer(session, str(c.id), user=boss)
        followups.log_followup(session, user=boss, clock=clock, customer=target, content="new", next_on=date(2026, 12, 1))
        followups.log_followup(session, user=boss, clock=clock, customer=target, content="old",
                               at=clock.now - timedelta(days=10), next_on=date(2026, 11, 25))
        assert target.next_followup_on == date(2026, 12, 1) and target.last_followup_at == clock.now


def test_first_user_of_a_new_database_becomes_admin(db, clock) -> None:
    from crm_cli.users import current_user

    with db.write() as session:
        assert current_user(session, "first", clock=clock).role == "admin"
    with db.write() as session, pytest.raises(NotFound):
        current_user(session, "second", clock=clock)


def test_stars_read_like_a_sheet_cell_and_out_of_range_is_refused(db, make_customer) -> None:
    assert make_customer("三星公司", stars="三星").stars == 3
    assert make_customer("星号公司", stars="★★★★").stars == 4
    with pytest.raises(InvalidInput, match="from 0 to 5"):
        make_customer("六星公司", stars=6)
    with pytest.raises(InvalidInput, match="whole number"):
        make_customer("坏星公司", stars="many")


def test_a_bad_credit_code_names_the_field_and_has_one_full_stop(db, make_customer) -> None:
    with pytest.raises(InvalidInput) as err:
        make_customer("代码公司", credit_code="91440300MA5DXXXX1X")
    assert "统一社会信用代码" in str(err.value) and ".;" not in str(err.value)


def test_stars_options_and_the_search_box_read_stars_like_a_sheet(cli, db) -> None:
    import json

    from crm_cli import querytext

    assert cli("customer", "add", "三星公司", "--stars", "三星").exit_code == 0
    assert cli("customer", "add", "四星公司", "--stars", "★★★★").exit_code == 0
    res = cli("customer", "list", "--stars", "四星", "--json")
    assert [c["name"] for c in json.loads(res.stdout)] == ["四星公司"]
    bad = cli("customer", "edit", "三星公司", "--stars", "9")
    assert bad.exit_code == 1 and "from 0 to 5" in bad.stderr
    query = querytext.parse("明达 星级:三星 level:intent")
    assert (query.min_stars, query.level, query.search) == (3, ["intent"], "明达")
    with pytest.raises(InvalidInput, match="0 to 5"):
        querytext.parse("stars:many")


def test_a_phone_or_mobile_without_a_digit_is_refused_and_nothing_is_written(cli, db) -> None:
    import json

    bad = cli("customer", "add", "甲公司", "--phone", "见备注")
    assert bad.exit_code == 1 and "phone '见备注' has no digits" in bad.stderr
    bad = cli("customer", "add", "乙公司", "--contact", "钱七", "--mobile", "abc")
    assert bad.exit_code == 1 and "mobile 'abc' has no digits" in bad.stderr
    assert json.loads(cli("customer", "list", "--json").stdout) == []  # the customer went with its contact
    assert cli("customer", "add", "丙公司", "--phone", "0755-8600 1234 转 808").exit_code == 0  # kept as typed
    assert json.loads(cli("customer", "show", "丙公司", "--json").stdout)["phone"] == "0755-8600 1234 转 808"
    assert cli("customer", "edit", "丙公司", "--phone", "none yet").exit_code == 1
