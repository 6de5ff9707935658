"""Closed vocabularies (customer level, follow-up method, user role) with English and Chinese names.

Light on purpose: command modules import it at start-up to build their options, so it must not import SQLModel.
"""

from __future__ import annotations

from enum import StrEnum

from crm_cli.errors import InvalidInput


class Level(StrEnum):
    POTENTIAL = "potential"
    INTENT = "intent"
    KEY = "key"
    WON = "won"
    INVALID = "invalid"


class Method(StrEnum):
    PHONE = "phone"
    VISIT = "visit"
    EMAIL = "email"
    WECHAT = "wechat"
    MEETING = "meeting"
    OTHER = "other"


class Role(StrEnum):
    REP = "rep"
    MANAGER = "manager"
    ADMIN = "admin"
    ASSISTANT = "assistant"


LEVEL_ZH = {
    Level.POTENTIAL: "潜在",
    Level.INTENT: "意向",
    Level.KEY: "重点",
    Level.WON: "成交",
    Level.INVALID: "无效",
}
METHOD_ZH = {
    Method.PHONE: "电话",
    Method.VISIT: "拜访",
    Method.EMAIL: "邮件",
    Method.WECHAT: "微信",
    Method.MEETING: "会议",
    Method.OTHER: "其他",
}
ROLE_ZH = {Role.REP: "销售", Role.MANAGER: "经理", Role.ADMIN: "管理员", Role.ASSISTANT: "助理"}

_LEVEL_EXTRA = {
    "潜在客户": Level.POTENTIAL,
    "意向客户": Level.INTENT,
    "重点客户": Level.KEY,
    "成交客户": Level.WON,
    "已成交": Level.WON,
    "无效客户": Level.INVALID,
    "prospect": Level.POTENTIAL,
    "lead": Level.POTENTIAL,
    "interested": Level.INTENT,
    "important": Level.KEY,
    "customer": Level.WON,
    "closed": Level.WON,
}
_METHOD_EXTRA = {
    "电话拜访": Method.PHONE,
    "打电话": Method.PHONE,
    "call": Method.PHONE,
    "上门拜访": Method.VISIT,
    "上门": Method.VISIT,
    "面访": Method.VISIT,
    "e-mail": Method.EMAIL,
    "mail": Method.EMAIL,
    "电子邮件": Method.EMAIL,
    "邮箱": Method.EMAIL,
    "weixin": Method.WECHAT,
    "wx": Method.WECHAT,
    "meet": Method.MEETING,
    "开会": Method.MEETING,
}
_ROLE_EXTRA = {"sales": Role.REP, "销售员": Role.REP, "主管": Role.MANAGER, "admin": Role.ADMIN}


def _parse(value: str, enum: type[StrEnum], zh: dict, extra: dict, what: str):  # type: ignore[type-arg]
    raw = (value or "").strip()
    key = raw.lower()
    for member in enum:
        if key == member.value or raw == zh.get(member):
            return member
    if key in extra or raw in extra:
        return extra.get(key) or extra[raw]
    allowed = ", ".join(f"{m.value} ({zh[m]})" for m in enum)
    raise InvalidInput(f"unknown {what} {value!r}: use one of {allowed}")


def parse_level(value: str) -> Level:
    """'意向' → Level.INTENT; 'intent' → Level.INTENT; anything else is an InvalidInput naming the choices."""
    return _parse(value, Level, LEVEL_ZH, _LEVEL_EXTRA, "level")


def parse_method(value: str) -> Method:
    return _parse(value, Method, METHOD_ZH, _METHOD_EXTRA, "follow-up method")


def parse_role(value: str) -> Role:
    return _parse(value, Role, ROLE_ZH, _ROLE_EXTRA, "role")


def level_label(level: str | None, lang: str = "en") -> str:
    if not level:
        return ""
    return LEVEL_ZH[Level(level)] if lang == "zh" else str(level)


def method_label(method: str | None, lang: str = "en") -> str:
    if not method:
        return ""
    return METHOD_ZH[Method(method)] if lang == "zh" else str(method)
