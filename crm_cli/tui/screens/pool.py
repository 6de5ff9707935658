"""The public pool (公海): customers nobody owns. Claim one (the cap is shown); managers assign to a rep."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static

from crm_cli.errors import CrmError
from crm_cli.tui.base import describe
from crm_cli.tui.screens.customers import CustomersScreen


class PoolScreen(CustomersScreen):
    BINDINGS = [
        Binding("c", "claim", "Claim"),
        Binding("g", "assign", "Assign"),
    ]
    base_owner = "pool"
    hint = "enter (or tab) to the list, then c claims · g assigns (managers) · ↑↓ past the edge for more pages"

    def on_mount(self) -> None:
        super().on_mount()
        owner = self.query_one("#owner")
        owner.display = False
        self.load_status()

    def load_status(self) -> None:
        self.db_call(self.backend.pool_status, done=self.show_cap, group="pool-status",
                     failed=lambda e: self.show_cap(describe(e)))

    def show_cap(self, text: str) -> None:
        self.sub_title = f"公海 public pool · {text}"

    def reload(self, *, keep_cursor: bool = False) -> None:
        super().reload(keep_cursor=keep_cursor)
        if self.page is not None:
            self.load_status()

    def action_claim(self) -> None:
        if (cid := self.selected()) is not None:
            self.db_call(self.backend.claim, cid, done=self.claimed, group="claim", failed=self.refused)

    def claimed(self, label: str) -> None:
        self.app.notify(f"Claimed {label}")
        self.reload(keep_cursor=True)

    def refused(self, error: BaseException) -> None:
        if isinstance(error, CrmError):
            self.app.notify(describe(error), title="Not claimed", severity="error", timeout=8, markup=False)
        else:
            self.app.show_error(error)  # type: ignore[attr-defined]

    def action_assign(self) -> None:
        me = self.app.me  # type: ignore[attr-defined]
        if me is None or not me.is_manager:
            self.app.notify("Only managers and admins assign pool customers; claim it instead (c)",
                            severity="warning")
            return
        if (cid := self.selected()) is not None:
            self.db_call(self.backend.usernames, done=lambda names: self.pick_user(cid, names), group="users")

    def pick_user(self, customer_id: int, names: list[str]) -> None:
        def chosen(name: str | None) -> None:
            if name:
                self.db_call(self.backend.assign, customer_id, name, done=self.claimed, group="claim",
                             failed=self.refused)

        self.app.push_screen(PickUser(names), chosen)


class PickUser(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, names: list[str]) -> None:
        super().__init__()
        self.names = names

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("Assign to…", classes="dialog-title")
            yield OptionList(*self.names, id="users")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.names[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)
