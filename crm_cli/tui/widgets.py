"""Reusable widgets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Footer as _Footer


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


class LineTable(ScrollView, can_focus=True):
    """Rows of text cells, one terminal line per row, with a row cursor, a fixed header line and zebra stripes;
    looks like a row-cursor DataTable.

    A DataTable renders and measures every cell through rich (a tenth of the dashboard's start-up for Home's
    agenda); here each row is one pre-formatted string drawn as a single segment, so showing or replacing a few
    dozen rows costs next to nothing. Columns are ``(title, width)``: a width of ``None`` fits the content, ``0``
    takes the rest of the line (and the table never scrolls sideways); without one, a table wider than the widget
    scrolls sideways like a DataTable."""

    DEFAULT_CSS = """
    LineTable {
        background: $surface;
        color: $foreground;
        height: auto;
        max-height: 100%;
        &:focus {
            background-tint: $foreground 5%;
            & > .line-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .line-table--header { background-tint: $foreground 5%; }
        }
        &:dark > .line-table--even-row { background: $surface-darken-1 40%; }
        & > .line-table--header { text-style: bold; background: $panel; color: $foreground; }
        &:ansi > .line-table--header { background: ansi_bright_blue; color: ansi_default; }
        & > .line-table--even-row { background: $surface-lighten-1 50%; }
        & > .line-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"line-table--header", "line-table--cursor", "line-table--even-row"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Select", show=False),
        Binding("up", "cursor_up", "Cursor up", show=False),
        Binding("down", "cursor_down", "Cursor down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "first", "First row", show=False),
        Binding("end", "last", "Last row", show=False),
    ]

    cursor_row: reactive[int] = reactive(0, always_update=True, repaint=False)

    class RowSelected(Message):
        """Enter (or a click) on a row."""

        def __init__(self, table: LineTable, row: int) -> None:
            super().__init__()
            self.table = table
            self.row = row

        @property
        def control(self) -> LineTable:
            return self.table

    def __init__(self, columns: Sequence[tuple[str, int | None]], *, header: bool = True, zebra: bool = False,
                 cell_padding: int = 1, separator: str = "", id: str | None = None) -> None:
        super().__init__(id=id)
        self.columns = list(columns)
        self.show_header = header
        self.zebra = zebra
        self.cell_padding = cell_padding
        self.separator = separator
        self.rows: list[Sequence[str]] = []
        self._lines: list[str] = []
        self._header_line = ""
        self._formatted_for = -1

    # ------------------------------------------------------------------------------------------ data

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def set_rows(self, rows: Sequence[Sequence[str]], cursor: int = 0) -> None:
        """Replace every row; the cursor goes to ``cursor`` (kept inside the rows)."""
        self.rows = list(rows)
        self._formatted_for = -1
        flex = any(w == 0 for _t, w in self.columns)
        width = 0 if flex else sum(self.widths()) + (2 * self.cell_padding + len(self.separator)) * len(self.columns) \
            - len(self.separator)
        self.virtual_size = Size(width, len(self.rows) + self.show_header)
        self.cursor_row = max(0, min(cursor, len(self.rows) - 1))
        self.refresh()

    def widths(self) -> list[int]:
        """Each column's width in cells (without padding): fixed, fitted to the content, or the rest."""
        fitted = [w if w is not None else max([cell_len(t)] + [cell_len(r[i]) for r in self.rows if i < len(r)])
                  for i, (t, w) in enumerate(self.columns)]
        used = sum(w + 2 * self.cell_padding for w in fitted) + len(self.separator) * (len(fitted) - 1)
        rest = (self.scrollable_content_region.width or 120) - used
        return [max(12, rest) if want == 0 else w for (_t, want), w in zip(self.columns, fitted, strict=True)]

    def line(self, cells: Sequence[str], widths: Sequence[int] | None = None) -> str:
        pad = " " * self.cell_padding
        return self.separator.join(pad + fit(c, w) + pad for c, w in zip(cells, widths or self.widths(), strict=False))

    def _format(self) -> None:
        width = self.scrollable_content_region.width
        if self._formatted_for == width:
            return
        widths = self.widths()
        self._header_line = self.line([t for t, _w in self.columns], widths)
        self._lines = [self.line(r, widths) for r in self.rows]
        self._formatted_for = width

    def on_resize(self, _event: events.Resize) -> None:
        self._formatted_for = -1

    # ------------------------------------------------------------------------------------------ drawing

    def render_line(self, y: int) -> Strip:
        self._format()
        width = self.scrollable_content_region.width
        base = self.rich_style
        if self.show_header and y == 0:
            return self._strip(self._header_line, base + self.get_component_rich_style("line-table--header"), width,
                               self.scroll_offset.x)
        index = self.scroll_offset.y + y - self.show_header
        if not 0 <= index < len(self._lines):
            return Strip.blank(width, base)
        style = base
        if index == self.cursor_row:
            style = base + self.get_component_rich_style("line-table--cursor")
        elif self.zebra and index % 2 == 0:
            style = base + self.get_component_rich_style("line-table--even-row")
        return self._strip(self._lines[index], style, width, self.scroll_offset.x)

    @staticmethod
    def _strip(text: str, style: Style, width: int, left: int = 0) -> Strip:
        strip = Strip([Segment(text, style)])
        if left:
            strip = strip.crop(left, left + width)
        return strip.adjust_cell_length(width, style)

    # ------------------------------------------------------------------------------------------ cursor

    def watch_cursor_row(self, old: int, new: int) -> None:
        body = max(1, self.scrollable_content_region.height - self.show_header)
        top = self.scroll_offset.y
        if new < top:
            self.scroll_to(y=new, animate=False, immediate=True)
        elif new >= top + body:
            self.scroll_to(y=new - body + 1, animate=False, immediate=True)
        self.refresh()

    def move_cursor(self, row: int) -> None:
        if self.rows:
            self.cursor_row = max(0, min(row, len(self.rows) - 1))

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor_row + 1)

    def action_cursor_up(self) -> None:
        self.move_cursor(self.cursor_row - 1)

    def action_page_down(self) -> None:
        self.move_cursor(self.cursor_row + max(1, self.scrollable_content_region.height - self.show_header))

    def action_page_up(self) -> None:
        self.move_cursor(self.cursor_row - max(1, self.scrollable_content_region.height - self.show_header))

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(len(self.rows) - 1)

    def action_select_cursor(self) -> None:
        if self.rows:
            self.post_message(self.RowSelected(self, self.cursor_row))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or (self.show_header and offset.y == 0):
            return
        index = self.scroll_offset.y + offset.y - self.show_header
        if 0 <= index < len(self.rows):
            self.cursor_row = index
            self.post_message(self.RowSelected(self, index))


