"""Migration 0006 creates exactly what the sales models declare, and upgrades an older file."""

import sqlite3

import pytest

SALES_TABLES = {"products", "deals", "deal_lines", "deal_stage_changes", "contracts", "contract_lines",
                "installments", "payments"}


def _table_of(diff) -> str | None:
    for item in diff if isinstance(diff, list) else [diff]:
        for part in item[1:]:
            name = getattr(part, "name", None) if not isinstance(part, str) else None
            table = getattr(part, "table", None)
            if table is not None:
                return table.name
            if name and hasattr(part, "columns") and not hasattr(part, "table"):
                return name
            if isinstance(part, str) and part in SALES_TABLES | {"customers"}:
                return part
    return None


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection")
def test_models_match_the_migrated_schema(db) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    from crm_cli.db.models import load_all

    load_all()
    with db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    ours = [d for d in diffs if _table_of(d) in SALES_TABLES or "won_on" in repr(d)]
    assert ours == []


def test_a_0002_database_upgrades_and_keeps_its_customers(db_path) -> None:
    from crm_cli.db.engine import Database, make_engine, run_migrations

    engine = make_engine(db_path)
    with engine.begin() as conn:
        run_migrations(conn, target="0002")
        conn.exec_driver_sql("INSERT INTO customers (name, level, stars, is_target, search_text) "
                             "VALUES ('明达电子', 'won', 0, 0, '明达电子')")
    engine.dispose()
    Database(db_path).open().dispose()
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT name, won_on FROM customers").fetchall() == [("明达电子", None)]
    assert con.execute("SELECT rowid FROM customers_fts WHERE customers_fts MATCH '明达电'").fetchall() == [(1,)]
    assert SALES_TABLES <= {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    con.close()
