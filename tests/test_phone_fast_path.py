"""The plain-phone fast path of crm_cli.normalize gives exactly the key phonenumbers gives, on tricky numbers."""

from __future__ import annotations

import random
import re

import pytest

from crm_cli import normalize

REGIONS = ["CN", "US", "CA", "HK", "TW", "GB", "DE", "IT", "FR", "AR", "MX", "BR", "JP", "KR", "SG", "RU", "IN",
           "AU"]
TRICKY = [
    "13812345678", "138 1234 5678", "138-1234-5678", "+86 138 1234 5678", "+8613812345678", "8613812345678",
    "008613812345678", "0086 138 1234 5678", "17912345678", "17951 13812345678", "1795100852123456",
    "11200 13812345678", "12593 13812345678", "0755-86001234", "0755 8600 1234", "075586001234", "010-12345678",
    "01012345678", "86001234", "8600 1234", "86 755 86001234", "+86 0755 86001234", "+86 755 8600 1234",
    "400-800-8888", "4008008888", "95555", "12345", "123456", "0000000", "00000 00000", "000-0000-0000",
    "0 0 0 0 0", "00852 6096 1075", "00 852 60961075", "+852 6096 1075", "+852 60961075", "+853 2882 1234",
    "+886 2 2345 6789", "+1 650 253 0000", "+1-650-253-0000", "650-253-0000", "1 650 253 0000", "011 44 20 7946 0958",
    "+44 20 7946 0958", "020 7946 0958", "+39 06 1234 5678", "06 1234 5678", "+39 0000 123", "+49 30 123456",
    "030 123456", "+7 495 123 45 67", "8 495 123 45 67", "+54 9 11 1234 5678", "011 15 1234 5678",
    "+52 1 55 1234 5678", "+800 1234 5678", "+808 1234 5678", "+999 123 4567", "+0 123 4567", "+00 86 138 1234 5678",
    "+1", "+12", "+123", "+1234", "+12345", "+86 1", "+86 12", "1" * 17, "1" * 18, "1" * 19, "9" * 25, "0" * 20,
    "+" + "1" * 20, "1-2-3-4-5", "12 34 56 78 90 12", "0 755 86001234", "13812345678 ", " 13812345678",
]


def reference(text: str, region: str) -> str | None:
    """The key as computed before the fast path: phonenumbers' parse, is_possible_number and E.164 format
    (normalize._parsed_phone, the path every number not plainly written still takes)."""
    digits = re.sub(r"\D", "", text)
    if len(digits) < 5:
        return None
    return normalize._parsed_phone(text, region, digits)


def fast_key(text: str, region: str) -> str | None:
    return normalize._one_phone.__wrapped__(text, region)  # type: ignore[attr-defined]  # no cache


@pytest.mark.parametrize("region", REGIONS)
def test_tricky_numbers_get_the_key_phonenumbers_gives(region: str) -> None:
    wrong = [(t, fast_key(t, region), reference(t, region)) for t in TRICKY
             if fast_key(t, region) != reference(t, region)]
    assert wrong == []


def _random_phone(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.2:
        body = "1" + "".join(rng.choice("0123456789") for _ in range(rng.randint(6, 12)))
    elif kind < 0.4:
        body = "0" + "".join(rng.choice("0123456789") for _ in range(rng.randint(4, 13)))
    elif kind < 0.55:  # international and carrier prefixes, the country code without "+"
        body = rng.choice(["00", "86", "860", "0086", "17951", "17900", "11200", "1795100", "12593", "011", "8",
                           "852", "001", "810"]) + "".join(rng.choice("0123456789") for _ in range(rng.randint(0, 12)))
    else:
        body = "".join(rng.choice("0123456789") for _ in range(rng.randint(5, 19)))
    out = body[0]
    for ch in body[1:]:
        if rng.random() < 0.12:
            out += rng.choice(" -")
        out += ch
    return "+" + out if rng.random() < 0.3 else out


def test_random_numbers_in_many_regions_get_the_same_key_both_ways() -> None:
    rng = random.Random(20261127)
    fast = 0
    for _ in range(12000):
        text, region = _random_phone(rng), rng.choice(REGIONS) if rng.random() < 0.5 else "CN"
        assert fast_key(text, region) == reference(text, region), (text, region)
        fast += normalize._plain_e164(text.strip(), region) is not None
    assert fast > 8000  # the fast path really answered most of them


def test_every_three_digit_start_of_a_chinese_number_gets_the_same_key() -> None:
    rng = random.Random(3)
    for start in range(1000):
        for length in (5, 7, 8, 10, 11, 12, 13):
            text = f"{start:03d}" + "".join(rng.choice("0123456789") for _ in range(length - 3))
            assert fast_key(text, "CN") == reference(text, "CN"), text


@pytest.mark.parametrize("text", ["138 1234 5678 ext 12", "(0755) 8600 1234", "０７５５－８６００１２３４",
                                  "tel: 13812345678", "+86 (0)755 8600 1234", "0755—86001234", "138.1234.5678"])
def test_other_shapes_go_to_phonenumbers(text: str) -> None:
    assert normalize._plain_e164(text, "CN") is None
    assert fast_key(text, "CN") == reference(text, "CN")
