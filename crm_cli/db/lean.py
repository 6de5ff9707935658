"""Light Core descriptions (``sqlalchemy.table``) of lazily built tables that hot commands touch.

Building a SQLModel table class costs milliseconds (pydantic and the ORM mapper); `crm customer add` and
`crm customer show` only need a few columns of a few tables, so they use these instead of loading
crm_cli.db.models_sales / models_dedupe / models_pool / models_admin. Column names and types are those of the model classes
(tests/test_lean_tables.py checks that they stay so).
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Date, Integer, String, column, table

from crm_cli.db.types import UTCDateTime

OWNERSHIP_HISTORY = table(
    "ownership_history", column("id", Integer), column("at", UTCDateTime()), column("customer_id", Integer),
    column("kind", String), column("from_user_id", Integer), column("to_user_id", Integer),
    column("by_user_id", Integer), column("reason", String),
)  # fmt: skip

DEALS = table(
    "deals", column("id", Integer), column("customer_id", Integer), column("title", String),
    column("amount_cents", Integer), column("currency", String), column("stage", String),
    column("expected_close_on", Date), column("probability", Integer), column("lost_reason", String),
    column("created_at", UTCDateTime()),
)  # fmt: skip

CONTRACTS = table(
    "contracts", column("id", Integer), column("number", String), column("customer_id", Integer),
    column("kind", String), column("signed_on", Date), column("end_on", Date), column("currency", String),
    column("total_cents", Integer), column("status", String),
)  # fmt: skip

INSTALLMENTS = table(
    "installments", column("contract_id", Integer), column("due_on", Date), column("amount_cents", Integer),
    column("paid_cents", Integer),
)  # fmt: skip

PAYMENTS = table("payments", column("contract_id", Integer), column("amount_cents", Integer))

CUSTOMER_SHARES = table("customer_shares", column("customer_id", Integer), column("user_id", Integer))

SETTINGS = table("settings", column("key", String), column("value", JSON))

AUDIT_LOG = table(
    "audit_log", column("id", Integer), column("at", UTCDateTime()), column("user_id", Integer),
    column("entity", String), column("entity_id", Integer), column("customer_id", Integer), column("action", String),
    column("changes", JSON), column("note", String),
)  # fmt: skip

# Every column, in the model's order (the rows give the same dicts as the models' model_dump()).
CONTACTS = table(
    "contacts", column("id", Integer), column("customer_id", Integer), column("name", String),
    column("title", String), column("department", String), column("mobile", String), column("phone", String),
    column("email", String), column("wechat", String), column("birthday", Date), column("notes", String),
    column("is_primary", Boolean), column("created_at", UTCDateTime()), column("updated_at", UTCDateTime()),
)  # fmt: skip

FOLLOWUPS = table(
    "followups", column("id", Integer), column("customer_id", Integer), column("user_id", Integer),
    column("at", UTCDateTime()), column("method", String), column("content", String), column("next_on", Date),
    column("plan", String), column("created_at", UTCDateTime()),
)  # fmt: skip

LEAN_TABLES = (OWNERSHIP_HISTORY, DEALS, CONTRACTS, INSTALLMENTS, PAYMENTS, CUSTOMER_SHARES, SETTINGS,
               AUDIT_LOG, CONTACTS, FOLLOWUPS)
