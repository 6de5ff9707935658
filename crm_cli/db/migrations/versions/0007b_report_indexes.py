"""Reports: covering indexes for the funnel, sales and pool reports (measured with bench/reports_speed.py).

A separate revision because 0007 had already reached main when these were added.

Revision ID: 0007b
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0007b"
down_revision = "0003b"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The funnel: customers won in a window, deals created in a window, each deal's stage history in order;
    # and the few deleted customers, which reports for users who see everything exclude by id.
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
