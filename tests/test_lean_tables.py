"""The light Core tables of crm_cli.db.lean name real columns of the model tables, with the same types."""

from __future__ import annotations

import pytest

from crm_cli.db.lean import LEAN_TABLES


@pytest.mark.parametrize("lean", LEAN_TABLES, ids=lambda t: t.name)
def test_every_lean_column_is_a_model_column_of_the_same_type(lean) -> None:
    from sqlalchemy import String
    from sqlmodel import AutoString, SQLModel

    from crm_cli.db.models import load_all

    load_all()
    model = SQLModel.metadata.tables[lean.name]
    for col in lean.columns:
        assert col.name in model.c, f"{lean.name}.{col.name} is not a column of the model"
        want = model.c[col.name].type
        same = type(col.type) is type(want) or (isinstance(want, AutoString) and type(col.type) is String)
        assert same, f"{lean.name}.{col.name}: {col.type!r} vs {want!r}"
