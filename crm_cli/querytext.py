"""A one-line query language for finding customers, used by the dashboard's search box.

    明达 level:intent,key stars:3 owner:me region:深圳 due:overdue idle:30 sort:-last

``key:value`` tokens set filters (the same ones as ``crm customer list``); everything else is search text.
Keys also have Chinese names (级别, 星级, 负责人, 来源, 地区, 行业, 跟进, 未跟进, 排序).
"""

from __future__ import annotations

from dataclasses import replace

from crm_cli.customers import DUE_CHOICES, SORTS, CustomerQuery
from crm_cli.errors import InvalidInput

KEYS = {
    "level": "level", "级别": "level", "stars": "min_stars", "星级": "min_stars", "owner": "owner", "负责人": "owner",
    "source": "source", "来源": "source", "region": "region", "地区": "region", "industry": "industry",
    "行业": "industry", "due": "due", "跟进": "due", "idle": "idle_days", "未跟进": "idle_days", "sort": "sort",
    "排序": "sort", "target": "is_target", "目标": "is_target",
}  # fmt: skip
HELP = "level:intent stars:3 owner:me|pool|USER region:深圳 source: industry: due:today|overdue|week idle:30 sort:-last"


def parse(text: str, base: CustomerQuery | None = None) -> CustomerQuery:
    """Turn the search box into a CustomerQuery on top of ``base``. Raises InvalidInput naming the bad token."""
    query = replace(base) if base is not None else CustomerQuery()
    query.level = list(query.level)
    words: list[str] = []
    for token in text.replace("：", ":").split():
        key, sep, value = token.partition(":")
        if not sep or key.lower() not in KEYS:
            words.append(token)
            continue
        name = KEYS[key.lower()]
        if not value:
            raise InvalidInput(f"{key}: needs a value, e.g. {HELP}")
        if name == "level":
            from crm_cli.vocab import parse_level

            query.level = [parse_level(v).value for v in value.split(",") if v]
        elif name == "min_stars":
            from crm_cli.customers import parse_stars

            query.min_stars = parse_stars(value)  # 3, 三星, ★★★; a bad one raises InvalidInput naming it
        elif name == "idle_days":
            if not value.isdigit():
                raise InvalidInput(f"{key}:{value}: expected a whole number")
            setattr(query, name, int(value))
        elif name == "due":
            if value not in DUE_CHOICES:
                raise InvalidInput(f"{key}:{value}: use one of {', '.join(DUE_CHOICES)}")
            query.due = value
        elif name == "sort":
            if value not in SORTS:
                raise InvalidInput(f"{key}:{value}: use one of {', '.join(SORTS)}")
            query.sort = value
        elif name == "is_target":
            query.is_target = value.lower() in ("1", "yes", "y", "true", "是")
        else:
            setattr(query, name, value)
    query.search = " ".join(words) or None
    return query
