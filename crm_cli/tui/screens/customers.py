"""Customers: live search (Chinese substrings, contact names, phones), filters and sort over every customer the
user may see, one page at a time (never the whole table)."""

from __future__ import annotations

from dataclasses import replace

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Header, Input, Select, Static

from crm_cli.customers import CustomerQuery
from crm_cli.errors import CrmError
from crm_cli.tui.app import DataChanged
from crm_cli.tui.backend import Page, Row
from crm_cli.tui.base import DbWork, TextInput
from crm_cli.tui.widgets import Footer, PagedList
from crm_cli.vocab import LEVEL_ZH

SORT_CHOICES = [("id", "id"), ("name", "name"), ("next follow-up", "next"), ("last follow-up (oldest)", "last"),
                ("last follow-up (newest)", "-last"), ("stars", "stars"), ("level", "level"),
                ("newest", "-created"), ("recently updated", "updated")]
COLUMNS = (("ID", 6), ("Customer", 0), ("Level", 9), ("★", 5), ("Owner", 10), ("Region", 8), ("Phone", 14),
           ("Last", 10), ("Next", 10))


def row_cells(r: Row) -> tuple[str, ...]:
    return (str(r.id), r.name, r.level, "★" * r.stars, r.owner, r.region, r.phone,
            r.last.isoformat() if r.last else "", r.next.isoformat() if r.next else "")


