"""Ownership history, shares, alert deliveries and invalidation requests; an index for the pool sweep.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ownership_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("from_user_id", sa.Integer(), nullable=True),
        sa.Column("to_user_id", sa.Integer(), nullable=True),
        sa.Column("by_user_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_ownership_customer_at", "ownership_history", ["customer_id", "at"])
    op.create_index("ix_ownership_from_customer", "ownership_history", ["from_user_id", "customer_id", "at"])
    op.create_table(
        "customer_shares",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("granted_by", sa.Integer(), nullable=True),
        sa.Column("granted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("customer_id", "user_id"),
    )
    op.create_index("ix_customer_shares_user", "customer_shares", ["user_id", "customer_id"])
    op.create_table(
        "alert_deliveries",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("item_key", sa.String(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("user_id", "kind", "item_key", "due"),
    )
    op.create_table(
        "invalidation_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("note", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["requested_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_invalidation_status", "invalidation_requests", ["status", "requested_at"])
    # Partial indexes over owned, live customers holding every column the sweep, the pool warnings and the
    # follow-up alerts test: SQLite filters on the index and reads a table row only for a match.
    owned = sa.text("owner_id IS NOT NULL AND deleted_at IS NULL")
    op.create_index("ix_customers_owned_clock", "customers", ["owner_id", "owned_since", "last_followup_at", "level"],
                    sqlite_where=owned)
    op.create_index("ix_customers_owned_due", "customers", ["next_followup_on", "owner_id", "level"],
                    sqlite_where=owned)


def downgrade() -> None:
    op.drop_index("ix_customers_owned_due", "customers")
    op.drop_index("ix_customers_owned_clock", "customers")
    op.drop_index("ix_invalidation_status", "invalidation_requests")
    for table in ("invalidation_requests", "alert_deliveries", "customer_shares", "ownership_history"):
        op.drop_table(table)
