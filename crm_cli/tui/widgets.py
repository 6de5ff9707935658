"""Reusable widgets."""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual.app import ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer as _Footer
from textual.widgets import OptionList


def fit(value: str, width: int) -> str:
    """Pad or crop to ``width`` terminal cells (Chinese characters take two), with … when cropped."""
    if cell_len(value) <= width:
        return set_cell_size(value, width)
    return set_cell_size(value, max(0, width - 1)) + "…"


class Footer(_Footer):
    """Textual's footer, rebuilt only when the keys it shows change.

    Textual's own footer recomposes (a widget per key, each styled) at every focus change or binding refresh even
    when the keys stay the same: four times while the dashboard starts, a tenth of the start-up's CPU."""

    _shown: tuple[object, ...] | None = None

    @staticmethod
    def _keys(screen: Screen[object]) -> tuple[object, ...]:
        palette = screen.app.COMMAND_PALETTE_BINDING
        return tuple((b.key, b.key_display, b.description, b.action, b.group, enabled, tooltip)
                     for key, (_node, b, enabled, tooltip) in screen.active_bindings.items()
                     if b.show or key == palette)

    def compose(self) -> ComposeResult:
        self._shown = self._keys(self.screen) if self._bindings_ready else None
        yield from super().compose()

    def bindings_changed(self, screen: Screen[object]) -> None:
        if (self._bindings_ready and self.is_attached and screen is self.screen and screen.app.app_focus
                and self._keys(screen) == self._shown):
            return
        super().bindings_changed(screen)


class PagedList(OptionList):
    """One page of a longer result as fixed-width rows, one rendered line per row.

    Moving past the last (first) row asks for the next (previous) page, so the user scrolls through 100k rows
    while only the visible page is loaded. One rich Text per row is about ten times cheaper to draw than a
    DataTable's cell-by-cell rendering, which matters at every search keystroke."""

    DEFAULT_CSS = """
    PagedList { border: none; padding: 0; height: 1fr; }
    PagedList > .option-list--option { padding: 0 0; }
    """

    class Edge(Message):
        def __init__(self, widget: PagedList, step: int) -> None:
            super().__init__()
            self.widget = widget
            self.step = step

    def __init__(self, columns: Sequence[tuple[str, int]], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.columns = list(columns)  # (title, width); width 0 = takes the rest
        self.row_count = 0

    def widths(self) -> list[int]:
        total = (self.size.width or 120) - 1
        fixed = sum(w for _t, w in self.columns) + len(self.columns) - 1
        return [w or max(12, total - fixed) for _t, w in self.columns]

    def line(self, cells: Sequence[str]) -> str:
        return " ".join(fit(c, w) for c, w in zip(cells, self.widths(), strict=False))

    def header(self) -> Text:
        return Text(self.line([t for t, _w in self.columns]), style="bold")

    def show_rows(self, rows: Sequence[Sequence[str]], cursor: int = 0) -> None:
        self.row_count = len(rows)
        self.set_options([Text(self.line(r)) for r in rows])
        if rows:
            self.highlighted = max(0, min(cursor, len(rows) - 1))

    @property
    def cursor_row(self) -> int:
        return self.highlighted if self.highlighted is not None else -1

    def _at_end(self) -> bool:
        return self.row_count == 0 or self.cursor_row >= self.row_count - 1

    def action_cursor_down(self) -> None:
        if self._at_end():
            self.post_message(self.Edge(self, 1))
        else:
            super().action_cursor_down()

    def action_cursor_up(self) -> None:
        if self.cursor_row <= 0:
            self.post_message(self.Edge(self, -1))
        else:
            super().action_cursor_up()

    def action_page_down(self) -> None:
        if self._at_end():
            self.post_message(self.Edge(self, 1))
        else:
            super().action_page_down()

    def action_page_up(self) -> None:
        if self.cursor_row <= 0:
            self.post_message(self.Edge(self, -1))
        else:
            super().action_page_up()
