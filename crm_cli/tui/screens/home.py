"""Home: today's agenda (overdue, due today, never contacted, idle, and what other capabilities add), my customers
by level, this month's numbers, the funnel and birthdays."""

from __future__ import annotations

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Static

from crm_cli.tui.app import DataChanged, Opened
from crm_cli.tui.backend import Home, Row
from crm_cli.tui.base import DbWork
from crm_cli.tui.widgets import Footer, LineTable, fit
from crm_cli.vocab import LEVEL_ZH, Level

AGENDA_COLUMNS = (("When", None), ("ID", None), ("Customer", None), ("Level", None), ("Phone", None), ("Next", None))
SECTIONS = (("overdue", "Overdue"), ("due_today", "Due today"), ("never_contacted", "Never contacted"),
            ("idle", "Idle"))


class HomeScreen(DbWork, Screen[None]):
    BINDINGS = [
        Binding("enter", "open", "Open", show=False),
        Binding("f", "log_followup", "Follow-up"),
        Binding("a", "app.add_customer", "Add"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.data: Home | None = None
        self.row_ids: list[int] = []
        self._opened = False

    @property
    def loaded(self) -> bool:
        """All of Home's data is in its widgets."""
        return self.data is not None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            with Vertical(id="agenda-pane"):
                yield Static("Opening the database…", id="agenda-title", classes="pane-title")
                yield LineTable(AGENDA_COLUMNS, zebra=True, id="agenda")
            with VerticalScroll(id="side"):
                yield Static(id="levels", classes="card")
                yield Static(id="month", classes="card")
                yield Static(id="funnel", classes="card")
                yield Static(id="birthdays", classes="card")
                yield Static(id="panels", classes="card")
        yield Footer()

    def on_mount(self) -> None:
        if self.app.me is not None:  # type: ignore[attr-defined]
            self.on_opened()

    def on_opened(self, event: Opened | None = None) -> None:
        """The app has opened the database: show the data it fetched meanwhile (or load it)."""
        if event is not None and event.failed:
            self.query_one("#agenda-title", Static).update("Could not open the database")
            return
        if self._opened:
            return
        self._opened = True
        prefetched, self.app.prefetched_home = self.app.prefetched_home, None  # type: ignore[attr-defined]
        if prefetched is not None:
            self.show(prefetched)
        else:
            self.load()

    def on_screen_resume(self) -> None:
        if self.data is not None:
            self.load()

    def on_data_changed(self, _event: DataChanged) -> None:
        self.load()

    def load(self) -> None:
        self.db_call(self.backend.home, done=self.show, group="home")

    def show(self, data: Home) -> None:
        self.data = data
        table = self.query_one("#agenda", LineTable)
        labels = dict(SECTIONS)
        labels["idle"] = f"Idle {data.idle_days}d+"
        lines, self.row_ids = [], []
        for key, _title in SECTIONS:
            rows: list[Row] = getattr(data, key)
            for r in rows:
                lines.append((labels[key], str(r.id), r.name, _level(r.level), r.phone, _d(r.next)))
                self.row_ids.append(r.id)
        table.set_rows(lines, cursor=table.cursor_row)
        counts = [f"{len(data.overdue)} overdue", f"{len(data.due_today)} due today",
                  f"{len(data.never_contacted)} never contacted"]
        self.query_one("#agenda-title", Static).update(f"Today {data.today.isoformat()} — " + ", ".join(counts))
        s = data.summary
        lines = [f"[b]My customers[/b] ({s.total})"]
        lines += [f"  {_level(level):<14} {n:>6}" for level, n in s.by_level.items()]
        self.query_one("#levels", Static).update("\n".join(lines))
        self.query_one("#month", Static).update(
            f"[b]This month[/b]\n  new customers  {s.month.new:>6}\n  won            {s.month.won:>6}\n"
            f"  follow-ups     {s.month.followups:>6}")
        self.query_one("#funnel", Static).update(_funnel(s.funnel()))
        if s.birthdays:
            bd = [escape(fit(f"  {b.on.strftime('%m-%d')} {b.contact} · {b.customer}", 36)) for b in s.birthdays]
        else:
            bd = ["  none in the next 7 days"]
        self.query_one("#birthdays", Static).update("\n".join(["[b]Birthdays[/b]", *bd]))
        panels = self.query_one("#panels", Static)
        if data.panels:
            text = []
            for title, items in data.panels.items():
                text.append(f"[b]{title}[/b]")
                text += [escape(fit(f"  {line}", 36)) for item in items for line in item.split("\n")] or ["  nothing"]
            panels.update("\n".join(text))
            panels.display = True
        else:
            panels.display = False

    def _selected(self) -> int | None:
        table = self.query_one("#agenda", LineTable)
        if not self.row_ids or table.cursor_row < 0:
            return None
        return self.row_ids[min(table.cursor_row, len(self.row_ids) - 1)]

    def on_line_table_row_selected(self, _event: LineTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        if (cid := self._selected()) is not None:
            self.app.open_customer(cid)  # type: ignore[attr-defined]

    def action_log_followup(self) -> None:
        from crm_cli.tui.screens.forms import FollowUpForm

        if (cid := self._selected()) is not None:
            table = self.query_one("#agenda", LineTable)
            name = str(table.rows[table.cursor_row][2])
            self.app.push_screen(FollowUpForm(cid, name), lambda saved: self.load() if saved else None)


def _d(value: object) -> str:
    return value.isoformat() if value is not None else ""  # type: ignore[attr-defined]


def _level(level: str) -> str:
    try:
        return f"{LEVEL_ZH[Level(level)]} {level}"
    except ValueError:
        return level


def _funnel(stages: list[tuple[str, int]]) -> str:
    top = max((n for _l, n in stages), default=0) or 1
    lines = ["[b]Funnel[/b]"]
    for level, n in stages:
        bar = "█" * max(1 if n else 0, round(10 * n / top))
        lines.append(f"  {_level(level):<14} [green]{bar}[/green] {n}")
    return "\n".join(lines)
