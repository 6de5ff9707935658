"""Reports: monthly sales targets per user, and covering indexes for the report queries.

Revision ID: 0007
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None

# Every column a report reads from customers, so that report queries never touch the table rows.
REPORT_COLUMNS = ("owner_id", "deleted_at", "created_at", "level", "last_followup_at", "stars", "is_target",
                  "source", "region", "industry")


def upgrade() -> None:
    op.create_table(
        "sales_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(), nullable=False),
        sa.Column("won", sa.Integer(), nullable=True),
        sa.Column("amount_cents", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["updated_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "month", name="uq_sales_targets_user_month"),
    )
    op.create_index("ix_customers_report", "customers", [*REPORT_COLUMNS])


def downgrade() -> None:
    op.drop_index("ix_customers_report", "customers")
    op.drop_table("sales_targets")
