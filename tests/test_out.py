"""The plain fast path of crm_cli.commands._out writes exactly what rich would, or hands over to rich."""

from __future__ import annotations

import io
import random
from typing import Any

import pytest

from crm_cli.commands import _out

WORDS = ["明达", "电子科技", "有限公司", "上海", "Orion", "Trading Corp.", "wang.fang", "(pool)", "0755-86001234",
         "+852 40970943", "2026-12-07", "★★★", "ＡＢＣ１２", "é", "e\u0301", "😀", "x:y", "[北京]", "potential", "", " "]


def rich_text(renderable: Any, width: int = _out.PLAIN_WIDTH) -> str:
    from rich.console import Console

    buf = io.StringIO()
    Console(file=buf, width=width, soft_wrap=False, force_terminal=False, color_system=None, _environ={}).print(
        renderable)
    return buf.getvalue()


def random_text(rng: random.Random, most: int) -> str:
    return "".join(rng.choice(WORDS) for _ in range(rng.randint(0, most))).strip()


def random_table(rng: random.Random) -> tuple[list[str], list[list[str]]]:
    columns = rng.randint(1, 9)
    headers = [rng.choice(["ID", "Name", "★", "Last follow-up", "", "电话"]) for _ in range(columns)]
    rows = [[random_text(rng, rng.choice([1, 3, 8])) for _ in range(columns)] for _ in range(rng.randint(1, 6))]
    return headers, rows


@pytest.mark.parametrize("seed", range(4))
def test_plain_table_is_what_rich_prints(seed: int) -> None:
    rng = random.Random(seed)
    fast_cases = 0
    for _ in range(300):
        headers, rows = random_table(rng)
        title = rng.choice([None, "Contacts", "#12 明达电子科技有限公司", "Recent follow-ups"])
        caption = rng.choice([None, "50 of 42857 shown (use --limit/--offset)", "x"])
        width = rng.choice([200, 120, 60, 30])
        fast = _out.plain_table(headers, rows, title=title, caption=caption, width=width)
        if fast is not None:
            fast_cases += 1
            assert fast == rich_text(_out.rich_table(headers, rows, title=title, caption=caption), width)
    assert fast_cases > 50  # the comparison ran on many tables, not only on fallbacks


@pytest.mark.parametrize("seed", range(4))
def test_plain_record_is_what_rich_prints(seed: int) -> None:
    rng = random.Random(seed)
    fast_cases = 0
    for _ in range(300):
        cells = [[rng.choice(["Code", "Level", "Owner", "Last follow-up", "· 行业"]), random_text(rng, 6)]
                 for _ in range(rng.randint(1, 8))]
        title = rng.choice([None, "#7 上海市鼎长电子科技有限公司", "#1 x"])
        width = rng.choice([200, 80, 40])
        fast = _out.plain_table(["", ""], cells, title=title, width=width, box=False, title_left=True)
        if fast is not None:
            fast_cases += 1
            assert fast == rich_text(_out.rich_record(cells, title=title), width)
    assert fast_cases > 50


@pytest.mark.parametrize(
    ("headers", "rows", "title"),
    [
        (["Name"], [["x" * 201]], None),  # wider than the console: rich folds it
        (["Name", "Notes"], [["a", "b" * 150], ["c" * 60, "d"]], None),  # rich shrinks columns
        (["Name"], [["a\nb"]], None),  # two lines in a cell
        (["Name"], [["tab\there"]], None),
        (["Name"], [["ends with a backslash\\"]], None),  # rich's markup escape doubles it
        (["Name"], [["smile :smile: please"]], None),  # rich replaces emoji codes
        (["Name"], [["x"]], "[bold]markup[/bold] in a title"),
        (["Name"], [["x"]], "a title far wider than the table"),
        ([""], [[""]], None),  # an empty table: rich draws it one cell wide
    ],
)
def test_plain_table_leaves_hard_cases_to_rich(headers: list[str], rows: list[list[str]], title: str | None) -> None:
    assert _out.plain_table(headers, rows, title=title) is None


