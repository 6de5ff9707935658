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
