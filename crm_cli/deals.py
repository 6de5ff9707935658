"""Opportunities (商机): customer, title, amount, stage, expected close date, probability, owner, product lines,
lost reason. Every stage change is recorded in ``deal_stage_changes`` with its instant and local date, so that
``funnel`` can measure conversion and time in stage.

Stages are configurable with the setting ``deal.stages`` (ordered ``key=中文`` items). ``won`` and ``lost`` are the
closed stages and are always present; the open stages run in the configured order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, col, select

from crm_cli import audit
from crm_cli.access import can_edit, visible_clause
from crm_cli.dates import Clock
from crm_cli.db.models import Customer, Deal, DealLine, DealStageChange, User
from crm_cli.errors import InvalidInput, NotFound, PermissionDenied
from crm_cli.money import default_currency, money_text, parse_currency, parse_money, to_cents
from crm_cli.settings import SettingSpec, get_setting, register

DEFAULT_STAGES = ["lead=线索", "qualified=需求确认", "proposal=方案报价", "negotiation=商务谈判", "won=赢单", "lost=输单"]
DEFAULT_PROBABILITY = {"lead": 10, "qualified": 25, "proposal": 50, "negotiation": 75, "won": 100, "lost": 0}
WON, LOST = "won", "lost"
CLOSED = (WON, LOST)

register(
    SettingSpec("deal.stages", list, DEFAULT_STAGES,
                "deal stages in order as key=中文 items; won and lost are always the closed stages"),
)


FIRST_DAY = date(1970, 1, 1)  # the funnel of "all deals" starts here


@dataclass(frozen=True)
class Stage:
    key: str
    zh: str
    position: int
    probability: int

    @property
    def closed(self) -> bool:
        return self.key in CLOSED

    @property
    def label(self) -> str:
        return f"{self.key} ({self.zh})" if self.zh else self.key


def stages(session: Session) -> list[Stage]:
    """The configured stages in order, ``won`` and ``lost`` last."""
    items = get_setting(session, "deal.stages") or DEFAULT_STAGES
    pairs: list[tuple[str, str]] = []
    for item in items:
        key, _, zh = str(item).partition("=")
        key = key.strip().lower()
        if key and key not in (k for k, _ in pairs):
            pairs.append((key, zh.strip()))
    defaults = dict(s.split("=") for s in DEFAULT_STAGES)
    open_pairs = [p for p in pairs if p[0] not in CLOSED]
    closed_pairs = [(k, dict(pairs).get(k) or defaults[k]) for k in CLOSED]
    out: list[Stage] = []
    for i, (key, zh) in enumerate(open_pairs):
        prob = DEFAULT_PROBABILITY.get(key, round(10 + 80 * i / max(1, len(open_pairs) - 1)))
        out.append(Stage(key, zh, i, prob))
    for key, zh in closed_pairs:
        out.append(Stage(key, zh, len(out), DEFAULT_PROBABILITY[key]))
    return out


def parse_stage(session: Session, text: str) -> Stage:
    """A stage by key or Chinese name ('proposal' or '方案报价')."""
    raw = (text or "").strip()
    for stage in stages(session):
        if raw.lower() == stage.key or (stage.zh and raw == stage.zh):
            return stage
    allowed = ", ".join(s.label for s in stages(session))
    raise InvalidInput(f"unknown stage {text!r}: use one of {allowed}")


def _probability(value: Any) -> int:
    try:
        prob = int(str(value).strip().rstrip("%"))
    except ValueError:
        raise InvalidInput(f"probability must be a whole percentage from 0 to 100, not {value!r}") from None
    if not 0 <= prob <= 100:
        raise InvalidInput(f"probability must be from 0 to 100, not {prob}")
    return prob


def _record_move(session: Session, deal: Deal, from_stage: str | None, to_stage: str, *, user: User,
                 clock: Clock) -> None:
    session.add(DealStageChange(deal_id=deal.id, from_stage=from_stage, to_stage=to_stage, at=clock.now,
                                on=clock.today, user_id=user.id))


def _check_edit(user: User, customer: Customer, deal: Deal | None = None) -> None:
    if can_edit(user, customer) or (deal is not None and deal.owner_id == user.id):
        return
    raise PermissionDenied(f"{customer.label} is not yours: its deals can be changed by its owner or a manager")


def add_deal(
    session: Session,
    *,
    user: User,
    clock: Clock,
    customer: Customer,
    title: str,
    amount: str | None = None,
    stage: str | None = None,
    close_on: date | None = None,
    probability: int | None = None,
    currency: str | None = None,
    lines: list[str] | None = None,
    owner: User | None = None,
    notes: str | None = None,
) -> Deal:
    from crm_cli.customers import clean_text
    from crm_cli.products import parse_lines

    _check_edit(user, customer)
    if customer.deleted_at is not None:
        raise InvalidInput(f"{customer.label} is deleted; restore it first")
    name = clean_text(title)
    if not name:
        raise InvalidInput("deal title is empty: say what is being sold, e.g. \"CRM 系统 50 用户\"")
    target = parse_stage(session, stage) if stage else stages(session)[0]
    parsed = parse_lines(session, lines or [], level=customer.level)
    if parsed and amount is not None:
        raise InvalidInput("give either --amount or --line items (the amount is computed from the lines), not both")
    amount_cents = sum(x.amount_cents for x in parsed) if parsed else to_cents(parse_money(amount or "0"))
    deal = Deal(
        customer_id=customer.id, title=name, amount_cents=amount_cents,
        currency=parse_currency(currency) if currency else default_currency(session), stage=target.key,
        stage_since=clock.now, expected_close_on=close_on,
        probability=_probability(probability) if probability is not None else target.probability,
        owner_id=(owner or user).id, closed_on=clock.today if target.closed else None, notes=clean_text(notes),
        created_at=clock.now, updated_at=clock.now,
    )  # fmt: skip
    session.add(deal)
    session.flush()
    assert deal.id is not None
    for position, line in enumerate(parsed, start=1):
        session.add(DealLine(deal_id=deal.id, position=position, product_id=line.product_id, quantity=line.quantity,
                             unit_price_cents=line.unit_price_cents, discount_bp=line.discount_bp,
                             amount_cents=line.amount_cents))
    _record_move(session, deal, None, target.key, user=user, clock=clock)
    audit.record(
        session, at=clock.now, user_id=user.id, entity="deal", entity_id=deal.id, customer_id=customer.id,
        action="create",
        changes=audit.diff({}, {"title": name, "amount": money_text(amount_cents), "currency": deal.currency,
                                "stage": target.key, "expected_close_on": close_on, "probability": deal.probability}),
    )  # fmt: skip
    session.flush()
    return deal


def get_deal(session: Session, deal_id: int | str, *, user: User) -> Deal:
    text = str(deal_id).strip().lstrip("#")
    if not text.isdigit():
        raise InvalidInput(f"deal id {deal_id!r} is not a number: see `crm deal list`")
    deal = session.get(Deal, int(text))
    if deal is not None:
        customer = session.get(Customer, deal.customer_id)
        from crm_cli.access import can_see

        if customer is None or not can_see(user, customer) or customer.deleted_at is not None:
            deal = None
    if deal is None:
        raise NotFound(f"no deal #{text}: see `crm deal list`")
    return deal


def move_deal(
    session: Session,
    *,
    user: User,
    clock: Clock,
    deal: Deal,
    stage: str,
    reason: str | None = None,
    probability: int | None = None,
) -> Stage:
    """Move a deal to ``stage`` (key or Chinese name). Moving to ``lost`` needs a reason; every move is recorded."""
    from crm_cli.customers import clean_text

    customer = session.get(Customer, deal.customer_id)
    assert customer is not None
    _check_edit(user, customer, deal)
    target = parse_stage(session, stage)
    if target.key == deal.stage:
        raise InvalidInput(f"deal #{deal.id} is already at {target.label}")
    reason = clean_text(reason)
    if target.key == LOST and not reason:
        raise InvalidInput("say why the deal was lost: --reason \"价格太高\"")
    old = {"stage": deal.stage, "probability": deal.probability, "closed_on": deal.closed_on,
           "lost_reason": deal.lost_reason}
    _record_move(session, deal, deal.stage, target.key, user=user, clock=clock)
    deal.stage = target.key
    deal.stage_since = clock.now
    deal.probability = _probability(probability) if probability is not None else target.probability
    deal.closed_on = clock.today if target.closed else None
    deal.lost_reason = reason if target.key == LOST else None
    deal.updated_at = clock.now
    session.add(deal)
    new = {"stage": deal.stage, "probability": deal.probability, "closed_on": deal.closed_on,
           "lost_reason": deal.lost_reason}
    assert deal.id is not None
    audit.record(session, at=clock.now, user_id=user.id, entity="deal", entity_id=deal.id, customer_id=customer.id,
                 action="move", changes=audit.diff(old, new), note=reason)
    session.flush()
    return target


def edit_deal(session: Session, *, user: User, clock: Clock, deal: Deal, changes: dict[str, Any]) -> dict[str, list]:
    from crm_cli.customers import clean_text

    customer = session.get(Customer, deal.customer_id)
    assert customer is not None
    _check_edit(user, customer, deal)
    values: dict[str, Any] = {}
    for key, value in changes.items():
        if key == "title":
            if not clean_text(value):
                raise InvalidInput("deal title is empty")
            values["title"] = clean_text(value)
        elif key == "amount":
            values["amount_cents"] = to_cents(parse_money(value))
        elif key == "probability":
            values["probability"] = _probability(value)
        elif key == "expected_close_on":
            values[key] = value
        elif key == "notes":
            values[key] = clean_text(value)
        elif key == "owner_id":
            values[key] = value
        else:
            raise InvalidInput(f"unknown deal field {key!r}")
    delta = audit.diff({k: getattr(deal, k) for k in values}, values)
    if not delta:
        return {}
    for key, value in values.items():
        setattr(deal, key, value)
    deal.updated_at = clock.now
    session.add(deal)
    assert deal.id is not None
    audit.record(session, at=clock.now, user_id=user.id, entity="deal", entity_id=deal.id, customer_id=customer.id,
                 action="update", changes=delta)
    session.flush()
    return delta


@dataclass
class DealQuery:
    customer: Customer | None = None
    stage: list[str] | None = None
    owner: str | None = "all"  # me | all | username
    open_only: bool = False
    closing_within: int | None = None
    limit: int | None = 100


def list_deals(session: Session, query: DealQuery, *, user: User, clock: Clock) -> list[tuple[Deal, Customer]]:
    stmt = (select(Deal, Customer).join(Customer, col(Customer.id) == Deal.customer_id)
            .where(visible_clause(user, indexed=False), col(Customer.deleted_at).is_(None)))
    if query.customer is not None:
        stmt = stmt.where(Deal.customer_id == query.customer.id)
    if query.stage:
        stmt = stmt.where(col(Deal.stage).in_([parse_stage(session, s).key for s in query.stage]))
    if query.open_only:
        stmt = stmt.where(col(Deal.stage).not_in(CLOSED))
    owner = (query.owner or "all").strip()
    if owner == "me":
        stmt = stmt.where(Deal.owner_id == user.id)
    elif owner != "all":
        from crm_cli.users import get_user

        stmt = stmt.where(Deal.owner_id == get_user(session, owner).id)
    if query.closing_within is not None:
        stmt = stmt.where(col(Deal.expected_close_on) <= clock.today + timedelta(days=query.closing_within),
                          col(Deal.stage).not_in(CLOSED))
    stmt = stmt.order_by(col(Deal.expected_close_on).is_(None), Deal.expected_close_on, Deal.id)
    if query.limit:
        stmt = stmt.limit(query.limit)
    return [(d, c) for d, c in session.exec(stmt)]


def deal_lines(session: Session, deal: Deal) -> list[DealLine]:
    return list(session.exec(select(DealLine).where(DealLine.deal_id == deal.id).order_by(DealLine.position)))


def stage_history(session: Session, deal: Deal) -> list[DealStageChange]:
    stmt = select(DealStageChange).where(DealStageChange.deal_id == deal.id).order_by(DealStageChange.at,
                                                                                     DealStageChange.id)
    return list(session.exec(stmt))


def deal_dict(deal: Deal, customer: Customer | None = None, owners: dict[int, str] | None = None) -> dict[str, Any]:
    data = deal.model_dump(exclude={"amount_cents"})
    data["amount"] = money_text(deal.amount_cents)
    data["weighted"] = money_text(deal.amount_cents * deal.probability // 100)
    if customer is not None:
        data["customer"] = customer.name
    if owners is not None:
        data["owner"] = owners.get(deal.owner_id) if deal.owner_id else None  # type: ignore[arg-type]
    return data


# ------------------------------------------------------------------------------------------------------ funnel


@dataclass
class FunnelRow:
    stage: Stage
    entered: int  # deals that ever reached this stage (or a later open stage, or won)
    current: int  # deals at this stage now
    amount_cents: int  # amount of the deals at this stage now
    conversion: float | None  # share of deals entering this stage that reached the next one
    avg_days: float | None  # mean days spent in this stage (completed stays)


def funnel(session: Session, *, user: User, clock: Clock, since: date | None = None) -> list[FunnelRow]:
    """Conversion and time in stage over the deals created since ``since`` (all when None) that ``user`` can see:
    the funnel report's numbers (``reports_sales.funnel_report``, one SQL pass over the stage history), so that
    `crm deal funnel` and `crm report funnel` cannot disagree.

    A deal counts as having entered a stage when it reached it or any later open stage, or was won (skipping
    stages is allowed); lost deals count for the stages they actually reached.
    """
    from crm_cli.money import to_cents
    from crm_cli.reports import ReportOptions
    from crm_cli.reports_sales import funnel_report

    if since is not None and since > clock.today:
        raise InvalidInput(f"--since {since.isoformat()} is in the future: give a past date such as -90d")
    report = funnel_report(session, user=user, clock=clock,
                           options=ReportOptions(start=since or FIRST_DAY, end=clock.today))
    by_key = {s.key: s for s in stages(session)}
    return [FunnelRow(by_key[r["key"]], r["entered"], r["current"], to_cents(r["amount"]), r["conversion"],
                      None if r["avg_days"] is None else round(r["avg_days"], 1)) for r in report.rows]
