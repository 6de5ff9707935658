"""The pool report (公海): customers per owner against the cap, never-contacted customers, and the customers each
owner returned to the pool or claimed from it in the window (from ``ownership_history``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, func
from sqlmodel import Session, col, select

from crm_cli.access import join_owner
from crm_cli.dates import Clock
from crm_cli.db import reporting as rsql
from crm_cli.db.models import Customer, CustomerOwner, OwnershipEvent, User
from crm_cli.reports import (
    Chart,
    Measure,
    Report,
    ReportOptions,
    live_visible,
    ratio,
    register,
    report_users,
    resolve_window,
    totals_of,
)

POOL_KEY = None  # the row of the pool itself


@register("pool", "Pool")
def pool_report(session: Session, *, user: User, clock: Clock, options: ReportOptions) -> Report:
    """Per user: customers owned against the cap (``pool.max_owned``), of those never contacted, and how many they
    returned to the pool (released, swept, invalidated) or claimed from it in the window; plus a row for the pool."""
    from crm_cli.settings import get_setting

    window = resolve_window(clock, options, periodic=False)
    start, end = window.instants(clock)
    people = report_users(session, user)
    ids = [u.id for u in people if u.id is not None]
    cap = int(get_setting(session, "pool.max_owned") or 0)
    owner = col(CustomerOwner.owner_id)
    never = col(CustomerOwner.last_followup_at).is_(None)
    owned_stmt = (join_owner(select(owner, func.count(), rsql.total(case((never, 1), else_=0))).select_from(Customer))
                  .where(*live_visible(user), owner.in_(ids) | owner.is_(None))
                  .group_by(owner))
    values: dict[Any, dict[str, Any]] = {i: {"owned": 0, "never_contacted": 0, "returned": 0, "swept": 0,
                                             "claimed": 0} for i in [*ids, POOL_KEY]}
    for owner_id, owned, never_n in session.execute(owned_stmt):
        values[owner_id].update(owned=int(owned), never_contacted=int(never_n))
    in_window = and_(col(OwnershipEvent.at) >= start, col(OwnershipEvent.at) < end)
    returned = (select(OwnershipEvent.from_user_id, func.count(),
                       rsql.total(case((OwnershipEvent.kind == "sweep", 1), else_=0)))
                .where(in_window, col(OwnershipEvent.to_user_id).is_(None),
                       col(OwnershipEvent.from_user_id).in_(ids))
                .group_by(OwnershipEvent.from_user_id))
    for uid, n, swept in session.execute(returned):
        values[uid].update(returned=int(n), swept=int(swept))
    claimed = (select(OwnershipEvent.to_user_id, func.count())
               .where(in_window, OwnershipEvent.kind == "claim", col(OwnershipEvent.from_user_id).is_(None),
                      col(OwnershipEvent.to_user_id).in_(ids))
               .group_by(OwnershipEvent.to_user_id))
    for uid, n in session.execute(claimed):
        values[uid]["claimed"] = int(n)
    rows = []
    for u in people:
        row = {"key": u.username, **values[u.id], "cap": cap or None}
        row["cap_used"] = ratio(row["owned"], cap) if cap else None
        rows.append(row)
    user_rows = list(rows)
    pool_row = {"key": POOL_KEY, **values[POOL_KEY], "cap": None, "cap_used": None,
                "returned": sum(r["returned"] for r in user_rows), "swept": sum(r["swept"] for r in user_rows),
                "claimed": sum(r["claimed"] for r in user_rows)}
    measures = [
        Measure("owned", "Customers", bar=True), Measure("cap", "Cap", summable=False),
        Measure("cap_used", "Of cap", "ratio", summable=False), Measure("never_contacted", "Never contacted"),
        Measure("returned", "Returned to pool"), Measure("swept", "of which swept"),
        Measure("claimed", "Claimed from pool"),
    ]  # fmt: skip
    totals = totals_of(user_rows, measures)
    totals["owned"] += pool_row["owned"]
    totals["never_contacted"] += pool_row["never_contacted"]
    rows.append(pool_row)
    return Report(
        name="pool", title="Pool (公海)", key_header="owner", measures=measures, rows=rows, totals=totals,
        window=window, by="owner", labels={POOL_KEY: "(pool 公海)"},
        notes=["The pool row counts the customers in the pool; its returned/claimed are everyone's."],
        charts=[Chart("Customers and never contacted", ("owned", "never_contacted")),
                Chart("Returned to and claimed from the pool", ("returned", "claimed"))],
    )  # fmt: skip
