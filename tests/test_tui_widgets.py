"""The dashboard's own widgets, driven by Textual's pilot in small apps."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Static

from crm_cli.tui.widgets import Footer


class Notes(Static, can_focus=True):
    BINDINGS = [Binding("ctrl+e", "edit", "Edit note")]


class FooterApp(App[None]):
    BINDINGS = [Binding("f2", "bell", "Home")]

    def compose(self) -> ComposeResult:
        yield Input(id="search")
        yield Notes("a note", id="notes")
        yield Footer()


def shown_keys(app: Any) -> list[str]:
    from textual.widgets._footer import FooterKey

    return [key.description for key in app.screen.query(FooterKey)]


async def test_the_footer_follows_the_focused_widgets_keys() -> None:
    app = FooterApp()
    async with app.run_test() as pilot:
        app.query_one("#search").focus()
        await pilot.pause()
        assert "Home" in shown_keys(app) and "Edit note" not in shown_keys(app)
        app.query_one("#notes").focus()
        await pilot.pause()
        await pilot.pause()
        assert "Edit note" in shown_keys(app)
        app.query_one("#search").focus()
        await pilot.pause()
        await pilot.pause()
        assert "Edit note" not in shown_keys(app)


async def test_the_footer_is_not_rebuilt_when_its_keys_stay_the_same() -> None:
    app = FooterApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        footer = app.query_one(Footer)
        composed = []
        original = footer.recompose

        async def recompose() -> None:
            composed.append(True)
            await original()

        footer.recompose = recompose  # type: ignore[method-assign]
        app.screen.refresh_bindings()
        await pilot.pause()
        await pilot.pause()
        assert composed == []
        assert "Home" in shown_keys(app)


class TableApp(App[None]):
    def __init__(self, rows: int) -> None:
        super().__init__()
        self.rows = [(f"row {i}", str(i), "x" * (i % 7)) for i in range(rows)]
        self.selected: list[int] = []

    def compose(self) -> ComposeResult:
        from crm_cli.tui.widgets import LineTable

        yield LineTable((("Name", None), ("N", None), ("Tail", None)), zebra=True, id="table")

    def on_mount(self) -> None:
        from crm_cli.tui.widgets import LineTable

        table = self.query_one(LineTable)
        table.styles.height = 6  # a header line and five rows
        table.set_rows(self.rows)
        table.focus()

    def on_line_table_row_selected(self, event: Any) -> None:
        self.selected.append(event.row)


def visible_lines(table: Any) -> list[str]:
    return [table.render_line(y).text.rstrip() for y in range(table.scrollable_content_region.height)]


async def test_a_line_table_moves_its_cursor_scrolls_and_selects_with_enter_or_a_click() -> None:
    app = TableApp(12)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        table = app.query_one("#table")
        assert visible_lines(table)[:2] == [" Name    N   Tail", " row 0   0"]
        await pilot.press(*["down"] * 7)
        assert table.cursor_row == 7
        assert visible_lines(table)[-1].startswith(" row 7")  # scrolled to keep the cursor in view
        await pilot.press("enter")
        await pilot.press("home")
        assert table.cursor_row == 0 and visible_lines(table)[1].startswith(" row 0")
        await pilot.press("end")
        assert table.cursor_row == 11
        await pilot.click(table, offset=(2, 1))
        await pilot.pause()
        assert app.selected == [7, table.cursor_row] and table.cursor_row == 7


async def test_a_line_table_keeps_the_cursor_inside_new_rows() -> None:
    app = TableApp(12)
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one("#table")
        await pilot.press("end")
        table.set_rows(app.rows[:3], cursor=table.cursor_row)
        await pilot.pause()
        assert table.cursor_row == 2
        table.set_rows([])
        await pilot.press("enter")
        assert app.selected == []
