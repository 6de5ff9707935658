"""The money reports: the deal funnel and contracts/payments per period or group, and deals won per person.

Built on the sales tables (crm_cli.deals, crm_cli.contracts, crm_cli.payments); registered in
``crm_cli.reports.REPORTS`` when ``crm_cli.reports`` is imported. All money is integer cents summed in SQL and turned
into exact Decimals at the end.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, and_, case, cast, distinct, func, join, literal, union_all
from sqlmodel import Session, col, select

from crm_cli.access import owner_of
from crm_cli.dates import Clock
from crm_cli.db import reporting as rsql
from crm_cli.db.models import (
    Contract,
    ContractLine,
    Customer,
    CustomerOwner,
    Deal,
    DealStageChange,
    FollowUp,
    Installment,
    Payment,
    Product,
    User,
)
from crm_cli.reports import (
    PEOPLE_PROVIDERS,
    Chart,
    Measure,
    Report,
    ReportOptions,
    Window,
    customer_filter,
    money,
    offset_minutes,
    period_keys,
    ratio,
    register,
    resolve_window,
    totals_of,
    usernames,
)

# ------------------------------------------------------------------------------------------------------- funnel


def _cohort(user: User, window: Window, clock: Clock) -> Any:
    """Deals of visible, live customers created in the window (a CTE: used several times by one statement)."""
    start, end = window.instants(clock)
    return (
        select(Deal.id, Deal.owner_id, Deal.stage, Deal.amount_cents)
        .where(customer_filter(user, Deal.customer_id), col(Deal.created_at) >= start, col(Deal.created_at) < end)
        .cte("cohort")
    )


@register("funnel", "Funnel", by=("owner",))
def funnel_report(session: Session, *, user: User, clock: Clock, options: ReportOptions) -> Report:
    """Deals created in the window: per stage how many reached it, how many are there now and their amount, the
    conversion to the next stage and the average days spent in it; win rate; and from follow-ups, how many
    follow-ups one won customer took and how many new customers one win takes. ``--by owner``: per deal owner."""
    from crm_cli.deals import LOST, WON, stages

    window = resolve_window(clock, options, periodic=False)
    all_stages = stages(session)
    steps = {s.key: s.position for s in all_stages if s.key != LOST}  # lost is not a step forward
    cohort = _cohort(user, window, clock)
    if options.by == "owner":
        return _funnel_by_owner(session, user=user, clock=clock, window=window, cohort=cohort)
    # One pass over the cohort's stage history (window function LEAD for the end of each stay), materialised once
    # and aggregated three ways in one statement: days per stage, the furthest step per deal, and the deals now.
    nxt = func.lead(DealStageChange.at).over(partition_by=DealStageChange.deal_id,
                                            order_by=(DealStageChange.at, DealStageChange.id))
    moves = rsql.materialized(
        select(DealStageChange.deal_id.label("deal_id"), DealStageChange.to_stage.label("stage"),  # type: ignore[attr-defined]
               case(steps, value=DealStageChange.to_stage, else_=-1).label("step"),
               rsql.days_between(nxt, DealStageChange.at).label("days"))
        .where(col(DealStageChange.deal_id).in_(select(cohort.c.id))), "moves")  # in index order: no sort
    furthest = (select(cohort.c.id, func.max(func.coalesce(func.max(moves.c.step), -1),
                                             case(steps, value=cohort.c.stage, else_=-1)).label("reached"))
                .select_from(cohort).outerjoin(moves, moves.c.deal_id == cohort.c.id).group_by(cohort.c.id)
                .subquery("furthest"))
    parts = union_all(
        select(literal("days"), moves.c.stage, func.avg(moves.c.days), literal(0))
        .where(moves.c.days.is_not(None)).group_by(moves.c.stage),
        select(literal("reached"), cast(furthest.c.reached, String), func.count(), literal(0))
        .group_by(furthest.c.reached),
        select(literal("now"), cohort.c.stage, func.count(), rsql.total(cohort.c.amount_cents))
        .group_by(cohort.c.stage),
    )
    avg_days: dict[str, float] = {}
    reached_hist: dict[int, int] = {}
    current: dict[str, tuple[int, int]] = {}
    for part, key, value, cents in session.execute(parts):
        if part == "days":
            avg_days[key] = float(value)
        elif part == "reached":
            reached_hist[int(key)] = int(value)
        else:
            current[key] = (int(value), int(cents))
    entered = {k: sum(n for step, n in reached_hist.items() if step >= pos) for k, pos in steps.items()}
    entered[LOST] = current.get(LOST, (0, 0))[0]
    open_keys = [s.key for s in all_stages if s.key not in (WON, LOST)]
    rows = []
    for i, s in enumerate(all_stages):
        nxt_key = (open_keys[i + 1] if i + 1 < len(open_keys) else WON) if s.key in open_keys else None
        rows.append({
            "key": s.key, "entered": entered[s.key], "current": current.get(s.key, (0, 0))[0],
            "amount": money(current.get(s.key, (0, 0))[1]),
            "conversion": ratio(entered[nxt_key], entered[s.key]) if nxt_key else None,
            "avg_days": avg_days.get(s.key) if s.key in open_keys else None,
        })  # fmt: skip
    measures = [
        Measure("entered", "Reached", bar=True), Measure("current", "Now"), Measure("amount", "Amount now", "money"),
        Measure("conversion", "→ next", "ratio", summable=False),
        Measure("avg_days", "Avg days", "days", summable=False),
    ]  # fmt: skip
    deals = sum(n for n, _ in current.values())
    won, lost = current.get(WON, (0, 0)), current.get(LOST, (0, 0))
    totals: dict[str, Any] = {"current": deals, "amount": money(sum(a for _, a in current.values())),
                              "deals": deals, "won": won[0], "won_amount": money(won[1]), "lost": lost[0],
                              "win_rate": ratio(won[0], won[0] + lost[0])}
    totals.update(_k20(session, user=user, clock=clock, window=window))
    return Report(
        name="funnel", title="Funnel", key_header="stage", measures=measures, rows=rows, totals=totals,
        window=window, by="stage", summary=SUMMARY,
        labels={s.key: s.label for s in all_stages},
        charts=[Chart("Deals reaching each stage", ("entered", "current")), Chart("Amount now", ("amount",))],
    )  # fmt: skip


SUMMARY = [
    Measure("deals", "Deals created"), Measure("won", "Won"), Measure("won_amount", "Won amount", "money"),
    Measure("lost", "Lost"), Measure("win_rate", "Win rate (won / closed)", "ratio"),
    Measure("won_customers", "Customers won"), Measure("new_customers", "New customers"),
    Measure("followups_per_win", "Follow-ups per won customer", "number"),
    Measure("customers_per_win", "New customers per win", "number"),
]  # fmt: skip


def _k20(session: Session, *, user: User, clock: Clock, window: Window, owner_ids: list[int] | None = None,
         ) -> dict[str, Any]:
    """How many calls and leads one deal takes: customers won in the window (``customers.won_on``), the
    follow-ups logged on them up to the day they were won, and the new customers of the window per win."""
    per_owner = _k20_by_owner(session, user=user, clock=clock, window=window, owner_ids=owner_ids)
    won = sum(v["won_customers"] for v in per_owner.values())
    calls = sum(v["_calls"] for v in per_owner.values())
    new = sum(v["new_customers"] for v in per_owner.values())
    return {"won_customers": won, "new_customers": new, "followups_per_win": ratio(calls, won),
            "customers_per_win": ratio(new, won)}


def _k20_by_owner(session: Session, *, user: User, clock: Clock, window: Window,
                  owner_ids: list[int] | None = None) -> dict[Any, dict[str, Any]]:
    start, end = window.instants(clock)
    conds = [customer_filter(user, Customer.id)]
    if owner_ids is not None:
        conds.append(col(CustomerOwner.owner_id).in_(owner_ids))
    won_in = and_(col(Customer.won_on) >= window.start, col(Customer.won_on) <= window.end)
    # Follow-ups up to the end of the (local) day the customer was won.
    off = offset_minutes(clock)
    owner = rsql.no_index(CustomerOwner.owner_id)  # search ix_customers_won by date instead of walking owners
    calls = (select(owner, func.count(distinct(Customer.id)), func.count(FollowUp.id))
             .select_from(Customer)
             .join(CustomerOwner, col(CustomerOwner.customer_id) == Customer.id)
             .outerjoin(FollowUp, and_(col(FollowUp.customer_id) == Customer.id,
                                       rsql.local_date(FollowUp.at, off) <= Customer.won_on))
             .where(*conds, won_in).group_by(owner))
    out: dict[Any, dict[str, Any]] = {}
    for owner_id, won, n in session.execute(calls):
        out.setdefault(owner_id, {"won_customers": 0, "_calls": 0, "new_customers": 0})
        out[owner_id].update(won_customers=int(won), _calls=int(n))
    new = (select(owner, func.count()).select_from(Customer)
           .join(CustomerOwner, col(CustomerOwner.customer_id) == Customer.id)
           .where(*conds, col(Customer.created_at) >= start, col(Customer.created_at) < end)
           .group_by(owner))
    for owner_id, n in session.execute(new):
        out.setdefault(owner_id, {"won_customers": 0, "_calls": 0, "new_customers": 0})
        out[owner_id]["new_customers"] = int(n)
    return out


def _funnel_by_owner(session: Session, *, user: User, clock: Clock, window: Window, cohort: Any) -> Report:
    from crm_cli.deals import LOST, WON

    is_won, is_lost = cohort.c.stage == WON, cohort.c.stage == LOST
    stmt = (select(cohort.c.owner_id, func.count(), rsql.total(case((is_won, 1), else_=0)),
                   rsql.total(case((is_lost, 1), else_=0)),
                   rsql.total(case((is_won, cohort.c.amount_cents), else_=0)),
                   rsql.total(case((is_won | is_lost, 0), else_=cohort.c.amount_cents)))
            .group_by(cohort.c.owner_id))
    k20 = _k20_by_owner(session, user=user, clock=clock, window=window)
    data: dict[Any, dict[str, Any]] = {}
    for owner_id, deals, won, lost, won_cents, open_cents in session.execute(stmt):
        data[owner_id] = {"deals": int(deals), "won": int(won), "lost": int(lost), "won_amount": money(won_cents),
                          "open_amount": money(open_cents)}
    for owner_id in k20:
        data.setdefault(owner_id, {"deals": 0, "won": 0, "lost": 0, "won_amount": money(0),
                                   "open_amount": money(0)})
    names = usernames(session, data)
    rows = []
    for owner_id, vals in data.items():
        k = k20.get(owner_id, {"won_customers": 0, "_calls": 0, "new_customers": 0})
        rows.append({
            "key": names.get(owner_id) if owner_id is not None else None, **vals,
            "win_rate": ratio(vals["won"], vals["won"] + vals["lost"]),
            "won_customers": k["won_customers"], "new_customers": k["new_customers"], "_calls": k["_calls"],
            "followups_per_win": ratio(k["_calls"], k["won_customers"]),
            "customers_per_win": ratio(k["new_customers"], k["won_customers"]),
        })  # fmt: skip
    rows.sort(key=lambda r: (-r["won_amount"], -r["deals"], str(r["key"])))
    measures = [
        Measure("deals", "Deals"), Measure("won", "Won", bar=True), Measure("lost", "Lost"),
        Measure("won_amount", "Won amount", "money"), Measure("open_amount", "Open amount", "money"),
        Measure("win_rate", "Win rate", "ratio", summable=False),
        Measure("won_customers", "Customers won"), Measure("new_customers", "New customers"),
        Measure("followups_per_win", "Follow-ups / win", "number", summable=False),
        Measure("customers_per_win", "New customers / win", "number", summable=False),
    ]  # fmt: skip
    totals = totals_of(rows, measures)
    calls = sum(r.pop("_calls") for r in rows)
    totals.update(win_rate=ratio(totals["won"], totals["won"] + totals["lost"]),
                  followups_per_win=ratio(calls, totals["won_customers"]),
                  customers_per_win=ratio(totals["new_customers"], totals["won_customers"]))
    return Report(
        name="funnel", title="Funnel by owner", key_header="owner", measures=measures, rows=rows, totals=totals,
        window=window, by="owner", labels={None: "(no owner)"},
        charts=[Chart("Deals won and lost", ("won", "lost")), Chart("Won amount", ("won_amount",))],
    )  # fmt: skip


# -------------------------------------------------------------------------------------------------------- sales

SALES_MEASURES = [
    Measure("signed", "Signed", "money", bar=True), Measure("contracts", "Contracts"),
    Measure("received", "Received", "money"), Measure("outstanding", "Outstanding", "money"),
    Measure("overdue", "Overdue", "money"),
]  # fmt: skip
SALES_CHARTS = [Chart("Signed and received", ("signed", "received")), Chart("Outstanding and overdue",
                                                                            ("outstanding", "overdue"))]
_NOT_SIGNED = ("draft",)
_CLOSED_OUT = ("draft", "terminated")


def _paid_per_contract() -> Any:
    return (select(Payment.contract_id.label("contract_id"), func.sum(Payment.amount_cents).label("paid"))  # type: ignore[attr-defined]
            .group_by(Payment.contract_id).subquery("paid"))


@register("sales", "Sales", by=("owner", "product", "region"))
def sales_report(session: Session, *, user: User, clock: Clock, options: ReportOptions) -> Report:
    """Contracts signed (amount and count), payments received, what is still outstanding of the contracts signed,
    and what is overdue (unpaid installments due in the window before today) — per period, or per owner, product
    or region over the window."""
    periodic = options.by is None
    period = options.period or "month"
    window = resolve_window(clock, options, periodic=periodic)
    if options.by == "product":
        return _sales_by_product(session, user=user, clock=clock, window=window)
    owner = func.coalesce(Contract.owner_id, owner_of("owner_id"))  # the customer's owner: one lookup per contract
    if periodic:
        signed_key: Any = rsql.period_key(Contract.signed_on, period)
        received_key: Any = rsql.period_key(Payment.received_on, period)
        due_key: Any = rsql.period_key(Installment.due_on, period)
    else:
        dim = owner if options.by == "owner" else Customer.region
        signed_key = received_key = due_key = dim
    vis = [customer_filter(user, Contract.customer_id)]

    def customers(source: Any) -> Any:
        """Join the customer only when a group needs its columns (owner, region)."""
        return source if periodic else join(source, Customer, col(Customer.id) == Contract.customer_id)

    in_window = (lambda c: and_(col(c) >= window.start, col(c) <= window.end))  # noqa: E731
    paid = _paid_per_contract()
    signed = (select(signed_key, func.count(), rsql.total(Contract.total_cents),
                     rsql.total(case((col(Contract.status).in_(_CLOSED_OUT), 0),
                                     else_=rsql.at_least_zero(Contract.total_cents - func.coalesce(paid.c.paid, 0)))))
              .select_from(customers(Contract.__table__).outerjoin(paid, paid.c.contract_id == Contract.id))
              .where(*vis, col(Contract.status).not_in(_NOT_SIGNED), in_window(Contract.signed_on))
              .group_by(signed_key))
    received = (select(received_key, rsql.total(Payment.amount_cents))
                .select_from(customers(join(Payment, Contract, col(Contract.id) == Payment.contract_id)))
                .where(*vis, in_window(Payment.received_on)).group_by(received_key))
    overdue = (select(due_key, rsql.total(Installment.amount_cents - Installment.paid_cents))
               .select_from(customers(join(Installment, Contract, col(Contract.id) == Installment.contract_id)))
               .where(*vis, col(Contract.status).not_in(_CLOSED_OUT), in_window(Installment.due_on),
                      col(Installment.due_on) < clock.today, Installment.amount_cents > Installment.paid_cents)
               .group_by(due_key))
    data: dict[Any, dict[str, Any]] = {}

    def slot(key: Any) -> dict[str, Any]:
        return data.setdefault(key, {"contracts": 0, "signed": 0, "received": 0, "outstanding": 0, "overdue": 0})

    for key, n, total_cents, out_cents in session.execute(signed):
        slot(key).update(contracts=int(n), signed=int(total_cents), outstanding=int(out_cents))
    for key, cents in session.execute(received):
        slot(key)["received"] = int(cents)
    for key, cents in session.execute(overdue):
        slot(key)["overdue"] = int(cents)
    labels: dict[Any, str] = {}
    if periodic:
        keys: list[Any] = period_keys(window, period)
    else:
        keys = sorted(data, key=lambda k: (-data[k]["signed"], -data[k]["received"], k is None, str(k)))
    if options.by == "owner":
        names = usernames(session, keys)
        labels = {None: "(pool 公海)"}
    rows = []
    for key in keys:
        vals = data.get(key) or slot(key)
        rows.append({"key": names.get(key) if options.by == "owner" and key is not None else key,
                     "contracts": vals["contracts"],
                     **{m: money(vals[m]) for m in ("signed", "received", "outstanding", "overdue")}})
    title = f"Sales per {period}" if periodic else f"Sales by {options.by}"
    return Report(
        name="sales", title=title, key_header=period if periodic else str(options.by), measures=SALES_MEASURES,
        rows=rows, totals=totals_of(rows, SALES_MEASURES), window=window, period=period if periodic else None,
        by=options.by, labels=labels, charts=SALES_CHARTS,
    )  # fmt: skip


def _sales_by_product(session: Session, *, user: User, clock: Clock, window: Window) -> Report:
    """Per product: line amounts of contracts signed in the window; received, outstanding and overdue shared out
    over a contract's lines in proportion to their amounts (rounded to cents per product)."""
    vis = [customer_filter(user, Contract.customer_id)]
    share = ContractLine.amount_cents * 1.0 / func.nullif(Contract.total_cents, 0)
    lines = (select(ContractLine.product_id, ContractLine.amount_cents, ContractLine.contract_id, share.label("share"))
             .join(Contract, col(Contract.id) == ContractLine.contract_id)
             .where(*vis).subquery("lines"))
    paid = _paid_per_contract()
    signed = (select(lines.c.product_id, func.count(distinct(Contract.id)), rsql.total(lines.c.amount_cents),
                     rsql.total(case((col(Contract.status).in_(_CLOSED_OUT), 0),
                                     else_=rsql.at_least_zero(Contract.total_cents - func.coalesce(paid.c.paid, 0))
                                     * lines.c.share)))
              .select_from(lines).join(Contract, col(Contract.id) == lines.c.contract_id)
              .outerjoin(paid, paid.c.contract_id == Contract.id)
              .where(col(Contract.status).not_in(_NOT_SIGNED), col(Contract.signed_on) >= window.start,
                     col(Contract.signed_on) <= window.end)
              .group_by(lines.c.product_id))
    received = (select(lines.c.product_id, rsql.total(Payment.amount_cents * lines.c.share))
                .select_from(lines).join(Payment, col(Payment.contract_id) == lines.c.contract_id)
                .where(col(Payment.received_on) >= window.start, col(Payment.received_on) <= window.end)
                .group_by(lines.c.product_id))
    overdue = (select(lines.c.product_id,
                      rsql.total((Installment.amount_cents - Installment.paid_cents) * lines.c.share))
               .select_from(lines).join(Installment, col(Installment.contract_id) == lines.c.contract_id)
               .join(Contract, col(Contract.id) == lines.c.contract_id)
               .where(col(Contract.status).not_in(_CLOSED_OUT), col(Installment.due_on) >= window.start,
                      col(Installment.due_on) <= window.end, col(Installment.due_on) < clock.today,
                      Installment.amount_cents > Installment.paid_cents)
               .group_by(lines.c.product_id))
    data: dict[Any, dict[str, Any]] = {}

    def slot(key: Any) -> dict[str, Any]:
        return data.setdefault(key, {"contracts": 0, "signed": 0, "received": 0, "outstanding": 0, "overdue": 0})

    for pid, n, cents, out in session.execute(signed):
        slot(pid).update(contracts=int(n), signed=int(cents), outstanding=round(out or 0))
    for pid, cents in session.execute(received):
        slot(pid)["received"] = round(cents or 0)
    for pid, cents in session.execute(overdue):
        slot(pid)["overdue"] = round(cents or 0)
    codes = {p.id: p.code for p in session.exec(select(Product).where(col(Product.id).in_([k for k in data if k])))}
    keys = sorted(data, key=lambda k: (-data[k]["signed"], -data[k]["received"], k is None, str(codes.get(k))))
    rows = [{"key": codes.get(k) if k is not None else None, "contracts": data[k]["contracts"],
             **{m: money(data[k][m]) for m in ("signed", "received", "outstanding", "overdue")}} for k in keys]
    totals = totals_of(rows, SALES_MEASURES)
    # A contract with two products is one contract: the total counts it once.
    totals["contracts"] = int(session.execute(
        select(func.count(distinct(lines.c.contract_id))).select_from(lines)
        .join(Contract, col(Contract.id) == lines.c.contract_id)
        .where(col(Contract.status).not_in(_NOT_SIGNED), col(Contract.signed_on) >= window.start,
               col(Contract.signed_on) <= window.end)
    ).scalar_one())  # fmt: skip
    return Report(
        name="sales", title="Sales by product", key_header="product", measures=SALES_MEASURES, rows=rows,
        totals=totals, window=window, by="product", labels={None: "(no product)"},
        charts=SALES_CHARTS,
        notes=["Received, outstanding and overdue are shared out over each contract's lines by amount "
               "(rounded to cents per product, so totals can differ from `--period` by a cent)."],
    )  # fmt: skip


# ------------------------------------------------------------------------------------------- people: deals won


def _won_per_user(session: Session, *, user: User, clock: Clock, window: Window, user_ids: list[int],
                  ) -> tuple[list[Measure], dict[int, dict[str, Any]]]:
    """Deals won in the window (moved to ``won``, by their ``closed_on`` date) per deal owner, and their amount."""
    from crm_cli.deals import WON

    stmt = (select(Deal.owner_id, func.count(), rsql.total(Deal.amount_cents))
            .where(customer_filter(user, Deal.customer_id), Deal.stage == WON, col(Deal.owner_id).in_(user_ids),
                   col(Deal.closed_on) >= window.start, col(Deal.closed_on) <= window.end)
            .group_by(Deal.owner_id))
    values = {uid: {"won": int(n), "won_amount": money(cents)} for uid, n, cents in session.execute(stmt)}
    for uid in user_ids:
        values.setdefault(uid, {"won": 0, "won_amount": money(0)})
    return [Measure("won", "Won"), Measure("won_amount", "Won amount", "money")], values


PEOPLE_PROVIDERS.append(_won_per_user)

