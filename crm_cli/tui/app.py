"""`crm dashboard`: the Textual app. Receives what it needs (database path, user, clock) so tests can build it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from crm_cli.errors import CrmError
from crm_cli.tui.backend import Backend, Me


class DataChanged(Message):
    """Another process (or this app) committed to the database: screens reload what they show."""


class Opened(Message):
    """The start-up worker is done: the database is open and the acting user known (``app.me``), Home's first data
    in ``app.prefetched_home``; or it failed (``failed``, the error is shown by the app)."""

    def __init__(self, *, failed: bool = False) -> None:
        super().__init__()
        self.failed = failed


class CrmApp(App[None]):
    TITLE = "crm"
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("f2", "go('home')", "Home"),
        Binding("f3", "go('customers')", "Customers"),
        Binding("f4", "go('pool')", "Pool"),
        Binding("f5", "refresh_data", "Refresh"),
        Binding("f1,question_mark", "help", "Help"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(self, db_path: str | Path, username: str, *, now: datetime | None = None, tz: tzinfo | None = None,
                 blink: bool = True, poll_interval: float = 2.0) -> None:
        super().__init__()
        self.backend = Backend(db_path, username, now=now, tz=tz)
        self.blink = blink
        self.poll_interval = poll_interval
        self.me: Me | None = None
        self.prefetched_home: Any = None
        self._started = False

    # ------------------------------------------------------------------------------------------ start-up

    def on_mount(self) -> None:
        """Home's shell is shown at once while a worker opens the file and fetches Home's data; the other screens
        are imported on first use."""
        from crm_cli.tui.screens.home import HomeScreen

        self.add_mode("home", HomeScreen)
        self.add_mode("customers", _customers_screen)
        self.add_mode("pool", _pool_screen)
        self.run_worker(self._open, name="open", thread=True, exit_on_error=False)
        self.switch_mode("home")

    def _open(self) -> Me:
        """Open the file and fetch Home's data in the same worker, so the first screen appears with its data."""
        me = self.backend.open()
        try:
            self.prefetched_home = self.backend.home()
        except Exception:  # noqa: BLE001 - Home loads again and reports the error itself
            self.prefetched_home = None
        return me

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.name == "open":
            if event.state == WorkerState.SUCCESS:
                self.me = event.worker.result
                assert self.me is not None
                self.sub_title = f"{self.me.label} · {self.me.role}"
                self._started = True
                for screen in self.screen_stack:
                    screen.post_message(Opened())
                self.set_interval(self.poll_interval, self._poll)
            elif event.state == WorkerState.ERROR:
                assert event.worker.error is not None
                for screen in self.screen_stack:
                    screen.post_message(Opened(failed=True))
                self.show_error(event.worker.error, title="Cannot open the database")
        elif event.worker.name == "poll" and event.state == WorkerState.SUCCESS and event.worker.result:
            self.broadcast_change()

    def _poll(self) -> None:
        self.run_worker(self.backend.changed, name="poll", group="poll", thread=True, exclusive=True,
                        exit_on_error=False)

    def broadcast_change(self) -> None:
        """Tell every screen that data changed (they reload in their own workers)."""
        for screen in self.screen_stack:
            screen.post_message(DataChanged())

    def on_unmount(self) -> None:
        self.backend.close()

    # ------------------------------------------------------------------------------------------ errors

    def show_error(self, error: BaseException, *, title: str = "Error") -> None:
        """A domain error (bad input, refused, not found, busy) is a notification; anything else a modal."""
        from crm_cli.tui.base import ErrorModal, describe

        if isinstance(error, CrmError):
            self.notify(describe(error), title=title if title != "Error" else type(error).__name__,
                        severity="error", timeout=8, markup=False)
        else:
            self.push_screen(ErrorModal(title, describe(error)))

    # ------------------------------------------------------------------------------------------ actions

    def action_go(self, mode: str) -> None:
        if self._started and self.current_mode != mode:
            self.switch_mode(mode)

    def action_help(self) -> None:
        from crm_cli.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_refresh_data(self) -> None:
        self.broadcast_change()

    def action_add_customer(self) -> None:
        from crm_cli.tui.screens.forms import CustomerForm

        if self._started:
            self.push_screen(CustomerForm(), self._added)

    def _added(self, customer_id: int | None) -> None:
        if customer_id is not None:
            from crm_cli.tui.screens.customer import CustomerScreen

            self.broadcast_change()
            self.push_screen(CustomerScreen(customer_id))

    def open_customer(self, customer_id: int) -> None:
        from crm_cli.tui.screens.customer import CustomerScreen

        self.push_screen(CustomerScreen(customer_id))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield SystemCommand("Home", "Today's agenda and my numbers (F2)", lambda: self.action_go("home"))
        yield SystemCommand("Customers", "Find customers: search, filter, sort (F3)", lambda: self.action_go("customers"))
        yield SystemCommand("Pool (公海)", "Claim customers from the public pool (F4)", lambda: self.action_go("pool"))
        yield SystemCommand("Add customer", "New customer, with duplicates shown as you type", self.action_add_customer)
        log = getattr(screen, "action_log_followup", None)
        if log is not None:
            yield SystemCommand("Log follow-up", "Log a call, visit or message for the selected customer", log)
        edit = getattr(screen, "action_edit", None)
        if edit is not None:
            yield SystemCommand("Edit customer", "Edit the selected customer", edit)
        yield SystemCommand("Refresh", "Reload what is on screen (F5)", self.action_refresh_data)
        yield SystemCommand("Help", "Keys and the search language (F1)", self.action_help)
        yield from super().get_system_commands(screen)


def _customers_screen() -> Screen[Any]:
    from crm_cli.tui.screens.customers import CustomersScreen

    return CustomersScreen()


def _pool_screen() -> Screen[Any]:
    from crm_cli.tui.screens.pool import PoolScreen

    return PoolScreen()
