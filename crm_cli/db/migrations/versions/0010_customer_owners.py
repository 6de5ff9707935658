"""Who owns a customer lives in its own narrow table, ``customer_owners`` (issue 3: the sweep).

A sweep that returns 10% of 1M customers to the pool changed ``owner_id`` and ``owned_since`` of 100k rows of
``customers``. Rows of ~440 bytes, spread over the whole table, dirtied ~93k pages (70k of them the table itself):
2.4 s of CPU in the UPDATE and 2 s of commit and checkpoint. The pool rules read three facts of a customer: its
owner, since when, and when it was last followed up. Those now live in ``customer_owners`` (one row per customer,
~40 bytes): the same sweep rewrites ~10k pages and costs 0.3 s + 0.6 s (measured on a copy of bench's 1m.db).

- ``customer_owners(customer_id PK, owner_id, owned_since, last_followup_at)``; ``owner_id`` NULL is the pool.
- ``ix_customer_owners_owner (owner_id)``: "owner X", "the pool", "owner in the team", reports by owner.
- ``ix_customer_owners_clock (owner_id, last_followup_at, owned_since) WHERE owner_id IS NOT NULL``: the sweep,
  the pool warnings and the agenda's idle customers, read from the index alone.
- ``customers`` is rebuilt without the three columns (SQLite cannot drop a column that is part of a foreign key);
  rowids are kept, so ``customers_fts`` (external content) stays valid; its triggers are created again. The
  indexes that contained ``owner_id`` or ``last_followup_at`` are rebuilt without them; ix_customers_due
  (next_followup_on, deleted_at, level) replaces ix_customers_next_followup_on and ix_customers_owner_due.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

KEPT = ("id", "code", "name", "level", "stars", "source", "region", "industry", "is_target", "credit_code", "phone",
        "email", "website", "address", "notes", "created_at", "created_by", "updated_at", "updated_by",
        "next_followup_on", "custom", "deleted_at", "name_key", "phone_key", "email_key", "credit_key", "search_text",
        "won_on", "city_key", "address_key")

CUSTOMERS = """CREATE TABLE customers (
	id INTEGER NOT NULL,
	code VARCHAR,
	name VARCHAR NOT NULL,
	level VARCHAR NOT NULL,
	stars INTEGER NOT NULL,
	source VARCHAR,
	region VARCHAR,
	industry VARCHAR,
	is_target BOOLEAN NOT NULL,
	credit_code VARCHAR,
	phone VARCHAR,
	email VARCHAR,
	website VARCHAR,
	address VARCHAR,
	notes VARCHAR,
	created_at DATETIME,
	created_by INTEGER,
	updated_at DATETIME,
	updated_by INTEGER,
	next_followup_on DATE,
	custom JSON,
	deleted_at DATETIME,
	name_key VARCHAR,
	phone_key VARCHAR,
	email_key VARCHAR,
	credit_key VARCHAR,
	search_text TEXT DEFAULT '' NOT NULL,
	won_on DATE,
	city_key VARCHAR,
	address_key VARCHAR,
	PRIMARY KEY (id),
	FOREIGN KEY(created_by) REFERENCES users (id),
	FOREIGN KEY(updated_by) REFERENCES users (id),
	UNIQUE (code)
)"""

INDEXES = {
    "ix_customers_credit_key": "customers (credit_key)",
    "ix_customers_email_key": "customers (email_key)",
    "ix_customers_name": "customers (name)",
    "ix_customers_name_key": "customers (name_key)",
    # Follow-ups due (crm remind, today, the agenda, --due): the date, and the deletion and level every one of
    # those queries checks, without reading the table row (the owner comes from customer_owners by primary key).
    "ix_customers_due": "customers (next_followup_on, deleted_at, level)",
    "ix_customers_phone_key": "customers (phone_key)",
    "ix_customers_deleted": "customers (deleted_at) WHERE deleted_at IS NOT NULL",
    # Reports and the dashboard's numbers: the rows of a created_at window, covered; the owner comes from
    # customer_owners by primary key.
    "ix_customers_report": "customers (created_at, deleted_at, level, stars, is_target, source, region, industry)",
    "ix_customers_won": "customers (won_on, deleted_at, level) WHERE won_on IS NOT NULL",
}

TRIGGERS = (
    "CREATE TRIGGER customers_fts_ai AFTER INSERT ON customers BEGIN "
    "INSERT INTO customers_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER customers_fts_ad AFTER DELETE ON customers BEGIN "
    "INSERT INTO customers_fts(customers_fts, rowid, search_text) VALUES('delete', old.id, old.search_text); END",
    "CREATE TRIGGER customers_fts_au AFTER UPDATE OF search_text ON customers BEGIN "
    "INSERT INTO customers_fts(customers_fts, rowid, search_text) VALUES('delete', old.id, old.search_text); "
    "INSERT INTO customers_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
)


def upgrade() -> None:
    op.execute(
        "CREATE TABLE customer_owners ("
        " customer_id INTEGER NOT NULL PRIMARY KEY REFERENCES customers (id),"
        " owner_id INTEGER REFERENCES users (id),"
        " owned_since DATETIME,"
        " last_followup_at DATETIME)"
    )
    op.execute("INSERT INTO customer_owners (customer_id, owner_id, owned_since, last_followup_at) "
               "SELECT id, owner_id, owned_since, last_followup_at FROM customers ORDER BY id")
    op.execute("CREATE INDEX ix_customer_owners_owner ON customer_owners (owner_id)")
    op.execute("CREATE INDEX ix_customer_owners_clock ON customer_owners (owner_id, last_followup_at, owned_since) "
               "WHERE owner_id IS NOT NULL")
    for trigger in ("customers_fts_ai", "customers_fts_ad", "customers_fts_au"):
        op.execute(f"DROP TRIGGER {trigger}")
    op.execute(CUSTOMERS.replace("CREATE TABLE customers", "CREATE TABLE customers_new", 1))
    cols = ", ".join(KEPT)
    op.execute(f"INSERT INTO customers_new ({cols}) SELECT {cols} FROM customers ORDER BY id")
    op.execute("DROP TABLE customers")  # its indexes go with it
    op.execute("ALTER TABLE customers_new RENAME TO customers")
    for name, body in INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON {body}")
    for trigger in TRIGGERS:
        op.execute(trigger)


def downgrade() -> None:
    raise NotImplementedError("0010 is not reversible in place: restore the backup crm made before upgrading")
