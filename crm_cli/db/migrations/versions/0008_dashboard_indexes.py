"""Indexes for the dashboard (and anything listing one user's customers) on 100k-customer files.

- ix_customers_live_search (deleted_at, owner_id, level, search_text): a covering index for the live search. A
  one- or two-character query (明达) cannot use the trigram index and scans search_text; scanning this index
  instead of the wide customers table is 2-4 times cheaper, and counting matches or visible customers never
  touches the table. ``level`` is in it because a rep's visibility rule reads it (pool customers that are not
  invalid).
- ix_customers_owner_level (owner_id, level, deleted_at): "my customers by level" without a table scan.
- ix_customers_owner_created (owner_id, created_at): this month's new customers.
- ix_audit_at (at): this month's changes (won customers) without probing every customer's history.

Revision ID: 0008
Revises: 0003
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_customers_live_search": ("customers", ["deleted_at", "owner_id", "level", "search_text"]),
    "ix_customers_owner_level": ("customers", ["owner_id", "level", "deleted_at"]),
    "ix_customers_owner_created": ("customers", ["owner_id", "created_at"]),
    "ix_audit_at": ("audit_log", ["at"]),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, (table, _columns) in INDEXES.items():
        op.drop_index(name, table_name=table)