class CustomersScreen(DbWork, Screen[None]):
    BINDINGS = [
        Binding("enter", "open", "Open", show=False),
        Binding("f", "log_followup", "Follow-up"),
        Binding("e", "edit", "Edit"),
        Binding("a", "app.add_customer", "Add"),
        Binding("slash", "focus_search", "Search"),
        Binding("right_square_bracket", "page(1)", "Next page"),
        Binding("left_square_bracket", "page(-1)", "Prev page"),
    ]
    base_owner = "all"
    hint = "↑↓ past the edge or [ ] for more pages · enter opens · f logs a follow-up · a adds"
    fixed_page_size: int | None = None  # tests set it; otherwise the table's height decides

    def __init__(self) -> None:
        super().__init__()
        self.row_offset = 0
        self.page: Page | None = None
        self._cursor_to: int | str = 0
        self._list_running = False
        self._list_next: CustomerQuery | None = None  # asked for while a page query was running
        self._columns_text = ""

    def compose(self) -> ComposeResult:
        yield Header()
        yield TextInput(placeholder="Search name, contact, phone… (filters: level:intent owner:me due:overdue "
                                    "idle:30 sort:-last)", id="search")
        with Horizontal(id="filters"):
            yield Select([(f"{zh} {lv.value}", lv.value) for lv, zh in LEVEL_ZH.items()], prompt="Any level",
                         id="level")
            yield Select([("mine", "me"), ("pool 公海", "pool")], prompt="Any owner", id="owner")
            yield Select([("due today", "today"), ("overdue", "overdue"), ("due this week", "week")],
                         prompt="Any due date", id="due")
            yield Select(SORT_CHOICES, value="id", allow_blank=False, id="sort")
        yield Static("", id="columns")
        yield PagedList(COLUMNS, id="customers")
        yield Static("", id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#search", Input).focus()
        self.reload()

    def on_screen_resume(self) -> None:
        if self.page is not None:
            self.reload(keep_cursor=True)

    def on_data_changed(self, _event: DataChanged) -> None:
        self.reload(keep_cursor=True)

    # ------------------------------------------------------------------------------------------ query

    @property
    def page_size(self) -> int:
        """As many rows as the table shows: only the visible page is queried and rendered."""
        if self.fixed_page_size:
            return self.fixed_page_size
        height = self.query_one(PagedList).size.height
        return max(5, height) if height > 1 else 30

    def build_query(self) -> CustomerQuery:
        from crm_cli import querytext

        def value(widget_id: str) -> str | None:
            select = self.query_one(f"#{widget_id}", Select)
            return None if select.is_blank() else str(select.value)

        level = value("level")
        base = CustomerQuery(level=[level] if level else [], owner=value("owner") or self.base_owner,
                             due=value("due"), sort=value("sort") or "id", limit=self.page_size, offset=self.row_offset)
        return querytext.parse(self.query_one("#search", Input).value, base)

    def reload(self, *, keep_cursor: bool = False) -> None:
        status = self.query_one("#status", Static)
        try:
            query = self.build_query()
        except CrmError as exc:
            status.update(f"[red]{exc.message}[/red]")
            return
        table = self.query_one(PagedList)
        if keep_cursor:
            self._cursor_to = table.cursor_row
        self.query_page(query)

    def query_page(self, query: CustomerQuery) -> None:
        """One page query at a time: asked again while one runs, only the latest query runs next (keys typed
        meanwhile cost no query each, and no worker thread competes with the one the user waits for)."""
        if self._list_running:
            self._list_next = query
            return
        self._list_running = True
        self.db_call(self.backend.customers, query, count=False, done=self._page_done, group="list",
                     failed=self._page_failed)

    def _next_query(self) -> bool:
        self._list_running = False
        query, self._list_next = self._list_next, None
        if query is None:
            return False
        self.query_page(query)
        return True

    def _page_done(self, page: Page) -> None:
        if not self._next_query():  # a page for an older query is dropped when a newer one waits
            self.show_page(page)

    def _page_failed(self, error: BaseException) -> None:
        if not self._next_query():
            self.list_failed(error)

    def list_failed(self, error: BaseException) -> None:
        from crm_cli.tui.base import describe

        if isinstance(error, CrmError):
            self.query_one("#status", Static).update(f"[red]{describe(error)}[/red]")
        else:
            self.app.show_error(error)  # type: ignore[attr-defined]

    def show_page(self, page: Page) -> None:
        self.page = page
        table = self.query_one(PagedList)
        target = len(page.rows) - 1 if self._cursor_to == "last" else int(self._cursor_to)
        table.show_rows([row_cells(r) for r in page.rows], cursor=target)
        header = table.header()
        if header.plain != self._columns_text:  # the titles change only with the width
            self._columns_text = header.plain
            self.query_one("#columns", Static).update(header)
        self._cursor_to = 0
        self.show_status()
        if page.total < 0:  # the rows first; the number of matches once they are drawn (unless a key came)
            self.call_after_refresh(self._count, page)

    def _count(self, page: Page) -> None:
        if self.page is page and not self._list_running:
            self.db_call(self.backend.count, page.query, done=lambda total: self.show_count(total, page),
                         group="count")

    def show_count(self, total: int, page: Page) -> None:
        from crm_cli.tui.backend import COUNT_CAP

        if self.page is page:
            self.page.total, self.page.capped = min(total, COUNT_CAP), total > COUNT_CAP
            self.show_status()

    def show_status(self) -> None:
        page = self.page
        assert page is not None
        if not page.rows and page.offset == 0:
            text = "no customers match"
        else:
            text = f"{page.offset + 1:,}–{page.offset + len(page.rows):,} of {page.total_label}"
        self.query_one("#status", Static).update(f"{text}   [dim]{self.hint}[/dim]", layout=False)

    # ------------------------------------------------------------------------------------------ events

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "search":
            self.row_offset = 0
            self.reload()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "search":
            self.query_one(PagedList).focus()

    def on_select_changed(self, _event: Select.Changed) -> None:
        if self.is_mounted:
            self.row_offset = 0
            self.reload()

    def on_paged_list_edge(self, event: PagedList.Edge) -> None:
        self.action_page(event.step, cursor="first" if event.step > 0 else "last")

    def action_page(self, step: int, cursor: str = "first") -> None:
        if self.page is None:
            return
        new = self.row_offset + step * self.page_size
        if new < 0 or (step > 0 and new >= self.page.offset + len(self.page.rows) and len(self.page.rows) < self.page_size):
            return
        if step > 0 and 0 <= self.page.total <= new and not self.page.capped:
            return
        self.row_offset = new
        self._cursor_to = "last" if cursor == "last" else 0
        self.query_page(replace(self.build_query(), offset=new))

    def on_line_table_row_selected(self, _event: PagedList.RowSelected) -> None:
        self.action_open()

    def selected(self) -> int | None:
        table = self.query_one(PagedList)
        if self.page is None or not self.page.rows or table.cursor_row < 0:
            return None
        return self.page.rows[min(table.cursor_row, len(self.page.rows) - 1)].id

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_open(self) -> None:
        if (cid := self.selected()) is not None:
            self.app.open_customer(cid)  # type: ignore[attr-defined]

    def action_log_followup(self) -> None:
        from crm_cli.tui.screens.forms import FollowUpForm

        if (cid := self.selected()) is not None:
            name = next((r.name for r in self.page.rows if r.id == cid), "") if self.page else ""
            self.app.push_screen(FollowUpForm(cid, name), lambda saved: self.reload(keep_cursor=True) if saved else None)

    def action_edit(self) -> None:
        from crm_cli.tui.screens.forms import CustomerForm

        if (cid := self.selected()) is not None:
            self.app.push_screen(CustomerForm(cid), lambda saved: self.reload(keep_cursor=True) if saved else None)
