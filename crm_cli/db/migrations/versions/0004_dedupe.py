"""Duplicate detection and merge: city/address keys, the blocking-token table, merges with snapshots.

Existing customers get their keys recomputed with crm_cli.normalize and their tokens indexed.

Revision ID: 0004
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("city_key", sa.String(), nullable=True))
        batch.add_column(sa.Column("address_key", sa.String(), nullable=True))
    op.create_table(
        "customer_tokens",
        sa.Column("token", sa.String(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token", "customer_id"),
    )
    op.create_index("ix_customer_tokens_customer_id", "customer_tokens", ["customer_id"])
    op.create_table(
        "merges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("keep_id", sa.Integer(), nullable=False),
        sa.Column("other_ids", sa.JSON(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=True),
        sa.Column("undone_at", sa.DateTime(), nullable=True),
        sa.Column("undone_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["undone_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_merges_keep_id", "merges", ["keep_id"])
    from crm_cli.dedupe import rebuild_keys_and_index

    # Keys only: the tokens are indexed by 0011, which replaces this table with an FTS5 index.
    rebuild_keys_and_index(op.get_bind(), index=False)


def downgrade() -> None:
    op.drop_index("ix_merges_keep_id", "merges")
    op.drop_table("merges")
    op.drop_index("ix_customer_tokens_customer_id", "customer_tokens")
    op.drop_table("customer_tokens")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("address_key")
        batch.drop_column("city_key")
