"""Substring search: an FTS5 trigram index over customers.search_text, plus a birthday index on contacts.

Trigram matching answers queries of three or more characters from the index; shorter ones (华信, 明达) fall back to
a scan of the same column (crm_cli.db.search). Triggers keep the index in step with the customers table.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE VIRTUAL TABLE customers_fts USING fts5("
        "search_text, content='customers', content_rowid='id', tokenize='trigram')"
    )
    op.execute(
        "CREATE TRIGGER customers_fts_ai AFTER INSERT ON customers BEGIN "
        "INSERT INTO customers_fts(rowid, search_text) VALUES (new.id, new.search_text); END"
    )
    op.execute(
        "CREATE TRIGGER customers_fts_ad AFTER DELETE ON customers BEGIN "
        "INSERT INTO customers_fts(customers_fts, rowid, search_text) VALUES('delete', old.id, old.search_text); END"
    )
    op.execute(
        "CREATE TRIGGER customers_fts_au AFTER UPDATE OF search_text ON customers BEGIN "
        "INSERT INTO customers_fts(customers_fts, rowid, search_text) VALUES('delete', old.id, old.search_text); "
        "INSERT INTO customers_fts(rowid, search_text) VALUES (new.id, new.search_text); END"
    )
    op.execute("INSERT INTO customers_fts(customers_fts) VALUES('rebuild')")
    op.execute("CREATE INDEX ix_contacts_birthday_md ON contacts (strftime('%m-%d', birthday))")


def downgrade() -> None:
    op.execute("DROP INDEX ix_contacts_birthday_md")
    for trigger in ("customers_fts_ai", "customers_fts_ad", "customers_fts_au"):
        op.execute(f"DROP TRIGGER {trigger}")
    op.execute("DROP TABLE customers_fts")
