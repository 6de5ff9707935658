"""The entry-time duplicate check: add/edit refuse likely duplicates (exit 4) unless --force, or ask at a terminal."""

from __future__ import annotations

from typing import Any

import pytest

from crm_cli.customers import add_customer, find_duplicates
from crm_cli.errors import DuplicateRefused


def _find(db: Any, values: dict[str, Any], **kw: Any) -> list[Any]:
    with db.read() as session:
        return find_duplicates(session, values, **kw)


def test_variant_of_an_existing_company_is_found_with_score_and_reasons(db, make_customer) -> None:
    make_customer("深圳市明达电子科技有限公司")
    [match] = _find(db, {"name": "明达电子科技（深圳）有限公司"})
    assert match.score == 100 and match.reasons == ["same name after normalising"]


def test_different_business_of_the_same_brand_is_not_found(db, make_customer) -> None:
    make_customer("深圳市明达电子科技有限公司")
    assert _find(db, {"name": "深圳市明达机械设备有限公司"}) == []


def test_shared_phone_is_found_across_languages(db, make_customer) -> None:
    make_customer("华为技术有限公司", phone="0755-28780808")
    [match] = _find(db, {"name": "Huawei Technologies Co., Ltd.", "phone": "+86 755 2878 0808"})
    assert "same phone" in match.reasons


def test_exclude_id_skips_the_record_itself(db, make_customer) -> None:
    c = make_customer("ACME Widgets, Inc.")
    assert _find(db, {"name": "Acme Widgets"}, exclude_id=c.id) == []


def test_min_score_setting_is_respected(db, make_customer) -> None:
    make_customer("深圳市明达电子科技有限公司")
    assert _find(db, {"name": "深圳市明达电于科技有限公司"}, min_score=90) == []
    assert len(_find(db, {"name": "深圳市明达电于科技有限公司"}, min_score=80)) == 1


def test_deleted_customers_do_not_count(db, make_customer, clock) -> None:
    from crm_cli.customers import delete_customer
    from crm_cli.users import get_user

    c = make_customer("ACME Widgets, Inc.")
    with db.write() as session:
        delete_customer(session, user=get_user(session, "boss"), clock=clock, customer=session.get(type(c), c.id))
    assert _find(db, {"name": "Acme Widgets"}) == []


def test_a_customer_hidden_from_the_user_still_refuses_but_shows_only_name_and_owner(db, make_user, make_customer,
                                                                                    clock) -> None:
    make_user("li", role="rep")
    make_user("wu", role="rep")
    make_customer("ACME Widgets, Inc.", owner="li", phone="+852 2345 6789")
    with db.write() as session:
        from crm_cli.users import get_user

        with pytest.raises(DuplicateRefused) as err:
            add_customer(session, user=get_user(session, "wu"), clock=clock, data={"name": "Acme Widgets Ltd"})
    [match] = err.value.matches
    assert match.visible is False
    assert err.value.details == [f"#{match.customer.id} ACME Widgets, Inc. (owned by li, not visible to you): score 100"]
    assert "hidden from you" in err.value.message


def test_edit_that_makes_a_duplicate_is_refused(db, make_customer, clock) -> None:
    from crm_cli.customers import edit_customer
    from crm_cli.db.models import Customer
    from crm_cli.users import get_user

    make_customer("ACME Widgets, Inc.", phone="+852 2345 6789")
    other = make_customer("Northwind Foods Ltd")
    with db.write() as session, pytest.raises(DuplicateRefused):
        edit_customer(session, user=get_user(session, "boss"), clock=clock, customer=session.get(Customer, other.id),
                      changes={"phone": "+85223456789"})


def test_keys_and_tokens_follow_an_edit(db, make_customer, clock) -> None:
    from crm_cli.customers import edit_customer
    from crm_cli.db.models import Customer
    from crm_cli.users import get_user

    c = make_customer("Northwind Foods Ltd")
    with db.write() as session:
        edit_customer(session, user=get_user(session, "boss"), clock=clock, customer=session.get(Customer, c.id),
                      changes={"name": "深圳市明达电子科技有限公司"})
    assert [m.customer.id for m in _find(db, {"name": "明达电子科技"})] == [c.id]
    assert _find(db, {"name": "Northwind Foods"}) == []


def test_cli_add_refuses_a_duplicate_with_exit_4_and_lists_it(cli, make_customer) -> None:
    c = make_customer("深圳市明达电子科技有限公司")
    result = cli("customer", "add", "深圳市明達電子科技有限公司")
    assert result.exit_code == 4
    assert f"#{c.id} 深圳市明达电子科技有限公司" in result.stderr and "score 100" in result.stderr


def test_cli_add_force_adds_anyway(cli, make_customer, db) -> None:
    make_customer("深圳市明达电子科技有限公司")
    assert cli("customer", "add", "明达电子科技", "--force").exit_code == 0
    assert len(_find(db, {"name": "明达电子科技"}, limit=5)) == 2


def test_cli_add_asks_at_a_terminal(cli, make_customer, db, monkeypatch) -> None:
    from crm_cli.commands import _common

    monkeypatch.setattr(_common, "is_interactive", lambda: True)
    make_customer("深圳市明达电子科技有限公司")
    refused = cli("customer", "add", "明达电子科技", input="n\n")
    assert refused.exit_code == 4 and "Add it anyway?" in refused.stderr
    accepted = cli("customer", "add", "明达电子科技", input="y\n")
    assert accepted.exit_code == 0
    assert len(_find(db, {"name": "明达电子科技"}, limit=5)) == 2


def test_cli_edit_refuses_then_force_saves(cli, make_customer) -> None:
    make_customer("ACME Widgets, Inc.")
    other = make_customer("Northwind Foods Ltd")
    assert cli("customer", "edit", str(other.id), "--name", "The Acme Widgets Company").exit_code == 4
    assert cli("customer", "edit", str(other.id), "--name", "The Acme Widgets Company", "--force").exit_code == 0


def test_upgrade_from_0002_computes_keys_and_tokens_of_existing_customers(db_path) -> None:
    import sqlite3

    from sqlalchemy import create_engine

    from crm_cli.db.engine import Database, run_migrations

    engine = create_engine(f"sqlite:///{db_path}")
    with engine.begin() as conn:
        run_migrations(conn, target="0002")
    engine.dispose()
    con = sqlite3.connect(db_path)
    con.execute("INSERT INTO customers (id, name, level, stars, is_target, search_text, phone) "
                "VALUES (1, '深圳市明達電子科技有限公司', 'intent', 0, 0, '', '0755-86001234')")
    con.commit()
    con.close()
    database = Database(db_path).open()
    try:
        [match] = _find(database, {"name": "明达电子科技（深圳）有限公司"})
        assert match.customer.name_key == "明达电子科技" and match.customer.phone_key == "+8675586001234"
    finally:
        database.dispose()
