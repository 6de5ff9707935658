"""One customer: a header card and tabs — overview, contacts, follow-ups, deals/contracts/payments, history."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static, TabbedContent, TabPane

from crm_cli.audit import shown_value
from crm_cli.tui.app import DataChanged
from crm_cli.tui.backend import Detail
from crm_cli.tui.base import DbWork
from crm_cli.tui.widgets import Footer
from crm_cli.vocab import LEVEL_ZH, METHOD_ZH, Level, Method

OVERVIEW_FIELDS = (("code", "Code"), ("source", "Source"), ("region", "Region"), ("industry", "Industry"),
                   ("phone", "Phone"), ("email", "E-mail"), ("website", "Website"), ("address", "Address"),
                   ("credit_code", "Credit code"), ("notes", "Notes"))


class CustomerScreen(DbWork, Screen[None]):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("f", "log_followup", "Follow-up"),
        Binding("e", "edit", "Edit"),
        Binding("1", "tab('overview')", "Overview", show=False),
        Binding("2", "tab('contacts')", "Contacts", show=False),
        Binding("3", "tab('followups')", "Follow-ups", show=False),
        Binding("4", "tab('deals')", "Deals", show=False),
        Binding("5", "tab('history')", "History", show=False),
    ]

    def __init__(self, customer_id: int) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.detail: Detail | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loading…", id="card")
        with TabbedContent(initial="overview"):
            with TabPane("Overview 1", id="overview"), VerticalScroll():
                yield Static(id="overview-text")
            with TabPane("Contacts 2", id="contacts"):
                yield DataTable(id="contacts-table", cursor_type="row", zebra_stripes=True)
            with TabPane("Follow-ups 3", id="followups"), VerticalScroll():
                yield Static(id="timeline")
            with TabPane("Deals · contracts · payments 4", id="deals"), VerticalScroll():
                yield Static(id="deals-text")
            with TabPane("History 5", id="history"), VerticalScroll():
                yield Static(id="history-text")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#contacts-table", DataTable).add_columns(
            "Name", "Title", "Mobile", "Phone", "E-mail", "WeChat", "Birthday", "Primary")
        self.load()

    def on_data_changed(self, _event: DataChanged) -> None:
        self.load()

    def load(self) -> None:
        self.db_call(self.backend.detail, self.customer_id, done=self.show, group="detail")

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def show(self, d: Detail) -> None:
        self.detail = d
        c = d.customer
        level = f"{LEVEL_ZH.get(Level(c.level), '')} {c.level}" if c.level in Level._value2member_map_ else c.level
        last = d.local(c.last_followup_at, "%Y-%m-%d") or "never"
        nxt = c.next_followup_on.isoformat() if c.next_followup_on else "—"
        self.query_one("#card", Static).update(
            f"[b]#{c.id} {escape(c.name)}[/b]  {level}  {'★' * c.stars}\n"
            f"owner {escape(d.owner)} · phone {escape(c.phone or '—')} · last follow-up {last} · next {nxt}"
            + ("" if d.can_edit else "  [yellow](read only: not yours)[/yellow]"))
        lines = [f"{label:<12} {escape(str(getattr(c, key) or ''))}" for key, label in OVERVIEW_FIELDS]
        for key, value in (c.custom or {}).items():
            lines.append(f"{escape(str(key)):<12} {escape(str(value))}")
        self.query_one("#overview-text", Static).update("\n".join(lines))
        table = self.query_one("#contacts-table", DataTable)
        table.clear()
        for p in d.contacts:
            table.add_row(p.name, p.title or "", p.mobile or "", p.phone or "", p.email or "", p.wechat or "",
                          p.birthday.isoformat() if p.birthday else "", "✓" if p.is_primary else "")
        timeline = []
        for f, who in d.followups:
            method = METHOD_ZH.get(Method(f.method), f.method) if f.method in Method._value2member_map_ else f.method
            when = d.local(f.at)
            timeline.append(f"[b]{when}[/b] {method} · {escape(who)}\n  {escape(f.content)}"
                            + (f"\n  [dim]next {f.next_on.isoformat()}{': ' + escape(f.plan) if f.plan else ''}[/dim]"
                               if f.next_on else ""))
        self.query_one("#timeline", Static).update("\n\n".join(timeline) or "No follow-ups yet: press f to log one.")
        self.query_one("#deals-text", Static).update(render_extras(d.extras))
        hist = []
        for h, who in d.history:
            changes = ", ".join(f"{k}: {shown_value(v[0], d.tz)!s} → {shown_value(v[1], d.tz)!s}"
                                for k, v in (h.changes or {}).items())
            hist.append(f"{d.local(h.at)} {escape(who)} {h.entity} {h.action} "
                        f"{escape(changes)}{' — ' + escape(h.note) if h.note else ''}")
        self.query_one("#history-text", Static).update("\n".join(hist) or "No history.")

    def action_log_followup(self) -> None:
        from crm_cli.tui.screens.forms import FollowUpForm

        name = self.detail.customer.name if self.detail else ""
        self.app.push_screen(FollowUpForm(self.customer_id, name), lambda saved: self.load() if saved else None)

    def action_edit(self) -> None:
        from crm_cli.tui.screens.forms import CustomerForm

        self.app.push_screen(CustomerForm(self.customer_id), lambda saved: self.load() if saved else None)


def render_extras(extras: dict[str, Any]) -> Any:
    """Sections other capabilities add to a customer (deals, contracts, balance: ``customers.SHOW_EXTRAS``), each a
    table when it is a list of records."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    if not extras:
        return "No deals, contracts or payments recorded for this customer."
    parts: list[Any] = []
    for key, value in extras.items():
        title = str(key).replace("_", " ").capitalize()
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            columns = [k for k in value[0] if any(v.get(k) not in (None, "") for v in value)]
            table = Table(title=title, title_justify="left", title_style="bold", expand=False)
            for column in columns:
                table.add_column(column.replace("_", " "))
            for row in value:
                table.add_row(*(_cell(row.get(c)) for c in columns))
            parts.append(table)
        elif isinstance(value, list):
            parts.append(Text(f"{title}: none" if not value else f"{title}: " + ", ".join(map(str, value))))
        elif isinstance(value, dict):
            parts.append(Text(title + "\n" + "\n".join(f"  {k}: {v}" for k, v in value.items())))
        else:
            parts.append(Text(f"{title}: {value}"))
        parts.append(Text(""))
    return Group(*parts)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
