"""Snapshots of the dashboard's main screens: fixed data, fixed clock, fixed size, cursor blink off.

Update after an intended change with `pytest tests/test_dashboard_snapshots.py --snapshot-update` and look at the
SVGs under tests/__snapshots__/ (or snapshot_report.html when a comparison fails).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.test_dashboard import SIZE, contract, make_app, settle, shop  # noqa: F401  (fixtures)


def _keys(*keys: str, delay: float = 0.0) -> Any:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot, delay)

    return run_before


@pytest.mark.usefixtures("shop")
def test_home_snapshot(snap_compare: Any, db_path: Path) -> None:
    assert snap_compare(make_app(db_path, "wang.fang"), terminal_size=SIZE, run_before=_keys())


@pytest.mark.usefixtures("shop")
def test_customers_search_snapshot(snap_compare: Any, db_path: Path) -> None:
    assert snap_compare(make_app(db_path, "wang.fang"), terminal_size=SIZE,
                        run_before=_keys("f3", *"有限公司"))


@pytest.mark.usefixtures("shop")
def test_customer_followups_snapshot(snap_compare: Any, db_path: Path) -> None:
    assert snap_compare(make_app(db_path, "wang.fang"), terminal_size=SIZE,
                        run_before=_keys("f3", *"明达", "enter", "enter", "3"))


@pytest.mark.usefixtures("shop")
def test_add_customer_duplicate_snapshot(snap_compare: Any, db_path: Path) -> None:
    assert snap_compare(make_app(db_path, "wang.fang"), terminal_size=SIZE,
                        run_before=_keys("a", *"明达电子", "tab", *"0755-86001234", delay=0.3))


@pytest.mark.usefixtures("shop")
def test_pool_snapshot(snap_compare: Any, db_path: Path) -> None:
    assert snap_compare(make_app(db_path, "wang.fang"), terminal_size=SIZE, run_before=_keys("f4"))


@pytest.mark.usefixtures("contract")
def test_customer_deals_snapshot(snap_compare: Any, db_path: Path) -> None:
    assert snap_compare(make_app(db_path, "wang.fang"), terminal_size=SIZE,
                        run_before=_keys("f3", *"acme", "enter", "enter", "4"))