class PagedList(LineTable):
    """One page of a longer result as fixed-width rows, one line per row (its column titles are drawn elsewhere,
    see ``header()``).

    Moving past the last (first) row asks for the next (previous) page, so the user scrolls through 100k rows
    while only the visible page is loaded; at every search keystroke the page is replaced in place."""

    DEFAULT_CSS = """
    PagedList { height: 1fr; }
    PagedList > .line-table--cursor {
        color: $foreground;
        background: $block-cursor-blurred-background;
        text-style: $block-cursor-blurred-text-style;
    }
    """

    class Edge(Message):
        def __init__(self, widget: PagedList, step: int) -> None:
            super().__init__()
            self.widget = widget
            self.step = step

    def __init__(self, columns: Sequence[tuple[str, int]], *, id: str | None = None) -> None:
        super().__init__(columns, header=False, cell_padding=0, separator=" ", id=id)

    def widths(self) -> list[int]:
        total = (self.size.width or 120) - 1
        fixed = sum(w or 0 for _t, w in self.columns) + len(self.columns) - 1
        return [w or max(12, total - fixed) for _t, w in self.columns]

    def header(self) -> Text:
        return Text(self.line([t for t, _w in self.columns]), style="bold")

    def show_rows(self, rows: Sequence[Sequence[str]], cursor: int = 0) -> None:
        self.set_rows(rows, cursor=cursor)

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