def test_print_table_falls_back_to_rich_with_the_same_text(capsys: pytest.CaptureFixture[str]) -> None:
    rows = [{"id": 1, "name": "深圳市明达电子科技有限公司 " * 12, "notes": "a\\b"}, {"id": 2, "name": None}]
    _out.print_table([("id", "ID"), ("name", "Name"), ("notes", "Notes")], rows, caption="2 shown")
    cells = [["1", "深圳市明达电子科技有限公司 " * 12, "a\\b"], ["2", "", ""]]
    assert capsys.readouterr().out == rich_text(_out.rich_table(["ID", "Name", "Notes"], cells, caption="2 shown"))


def test_print_table_on_a_pipe_skips_rich(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_out, "rich_table", None)  # calling it would fail
    _out.print_table([("id", "ID"), ("name", "Name")], [{"id": 1, "name": "明达"}, {"id": 22, "name": "Orion"}],
                     caption="2 shown")
    assert capsys.readouterr().out == (
        "ID ┃ Name \n"
        "━━━╇━━━━━━\n"
        "1  │ 明达 \n"
        "22 │ Orion\n"
        " 2 shown  \n"
    )


def test_messages_are_what_rich_prints(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.console import Console

    monkeypatch.setenv("COLUMNS", "80")
    lines = ["Added customer #100002 基准测试公司B号", "x" * 80, "y" * 81 + " wrapped by rich", "emoji :smile: code",
             "深" * 41, "深" * 38, "深" * 39, "深a" * 26, "☺\ufe0f" * 19, "☺\ufe0f" * 27, "e\u0301" * 60]
    for message in lines:
        _out.ok(message)
        _out.warn(message)
        _out.error(message, [message])
        fast = capsys.readouterr().err
        buf = io.StringIO()
        con = Console(file=buf, highlight=False, force_terminal=False, color_system=None)
        con.print(f"[green]✓[/] {_out._esc(message)}")
        con.print(f"[yellow]warning:[/] {_out._esc(message)}")
        con.print(f"[bold red]error:[/] {_out._esc(message)}")
        con.print(f"  {_out._esc(message)}")
        assert fast == buf.getvalue()


@pytest.mark.parametrize(
    ("env", "plain"),
    [({}, True), ({"FORCE_COLOR": "1"}, False), ({"FORCE_COLOR": ""}, True), ({"TTY_COMPATIBLE": "1"}, False),
     ({"TTY_COMPATIBLE": "0", "FORCE_COLOR": "1"}, True)],
)
def test_plain_follows_richs_terminal_rules(env: dict[str, str], plain: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert _out.is_plain(io.StringIO()) is plain


def test_a_terminal_is_not_plain() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert _out.is_plain(Tty()) is False


# ---------------------------------------------------------------------------------------------- JSON output

def _json_reference(data: Any) -> str:
    import json

    return json.dumps(data, ensure_ascii=False, indent=2, default=_out._default)


_TRICKY_JSON: list[Any] = [
    {}, [], (), "", 0, -1, 10**30, True, False, None, 1.5, -0.0, 1e16, 1e-7, float("nan"), float("inf"), -float("inf"),
    "quote \" backslash \\ slash / newline \n tab \t nul \x00 bell \x07 明达电子 😀 \u2028 \ud800",
    {"swept": [{"customer": 1, "name": "明达\"电子\n", "from": None, "reason": "no follow-up for 30 days"}],
     "alerts": []},
    {7: "int key", 2.5: "float key", True: "bool key", False: "false key", None: "none key", "": {}, "nested": [[], {}, [[1, [2]]]]},
    [[], [{}], {"a": []}, ({"t": (1, "x")},)],
    {"when": __import__("datetime").datetime(2026, 11, 27, 9, 30, 5, 12, tzinfo=__import__("datetime").UTC),
     "day": __import__("datetime").date(2026, 2, 28), "money": __import__("decimal").Decimal("12.50"),
     "dates": [__import__("datetime").date(2026, 1, 1)]},
]


@pytest.mark.parametrize("data", _TRICKY_JSON, ids=range(len(_TRICKY_JSON)))
def test_json_text_is_what_the_standard_encoder_writes(data: Any) -> None:
    assert _out.dumps_json(data) == _json_reference(data)


def test_json_text_of_enums_and_subclasses_is_what_the_standard_encoder_writes() -> None:
    import enum

    class Colour(enum.StrEnum):
        RED = "red"

    class Size(enum.IntEnum):
        BIG = 3

    class Tag(str):
        pass

    data = {"c": Colour.RED, "s": Size.BIG, "t": Tag("x\"y"), Colour.RED: [Size.BIG, Colour.RED, Tag("z")],
            Size.BIG: True}
    assert _out.dumps_json(data) == _json_reference(data)


@pytest.mark.parametrize("seed", range(20))
def test_json_text_of_random_nested_data_is_what_the_standard_encoder_writes(seed: int) -> None:
    rng = random.Random(seed)
    alphabet = "ab\"\\\n\t\x01é明😀 ,:{}[]"

    def value(depth: int) -> Any:
        pick = rng.randrange(9 if depth < 4 else 6)
        if pick == 0:
            return "".join(rng.choice(alphabet) for _ in range(rng.randrange(6)))
        if pick == 1:
            return rng.randrange(-10**6, 10**6)
        if pick == 2:
            return rng.choice([None, True, False])
        if pick == 3:
            return rng.uniform(-1e6, 1e6)
        if pick == 4:
            return rng.choice([0, 0.0, "", -5])
        if pick == 5:
            return rng.choice([[], {}, ()])
        if pick in (6, 7):
            return {rng.choice(["k", "名", "a\"b", 1, 2.0, None, False]) if rng.random() < 0.3
                    else f"key{i}": value(depth + 1) for i in range(rng.randrange(5))}
        return [value(depth + 1) for _ in range(rng.randrange(5))]

    data = value(0)
    assert _out.dumps_json(data) == _json_reference(data)


def test_json_of_an_unknown_type_fails_like_the_standard_encoder() -> None:
    with pytest.raises(TypeError):
        _json_reference({"x": object()})
    with pytest.raises(TypeError, match="cannot serialise object"):
        _out.dumps_json({"x": object()})
    with pytest.raises(TypeError):
        _out.dumps_json({(1, 2): "tuple key"})


_RECORD_LISTS: list[Any] = [
    [{"customer": 1, "name": "明达\"电子\n", "from": None, "reason": "50% off"},
     {"customer": 2, "name": "", "from": "wang.fang", "reason": "no follow-up for 30 days"}],
    [{"a": 1, "b": [1, {"c": None}]}, {"a": True, "b": {}}, {"a": 1.5, "b": "x"}, {"a": -0.0, "b": ()}],
    [{"%s": "%d", "k%": "%"}, {"%s": "%%", "k%": "100%"}],  # percent signs in keys and values
    [{"a": 1, "b": 2}, {"b": 2, "a": 1}],  # same keys, other order
    [{"a": 1, "b": 2}, {"a": 1}],  # a key missing
    [{"a": 1}, {"a": 1, "b": 2}],  # a key more
    [{1: "int key"}, {1: "int key"}],  # keys that are not strings
    [{True: "x"}, {1: "y"}],  # equal keys, different JSON
    [{"a": 1}, [1], {"a": 2}],  # not all dicts
    [{}, {}],
    [{"x": __import__("datetime").date(2026, 2, 28)}, {"x": __import__("decimal").Decimal("1.10")}],
    ({"t": 1}, {"t": 2}),
    {"swept": [{"customer": i, "name": f"名{i}\t", "from": None if i % 3 else "u", "reason": "r"} for i in range(50)]},
]


@pytest.mark.parametrize("data", _RECORD_LISTS, ids=range(len(_RECORD_LISTS)))
def test_json_text_of_lists_of_records_is_what_the_standard_encoder_writes(data: Any) -> None:
    assert _out.dumps_json(data) == _json_reference(data)
    assert _out.dumps_json({"nested": [data, data]}) == _json_reference({"nested": [data, data]})
