"""The blocking tokens of the entry-time duplicate check become an FTS5 index (issue 5: import speed).

``customer_tokens(token, customer_id)`` held one row per token and customer, in a primary key and a second index:
a 100k-row import wrote 1.24M rows (4.0 s, plus 0.44 s to build the index). Now each customer is one document of
an FTS5 table (rowid = its id, text = its tokens' terms: see crm_cli.db.tokens and
crm_cli.dedupe_keys.token_terms); the same 100k documents take about 0.5 s. The entry check reads how many
customers have a token from ``customer_tokens_vocab`` (fts5vocab) and who has it with one MATCH per token.

The documents are built from every customer's stored keys (deleted customers too: they kept their tokens), as
``crm_cli.dedupe.index_ids`` builds them. There is no foreign key any more: the one hard delete of customers
(``crm import undo``) deletes their documents itself.

Revision ID: 0011
Revises: 0010
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from crm_cli.dedupe import rebuild_keys_and_index

    op.execute("DROP INDEX IF EXISTS ix_customer_tokens_customer_id")
    op.execute("DROP TABLE customer_tokens")
    rebuild_keys_and_index(op.get_bind(), recompute_keys=False)  # creates the FTS5 table and fills it


def downgrade() -> None:
    raise NotImplementedError("0011 is not reversible in place: restore the backup crm made before upgrading")
