"""The indexes of ``customers`` that the migrations create are exactly the ones the models declare (columns, order
and partial WHERE), and the queries of `crm remind` and the agenda use the owner indexes."""

import re
import sqlite3

import pytest


def _norm(where: object) -> str | None:
    return re.sub(r"\s+", " ", str(where)).strip().lower() if where is not None else None


def _migrated(path) -> dict[str, tuple[tuple[str, ...], str | None]]:
    con = sqlite3.connect(path)
    out = {}
    for name, sql in con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'customers' "
                                 "AND sql IS NOT NULL"):
        cols = tuple(r[2] for r in con.execute(f"PRAGMA index_info({name})"))
        where = sql.split(" WHERE ", 1)[1] if " WHERE " in sql else None
        out[name] = (cols, _norm(where))
    con.close()
    return out


def _declared() -> dict[str, tuple[tuple[str, ...], str | None]]:
    from crm_cli.db.models import Customer

    out = {}
    for index in Customer.__table__.indexes:  # type: ignore[attr-defined]
        where = index.dialect_options["sqlite"].get("where")
        out[index.name] = (tuple(c.name for c in index.columns), _norm(where))
    return out


def test_the_migrated_customer_indexes_are_the_declared_ones(db) -> None:
    db.open()
    assert _migrated(db.path) == _declared()


def test_no_index_but_the_report_index_holds_owner_id_for_every_customer(db) -> None:
    """A sweep rewrites each index holding owner_id; the per-owner ones are partial (owned customers only)."""
    full = {name for name, (cols, where) in _declared().items() if "owner_id" in cols and where is None}
    assert full == {"ix_customers_report"}


@pytest.mark.parametrize("sql", [
    "SELECT id FROM customers WHERE owner_id IN (SELECT id FROM users) AND deleted_at IS NULL "
    "AND level != 'invalid' AND next_followup_on <= '2026-01-01'",
    "SELECT id, owner_id FROM customers WHERE owner_id IS NOT NULL AND deleted_at IS NULL AND level NOT IN ('won') "
    "AND (owned_since IS NULL OR owned_since < '2026-01-01') AND (last_followup_at IS NULL OR last_followup_at < '2026-01-01')",
    "SELECT id FROM customers WHERE owner_id = 1 AND deleted_at IS NULL AND level != 'invalid' "
    "AND last_followup_at IS NULL",
])
def test_owner_queries_can_use_the_partial_owner_indexes(db, sql: str) -> None:
    db.open()
    con = sqlite3.connect(db.path)
    plan = " ".join(str(r[-1]) for r in con.execute("EXPLAIN QUERY PLAN " + sql))
    con.close()
    assert re.search(r"INDEX ix_customers_owner_(due|clock)", plan), plan


def test_the_upgrade_keeps_payment_deliveries_under_their_new_family(db_path) -> None:
    from crm_cli.db.engine import Database, make_engine, run_migrations

    engine = make_engine(db_path)
    with engine.begin() as conn:
        run_migrations(conn, target="0007b")
        conn.exec_driver_sql("INSERT INTO users (id, username, display_name, role, active) VALUES (1, 'wang', '', 'rep', 1)")
        for kind in ("payment_due", "payment_overdue", "followup"):
            conn.exec_driver_sql("INSERT INTO alert_deliveries (user_id, kind, item_key, due, delivered_at) "
                                 f"VALUES (1, '{kind}', 'installment:7', '2026-12-01', '2026-11-30 01:00:00')")
    engine.dispose()
    Database(db_path).open().dispose()
    con = sqlite3.connect(db_path)
    assert sorted(con.execute("SELECT kind, item_key FROM alert_deliveries")) == [
        ("followup", "installment:7"), ("payment", "installment:7")]
    con.close()
