"""`crm dedupe` (clusters across the database) and `crm merge` / `crm merge undo`."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import select

from crm_cli.db.models import AuditEntry, Contact, Customer, FollowUp


def _clusters(cli: Any, *args: str) -> list[dict[str, Any]]:
    result = cli("dedupe", "--json", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["clusters"]


def test_dedupe_groups_variants_and_keeps_hard_negatives_apart(cli, make_customer) -> None:
    a = make_customer("深圳市明达电子科技有限公司")
    b = make_customer("明达电子科技（深圳）有限公司")
    c = make_customer("深圳市明達電子科技有限公司")
    make_customer("深圳市明达机械设备有限公司")
    make_customer("广州市明达电子科技有限公司")
    [cluster] = _clusters(cli)
    assert cluster["customers"] == [a.id, b.id, c.id]
    assert {"a": a.id, "b": b.id, "score": 100, "reasons": ["same name after normalising"]} in cluster["pairs"]


def test_dedupe_links_names_in_two_languages_by_phone(cli, make_customer) -> None:
    a = make_customer("华为技术有限公司", phone="0755-28780808")
    b = make_customer("Huawei Technologies Co., Ltd.", phone="+86 755 2878 0808")
    [cluster] = _clusters(cli)
    assert cluster["customers"] == [a.id, b.id] and "same phone" in cluster["pairs"][0]["reasons"]


def test_dedupe_min_score_and_owner_filter(cli, make_customer, make_user) -> None:
    make_user("li", role="rep")
    make_customer("ACME Widgets, Inc.", owner="li")
    make_customer("Acme Widgets Ltd", owner="li")
    make_customer("深圳市明达电子科技有限公司")
    make_customer("深圳市明达电于科技有限公司")
    assert len(_clusters(cli)) == 2
    assert len(_clusters(cli, "--min-score", "90")) == 1
    [only] = _clusters(cli, "--owner", "li")
    assert len(only["customers"]) == 2


def test_dedupe_writes_xlsx_that_reads_back(cli, make_customer, tmp_path) -> None:
    from openpyxl import load_workbook

    make_customer("ACME Widgets, Inc.")
    make_customer("The Acme Widgets Company")
    out = tmp_path / "dups.xlsx"
    assert cli("dedupe", "--xlsx", str(out)).exit_code == 0
    rows = list(load_workbook(out)["Duplicates"].iter_rows(values_only=True))
    assert [r[2] for r in rows[1:]] == ["ACME Widgets, Inc.", "The Acme Widgets Company"]
    assert rows[1][7] == 100


def test_dedupe_table_lists_reasons(cli, make_customer) -> None:
    make_customer("ACME Widgets, Inc.")
    make_customer("The Acme Widgets Company")
    result = cli("dedupe")
    assert "same name after normalising" in result.stdout


def _pair_with_history(make_customer: Any, cli: Any) -> tuple[Any, Any]:
    keep = make_customer("深圳市明达电子科技有限公司", phone="0755-86001234")
    other = make_customer("明达电子科技（深圳）有限公司", email="wq@mingda.cn", address="南山区科技园12号")
    assert cli("contact", "add", str(other.id), "王强", "--mobile", "13812345678").exit_code == 0
    assert cli("follow", "add", str(other.id), "called about the quote").exit_code == 0
    return keep, other


def test_merge_fills_empty_fields_and_moves_contacts_followups_history(cli, db, make_customer) -> None:
    keep, other = _pair_with_history(make_customer, cli)
    result = cli("merge", str(keep.id), str(other.id), "--json")
    assert result.exit_code == 0, result.stderr
    with db.read() as s:
        kept = s.get(Customer, keep.id)
        assert (kept.phone, kept.email, kept.address) == ("0755-86001234", "wq@mingda.cn", "南山区科技园12号")
        assert kept.last_followup_at is not None
        assert s.get(Customer, other.id).deleted_at is not None
        assert [c.customer_id for c in s.exec(select(Contact))] == [keep.id]
        assert [f.customer_id for f in s.exec(select(FollowUp))] == [keep.id]
        actions = [e.action for e in s.exec(select(AuditEntry).where(AuditEntry.customer_id == keep.id))]
    assert "merge" in actions and actions.count("create") == 4  # both customers, the contact, the follow-up


def test_merge_take_picks_a_field_from_a_record(cli, db, make_customer) -> None:
    keep = make_customer("ACME Widgets, Inc.", phone="+852 2345 6789")
    other = make_customer("Acme Widgets Ltd", phone="+852 9876 5432")
    assert cli("merge", str(keep.id), str(other.id), "--take", "phone=" + str(other.id),
               "--take", "name=" + str(other.id)).exit_code == 0
    with db.read() as s:
        kept = s.get(Customer, keep.id)
    assert (kept.name, kept.phone) == ("Acme Widgets Ltd", "+852 9876 5432")


def test_merge_take_from_a_record_outside_the_merge_is_bad_input(cli, make_customer) -> None:
    keep = make_customer("ACME Widgets, Inc.")
    other = make_customer("Acme Widgets Ltd")
    result = cli("merge", str(keep.id), str(other.id), "--take", "phone=999")
    assert result.exit_code == 1 and "not one of the merged customers" in result.stderr


def test_merge_asks_field_by_field_in_a_terminal(cli, db, make_customer, monkeypatch) -> None:
    from crm_cli.commands import _common

    monkeypatch.setattr(_common, "is_interactive", lambda: True)
    keep = make_customer("ACME Widgets, Inc.", phone="+852 2345 6789")
    other = make_customer("Acme Widgets Ltd", phone="+852 9876 5432")
    result = cli("merge", str(keep.id), str(other.id), input="1\n2\n")  # name from keep, phone from other
    assert result.exit_code == 0, result.stderr
    with db.read() as s:
        kept = s.get(Customer, keep.id)
    assert (kept.name, kept.phone) == ("ACME Widgets, Inc.", "+852 9876 5432")


def test_merge_undo_restores_records_and_moves_rows_back(cli, db, make_customer) -> None:
    keep, other = _pair_with_history(make_customer, cli)
    with db.read() as s:
        before = {c.id: (c.name, c.email, c.deleted_at, c.last_followup_at) for c in s.exec(select(Customer))}
    assert cli("merge", str(keep.id), str(other.id)).exit_code == 0
    result = cli("merge", "undo", "1")
    assert result.exit_code == 0, result.stderr
    with db.read() as s:
        after = {c.id: (c.name, c.email, c.deleted_at, c.last_followup_at) for c in s.exec(select(Customer))}
        assert [c.customer_id for c in s.exec(select(Contact))] == [other.id]
        assert [f.customer_id for f in s.exec(select(FollowUp))] == [other.id]
    assert after == before
    assert cli("merge", "undo", "1").exit_code == 4


def test_merge_undo_is_refused_once_a_record_changed(cli, make_customer) -> None:
    keep, other = _pair_with_history(make_customer, cli)
    assert cli("merge", str(keep.id), str(other.id)).exit_code == 0
    assert cli("customer", "edit", str(keep.id), "--stars", "3").exit_code == 0
    result = cli("merge", "undo", "1")
    assert result.exit_code == 4 and "changed after merge 1" in result.stderr


def test_merge_of_someone_elses_customer_is_refused(cli, make_customer, make_user) -> None:
    make_user("li", role="rep")
    make_user("wu", role="rep")
    keep = make_customer("ACME Widgets, Inc.", owner="wu")
    other = make_customer("Acme Widgets Ltd", owner="pool")
    assert cli("merge", str(keep.id), str(other.id), user="wu").exit_code == 4


def test_merge_list_shows_merges(cli, make_customer) -> None:
    keep = make_customer("ACME Widgets, Inc.")
    other = make_customer("Acme Widgets Ltd")
    cli("merge", str(keep.id), str(other.id))
    result = cli("merge", "list", "--json")
    assert json.loads(result.stdout)[0]["keep_id"] == keep.id


def test_other_areas_can_register_references(db, make_customer, clock) -> None:
    from crm_cli import merge

    assert ("contacts", "customer_id") in merge.CUSTOMER_REFERENCES
    assert ("followups", "customer_id") in merge.CUSTOMER_REFERENCES


def test_rebuild_index_recomputes_keys_of_bulk_loaded_rows(db, make_customer) -> None:
    from sqlalchemy import text

    from crm_cli import dedupe

    c = make_customer("ACME Widgets, Inc.")
    with db.write() as s:
        s.connection().execute(text("UPDATE customers SET name_key = NULL WHERE id = :i"), {"i": c.id})
        s.connection().execute(text("DELETE FROM customer_tokens"))
        assert dedupe.rebuild_index(s) == 1
    with db.read() as s:
        assert s.get(Customer, c.id).name_key == "acme widgets"
        assert s.connection().execute(text("SELECT count(*) FROM customer_tokens")).scalar() > 0


def test_merge_moves_deals_shares_and_ownership_history(cli, db, make_customer, make_user) -> None:
    from crm_cli.db.models import CustomerShare, Deal, OwnershipEvent

    make_user("li", role="rep")
    keep = make_customer("ACME Widgets, Inc.")
    other = make_customer("Acme Widgets Ltd")
    assert cli("deal", "add", str(other.id), "Widgets for 2027", "--amount", "30000").exit_code == 0
    assert cli("customer", "share", str(other.id), "--with", "li").exit_code == 0
    assert cli("merge", str(keep.id), str(other.id)).exit_code == 0
    with db.read() as s:
        assert [d.customer_id for d in s.exec(select(Deal))] == [keep.id]
        assert [(sh.customer_id, sh.user_id) for sh in s.exec(select(CustomerShare))][0][0] == keep.id
        assert {e.customer_id for e in s.exec(select(OwnershipEvent))} == {keep.id}


def test_merge_moves_shares_and_keeps_a_duplicate_share_behind(db, make_customer, make_user, clock) -> None:
    from sqlalchemy import text

    from crm_cli import merge
    from crm_cli.users import get_user

    make_user("li", role="rep")
    keep = make_customer("ACME Widgets, Inc.")
    other = make_customer("Acme Widgets Ltd")
    with db.write() as s:
        li = get_user(s, "li")
        conn = s.connection()
        cols = {r[1] for r in conn.execute(text("PRAGMA table_info(customer_shares)"))}
        extra = dict.fromkeys(cols - {"id", "customer_id", "user_id"})
        for cid in (keep.id, other.id):
            names = ", ".join(["customer_id", "user_id", *extra])
            marks = ", ".join([":c", ":u", *(f":{c}" for c in extra)])
            conn.execute(text(f"INSERT INTO customer_shares ({names}) VALUES ({marks})"), {"c": cid, "u": li.id, **extra})
        merge.merge_customers(s, user=get_user(s, "boss"), clock=clock, keep=s.get(Customer, keep.id),
                              others=[s.get(Customer, other.id)])
    with db.read() as s:
        rows = s.connection().execute(text("SELECT customer_id FROM customer_shares ORDER BY customer_id")).all()
    assert [r[0] for r in rows] == [keep.id, other.id]  # the kept customer already had li's share
