"""The index set of ``customers``, reviewed as a whole (issue 3): fewer indexes that contain ``owner_id``.

Every index that contains a column an UPDATE changes is rewritten for each row it changes. A sweep that returns
customers to the pool changes ``owner_id`` and ``owned_since``, and 7 of the 16 indexes contained ``owner_id``
(one of them the whole ``search_text``): on 100k customers, sweeping 58k cost 4.3 s of CPU in the UPDATE, 0.3 s of
it for the table itself. ``bench/customer_indexes.py`` lists which real queries (commands, reports, dashboard,
remind) use which index; this revision keeps what they use and drops or narrows the rest:

- ix_customers_live_search (deleted_at, owner_id, level, search_text): dropped. Counting 1–2 character matches
  scans the table instead (10–20 ms more on 100k customers), but the index also drew the planner away from the
  owner indexes in `crm remind` and made the first page of `crm customer list` sort every visible customer
  (a rowid-order scan that stops after the page is what it should do).
- ix_customers_owner_level (owner_id, level, deleted_at): dropped; ix_customers_report serves "owner X (or the
  pool), live" and covers level.
- ix_customers_owner_created (owner_id, created_at): dropped; ix_customers_report now starts with
  (owner_id, created_at). Reports never search on deleted_at (they write ``+deleted_at``), so moving it after
  created_at costs them nothing.
- ix_customers_level, ix_customers_last_followup_at: dropped; no query uses them (the owner indexes and the
  rowid order serve those filters and sorts).
- ix_customers_owner_due, ix_customers_owner_clock: partial, ``WHERE owner_id IS NOT NULL``. Every query that
  uses them names an owner (``owner_id = ?`` / ``IN (...)`` / ``IS NOT NULL``); a customer swept to the pool is
  then only deleted from them, not moved to a NULL-owner position.
- ix_customers_won: partial, ``WHERE won_on IS NOT NULL`` (the funnel asks for a won_on window): the sweep, which
  skips won customers, no longer touches it.

Data: `crm remind` now records a payment alert under the family ``payment`` (due and overdue are one item, so it
is not alerted again when it becomes overdue); deliveries recorded as ``payment_due``/``payment_overdue`` are
renamed so that the first run after the upgrade does not repeat them.

Revision ID: 0009
Revises: 0007b
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0007b"
branch_labels = None
depends_on = None

OWNED = "owner_id IS NOT NULL"
REPORT = ["owner_id", "created_at", "deleted_at", "level", "last_followup_at", "stars", "is_target", "source",
          "region", "industry"]


def upgrade() -> None:
    for name in ("ix_customers_live_search", "ix_customers_owner_level", "ix_customers_owner_created",
                 "ix_customers_level", "ix_customers_last_followup_at", "ix_customers_owner_due",
                 "ix_customers_owner_clock", "ix_customers_report", "ix_customers_won"):
        op.drop_index(name, table_name="customers")
    op.create_index("ix_customers_owner_due", "customers", ["owner_id", "next_followup_on", "level", "deleted_at"],
                    sqlite_where=sa.text(OWNED))
    op.create_index("ix_customers_owner_clock", "customers",
                    ["owner_id", "last_followup_at", "owned_since", "level", "deleted_at"], sqlite_where=sa.text(OWNED))
    op.create_index("ix_customers_report", "customers", REPORT)
    op.create_index("ix_customers_won", "customers", ["won_on", "deleted_at", "owner_id", "level"],
                    sqlite_where=sa.text("won_on IS NOT NULL"))
    op.execute("UPDATE OR IGNORE alert_deliveries SET kind = 'payment' WHERE kind IN ('payment_due', 'payment_overdue')")
    op.execute("DELETE FROM alert_deliveries WHERE kind IN ('payment_due', 'payment_overdue')")


def downgrade() -> None:
    for name in ("ix_customers_won", "ix_customers_report", "ix_customers_owner_clock", "ix_customers_owner_due"):
        op.drop_index(name, table_name="customers")
    op.create_index("ix_customers_won", "customers", ["won_on", "deleted_at", "owner_id", "level"])
    op.create_index("ix_customers_report", "customers", ["owner_id", "deleted_at", "created_at", "level",
                                                         "last_followup_at", "stars", "is_target", "source",
                                                         "region", "industry"])
    op.create_index("ix_customers_owner_clock", "customers",
                    ["owner_id", "last_followup_at", "owned_since", "level", "deleted_at"])
    op.create_index("ix_customers_owner_due", "customers", ["owner_id", "next_followup_on", "level", "deleted_at"])
    op.create_index("ix_customers_last_followup_at", "customers", ["last_followup_at"])
    op.create_index("ix_customers_level", "customers", ["level"])
    op.create_index("ix_customers_owner_created", "customers", ["owner_id", "created_at"])
    op.create_index("ix_customers_owner_level", "customers", ["owner_id", "level", "deleted_at"])
    op.create_index("ix_customers_live_search", "customers", ["deleted_at", "owner_id", "level", "search_text"])
