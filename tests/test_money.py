from decimal import Decimal

import pytest

from crm_cli.errors import InvalidInput
from crm_cli.money import (
    format_money,
    line_amount,
    parse_currency,
    parse_money,
    parse_percent,
    round_cents,
    split_cents,
    to_cents,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("30000", "30000.00"), ("30,000.50", "30000.50"), ("¥1200", "1200.00"), ("1.5万", "15000.00"),
     ("３千", "3000.00"), ("0.1", "0.10"), ("12k", "12000.00")],
)
def test_parse_money_reads_the_usual_ways_of_writing_amounts(text, expected) -> None:
    assert parse_money(text) == Decimal(expected)


@pytest.mark.parametrize(("text", "fragment"), [("abc", "invalid amount"), ("1.005", "two decimal places"),
                                                ("-5", "negative"), ("", "empty")])
def test_parse_money_refuses_bad_amounts_with_a_reason(text, fragment) -> None:
    with pytest.raises(InvalidInput, match=fragment):
        parse_money(text)


def test_cents_are_exact_where_float_would_drift() -> None:
    assert to_cents(parse_money("0.1")) + to_cents(parse_money("0.2")) == to_cents(parse_money("0.3"))


def test_line_amount_rounds_half_up_once() -> None:
    assert line_amount(Decimal("3"), 333, 1000) == 899  # 3 × 3.33 × 0.9 = 8.991
    assert line_amount(Decimal("1.5"), 1001, 0) == 1502  # 15.015 → 15.02
    assert round_cents(Decimal("0.005")) == 1


def test_split_adds_up_exactly() -> None:
    parts = split_cents(100000, 3)
    assert parts == [33333, 33333, 33334] and sum(parts) == 100000


def test_percent_and_currency_parsing() -> None:
    assert parse_percent("12.5%") == 1250
    with pytest.raises(InvalidInput):
        parse_percent("120")
    assert parse_currency("rmb") == "CNY"
    with pytest.raises(InvalidInput, match="three-letter"):
        parse_currency("yuan")
    assert format_money(123456789, "CNY") == "1,234,567.89 CNY"
