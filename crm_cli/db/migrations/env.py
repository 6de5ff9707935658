"""Alembic environment: always run with a connection handed in by crm_cli.db.engine.run_migrations."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, render_as_batch=True, transactional_ddl=True)
with context.begin_transaction():
    context.run_migrations()
