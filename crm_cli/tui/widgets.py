"""Reusable widgets."""

from __future__ import annotations

from textual.message import Message
from textual.widgets import DataTable


class PagedTable(DataTable[str]):
    """A DataTable holding one page of a longer result: moving past its last (or first) row asks for the next
    (previous) page instead of stopping, so the user scrolls through 100k rows while only one page is loaded."""

    class Edge(Message):
        def __init__(self, table: PagedTable, step: int) -> None:
            super().__init__()
            self.table = table
            self.step = step

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
