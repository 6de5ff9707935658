"""The help screen: keys and the search language."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from crm_cli.dates import DATE_HELP
from crm_cli.querytext import HELP as QUERY_HELP

TEXT = f"""\
# crm dashboard

| key | what it does |
| --- | --- |
| F2 / F3 / F4 | Home · Customers · Pool (公海) |
| ctrl+p | command palette: every action by name |
| / | search (Customers, Pool) |
| ↑ ↓, PgUp PgDn, [ ] | move; past the last row the next page loads |
| enter | open the customer |
| f | log a follow-up for the selected customer |
| a | add a customer (likely duplicates appear as you type) |
| e | edit the selected customer |
| c / g | claim from the pool / assign (managers) |
| 1–5 | customer tabs: overview, contacts, follow-ups, deals, history |
| ctrl+s / esc | save / cancel a form |
| F5 | reload (changes by cron, imports or other users also appear by themselves) |
| ctrl+q | quit |

## Search

Type any part of a name, contact name, phone or e-mail: `明达`, `王强`, `8600`. Add filters:

`{QUERY_HELP}`

## Dates

Next follow-up dates accept {DATE_HELP}.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,question_mark,q", "close", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Markdown(TEXT)

    def action_close(self) -> None:
        self.dismiss()
