"""Tables outside the hot customer paths are built on first use, and nothing is lost by it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

LAZY = ("crm_cli.db.models_sales", "crm_cli.db.models_dedupe", "crm_cli.db.models_imports", "crm_cli.db.models_pool")


def _modules_after_crm(args: list[str], env_db: Path) -> set[str]:
    """The modules loaded by `crm ARGS` run in a fresh interpreter on the database ``env_db``."""
    code = (
        "import sys\nsys.argv = ['crm', *sys.argv[1:]]\nfrom crm_cli.commands import app\n"
        "try:\n    app()\nexcept SystemExit:\n    pass\n"
        "print(' '.join(sys.modules), file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True,
                          env=dict(os.environ, CRM_DB=str(env_db)))
    return set(done.stderr.strip().splitlines()[-1].split())


def test_customer_list_builds_no_sales_dedupe_import_or_pool_history_table(db_path: Path) -> None:
    _modules_after_crm(["customer", "list"], db_path)  # creates the database (migrations use every table)
    loaded = _modules_after_crm(["customer", "list"], db_path)
    assert "crm_cli.db.models" in loaded
    assert not loaded & set(LAZY)


def test_lazy_tables_are_the_same_classes_however_imported() -> None:
    from crm_cli.db import models
    from crm_cli.db.models import Deal, ImportBatch, Merge
    from crm_cli.db.models_dedupe import Merge as DirectMerge

    assert models.Deal is Deal and Merge is DirectMerge and models.ImportBatch is ImportBatch


def test_load_all_builds_a_model_for_every_table_of_the_migrated_schema(db) -> None:
    from sqlmodel import SQLModel

    from crm_cli.db.models import load_all

    load_all()
    with db.engine.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
    ours = {t for t in tables if t != "alembic_version" and not t.startswith(("customers_fts", "customer_tokens", "sqlite_"))}
    assert ours <= set(SQLModel.metadata.tables)


def test_an_unknown_name_is_still_an_attribute_error() -> None:
    import pytest

    from crm_cli.db import models

    with pytest.raises(AttributeError):
        _ = models.NoSuchTable  # type: ignore[attr-defined]
