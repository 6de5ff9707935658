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
    # The funnel: customers won in a window, deals created in a window, each deal's stage history in order.
    op.create_index("ix_customers_won", "customers", ["won_on", "deleted_at", "owner_id", "level"])
    op.create_index("ix_customers_deleted", "customers", ["deleted_at"], sqlite_where=sa.text("deleted_at IS NOT NULL"))
    op.create_index("ix_deals_report", "deals", ["created_at", "customer_id", "owner_id", "stage", "amount_cents"])
    op.create_index("ix_deal_stage_changes_report", "deal_stage_changes", ["deal_id", "at", "to_stage"])
    # The pool report: claims in a window (the from_user index would walk every "add" event from nobody).
    op.create_index("ix_ownership_report", "ownership_history", ["kind", "at", "to_user_id", "from_user_id"])


def downgrade() -> None:
    op.drop_index("ix_ownership_report", "ownership_history")
    op.drop_index("ix_deal_stage_changes_report", "deal_stage_changes")
    op.drop_index("ix_deals_report", "deals")
    op.drop_index("ix_customers_deleted", "customers")
    op.drop_index("ix_customers_won", "customers")
    op.drop_index("ix_customers_report", "customers")
    op.drop_table("sales_targets")
