"""The indexes of ``customers`` and ``customer_owners`` that the migrations create are exactly the ones the models
declare (columns, order and partial WHERE), and the queries of `crm remind`, the agenda, the pool and the reports
use the index set of migration 0010."""

import re
import sqlite3

import pytest


def _norm(where: object) -> str | None:
    return re.sub(r"\s+", " ", str(where)).strip().lower() if where is not None else None


def _migrated(path, table: str = "customers") -> dict[str, tuple[tuple[str, ...], str | None]]:
    con = sqlite3.connect(path)
    out = {}
    for name, sql in con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                                 "AND sql IS NOT NULL", (table,)):
        cols = tuple(r[2] for r in con.execute(f"PRAGMA index_info({name})"))
        where = sql.split(" WHERE ", 1)[1] if " WHERE " in sql else None
        out[name] = (cols, _norm(where))
    con.close()
    return out


def _declared(model: str = "Customer") -> dict[str, tuple[tuple[str, ...], str | None]]:
    from crm_cli.db import models

    out = {}
    for index in getattr(models, model).__table__.indexes:
        where = index.dialect_options["sqlite"].get("where")
        out[index.name] = (tuple(c.name for c in index.columns), _norm(where))
    return out


@pytest.mark.parametrize(("table", "model"), [("customers", "Customer"), ("customer_owners", "CustomerOwner")])
def test_the_migrated_indexes_are_the_declared_ones(db, table: str, model: str) -> None:
    db.open()
    assert _migrated(db.path, table) == _declared(model)


def test_the_owner_and_the_clock_live_only_in_customer_owners(db) -> None:
    """A sweep rewrites the customer_owners row and the two owner indexes, never a page of customers."""
    db.open()
    con = sqlite3.connect(db.path)
    customer_columns = {r[1] for r in con.execute("PRAGMA table_info(customers)")}
    owner_columns = [r[1] for r in con.execute("PRAGMA table_info(customer_owners)")]
    con.close()
    assert not customer_columns & {"owner_id", "owned_since", "last_followup_at"}
    assert owner_columns == ["customer_id", "owner_id", "owned_since", "last_followup_at"]
    assert _declared("CustomerOwner") == {
        "ix_customer_owners_owner": (("owner_id",), None),
        "ix_customer_owners_clock": (("owner_id", "last_followup_at", "owned_since"), "owner_id is not null")}


OWNED = "customer_owners o JOIN customers c ON c.id = o.customer_id"


@pytest.mark.parametrize(("sql", "index"), [
    # the sweep: owned customers whose clock ran out (remind)
    (f"SELECT o.customer_id, o.owner_id FROM {OWNED} WHERE o.owner_id IS NOT NULL AND c.deleted_at IS NULL "
     "AND c.level NOT IN ('won', 'invalid') AND (o.owned_since IS NULL OR o.owned_since < '2026-01-01') "
     "AND (o.last_followup_at IS NULL OR o.last_followup_at < '2026-01-01')", "ix_customer_owners_clock"),
    # the agenda: a user's idle customers, oldest first, and the ones never followed up
    (f"SELECT c.id FROM {OWNED} WHERE o.owner_id = 1 AND c.deleted_at IS NULL AND c.level != 'invalid' "
     "AND o.last_followup_at < '2026-01-01' ORDER BY o.last_followup_at LIMIT 50", "ix_customer_owners_clock"),
    (f"SELECT c.id FROM {OWNED} WHERE o.owner_id = 1 AND c.deleted_at IS NULL AND o.last_followup_at IS NULL",
     "ix_customer_owners_clock"),
    # access.owned_by / in_pool, and the import's owner caps
    ("SELECT id FROM customers WHERE id IN (SELECT customer_id FROM customer_owners WHERE owner_id = 1) "
     "AND deleted_at IS NULL", "ix_customer_owners_owner"),
    ("SELECT id FROM customers WHERE id IN (SELECT customer_id FROM customer_owners WHERE owner_id IS NULL) "
     "AND level != 'invalid' ORDER BY id LIMIT 50", "ix_customer_owners_owner"),
    (f"SELECT o.owner_id, count(*) FROM {OWNED} WHERE o.owner_id IN (1, 2) AND c.deleted_at IS NULL "
     "GROUP BY o.owner_id", "ix_customer_owners_owner"),
    # reports: a created_at window or the customers won in one, grouped by owner (owner by primary key)
    (f"SELECT o.owner_id, count(*) FROM {OWNED} WHERE c.created_at >= '2026-01-01' AND c.created_at < '2026-02-01' "
     "AND c.deleted_at IS NULL GROUP BY o.owner_id", "ix_customers_report"),
    (f"SELECT o.owner_id, count(*) FROM {OWNED} WHERE c.won_on >= '2026-01-01' AND c.won_on < '2026-02-01' "
     "AND c.deleted_at IS NULL GROUP BY o.owner_id", "ix_customers_won"),
])
def test_owner_and_report_queries_use_the_new_index_set(db, sql: str, index: str) -> None:
    db.open()
    con = sqlite3.connect(db.path)
    plan = " | ".join(str(r[-1]) for r in con.execute("EXPLAIN QUERY PLAN " + sql))
    con.close()
    assert f"INDEX {index} " in plan, plan
    assert not re.search(r"SCAN (c|o|customers|customer_owners)\b", plan), plan


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
