from datetime import date

import pytest

from crm_cli.dates import parse_date
from crm_cli.errors import InvalidInput

TODAY = date(2026, 11, 23)  # a Monday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-05", date(2026, 12, 5)),
        ("2026/12/05", date(2026, 12, 5)),
        ("2026年12月5日", date(2026, 12, 5)),
        ("2026.12.5", date(2026, 12, 5)),
        ("12月5日", date(2026, 12, 5)),
        ("today", TODAY),
        ("tomorrow", date(2026, 11, 24)),
        ("yesterday", date(2026, 11, 22)),
        ("明天", date(2026, 11, 24)),
        ("+3d", date(2026, 11, 26)),
        ("-5d", date(2026, 11, 18)),
        ("+2w", date(2026, 12, 7)),
        ("+1m", date(2026, 12, 23)),
        ("friday", date(2026, 11, 27)),
        ("周五", date(2026, 11, 27)),
        ("monday", date(2026, 11, 30)),
        ("大后天", date(2026, 11, 26)),
        ("3天后", date(2026, 11, 26)),
        ("三天后", date(2026, 11, 26)),
        ("两周后", date(2026, 12, 7)),
        ("2个星期以后", date(2026, 12, 7)),
        ("一个月后", date(2026, 12, 23)),
        ("1年后", date(2027, 11, 23)),
        ("5天前", date(2026, 11, 18)),
        ("下周", date(2026, 11, 30)),
        ("next week", date(2026, 11, 30)),
        ("下个月", date(2026, 12, 23)),
        ("下周五", date(2026, 12, 4)),  # Friday of next week, not this Friday (the 27th)
        ("下星期一", date(2026, 11, 30)),
        ("Next Friday", date(2026, 12, 4)),
        ("本周五", date(2026, 11, 27)),
        ("这个周三", date(2026, 11, 25)),
    ],
)
def test_parse_date_understands_the_date_language(text: str, expected: date) -> None:
    assert parse_date(text, today=TODAY) == expected


@pytest.mark.parametrize("text", ["2026-02-30", "next blue moon", "", "+3x", "下周八", "十一天后", "3天"])
def test_parse_date_rejects_invalid_dates_naming_the_value(text: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_date(text, today=TODAY)
    assert (repr(text) in err.value.message) or text == ""


def test_one_month_from_january_31_is_the_end_of_february() -> None:
    assert parse_date("+1m", today=date(2027, 1, 31)) == date(2027, 2, 28)


def test_a_weekday_of_next_week_from_a_sunday_is_in_the_week_after_tomorrow() -> None:
    sunday = date(2026, 11, 29)
    assert parse_date("下周一", today=sunday) == date(2026, 11, 30)  # the calendar week starts on Monday
    assert parse_date("周一", today=sunday) == date(2026, 11, 30)
    assert parse_date("本周日", today=sunday) == sunday
