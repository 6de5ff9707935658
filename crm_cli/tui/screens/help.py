"""The help screen: keys and the search language."""

from __future__ import annotations

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from crm_cli.dates import DATE_HELP
from crm_cli.querytext import HELP as QUERY_HELP

KEYS = (
    ("F2 / F3 / F4", "Home · Customers · Pool (公海)"),
    ("ctrl+p", "command palette: every action by name"),
    ("/", "search (Customers, Pool)"),
    ("↑ ↓  PgUp PgDn  [ ]", "move; past the last row the next page loads"),
    ("enter", "open the customer"),
    ("f", "log a follow-up for the selected customer"),
    ("a", "add a customer (likely duplicates appear as you type)"),
    ("e", "edit the selected customer"),
    ("c / g", "claim from the pool / assign it to someone (managers)"),
    ("1–5", "customer tabs: overview, contacts, follow-ups, deals, history"),
    ("ctrl+s / esc", "save / cancel a form"),
    ("F5", "reload (changes by cron, imports or other users also appear by themselves)"),
    ("ctrl+q", "quit"),
)


def help_text() -> str:
    lines = ["[b]crm dashboard[/b]", ""]
    lines += [f"  [b]{escape(key):<22}[/b] {escape(what)}" for key, what in KEYS]
    lines += ["", "[b]Search[/b]", "  Type any part of a name, contact name, phone or e-mail: 明达, 王强, 8600.",
              "  Add filters:", f"  {escape(QUERY_HELP)}", "", "[b]Dates[/b]",
              f"  Next follow-up dates accept {escape(DATE_HELP)}.", "", "[dim]esc closes[/dim]"]
    return "\n".join(lines)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,question_mark,q", "close", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(help_text())

    def action_close(self) -> None:
        self.dismiss()
