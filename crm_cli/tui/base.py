"""What every screen shares: running database work in worker threads, and showing errors without losing input."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static
from textual.worker import Worker, WorkerState

from crm_cli.errors import CrmError

if TYPE_CHECKING:
    from crm_cli.tui.app import CrmApp
    from crm_cli.tui.backend import Backend


def describe(error: BaseException) -> str:
    """One line (plus details) for a domain error; the type and text for anything else."""
    if isinstance(error, CrmError):
        return "\n".join([error.message, *(f"  {d}" for d in error.details)])
    return f"{type(error).__name__}: {error}"


class DbWork:
    """Mixin for screens: ``self.db_call(fn, *args, done=..., group=...)`` runs ``fn`` in a thread worker and calls
    ``done(result)`` on the UI thread; a failure goes to ``failed(error)`` (default: a notification or a modal).
    A newer call in the same group supersedes an older one (its result is dropped)."""

    _db_callbacks: dict[Worker[Any], tuple[Callable[[Any], None], Callable[[BaseException], None] | None]]

    @property
    def backend(self) -> Backend:
        return self.app.backend  # type: ignore[attr-defined, no-any-return]

    def db_call(self, fn: Callable[..., Any], *args: Any, done: Callable[[Any], None], group: str,
                failed: Callable[[BaseException], None] | None = None, **kwargs: Any) -> Worker[Any]:
        if not hasattr(self, "_db_callbacks"):
            self._db_callbacks = {}
        worker: Worker[Any] = self.run_worker(  # type: ignore[attr-defined]
            lambda: fn(*args, **kwargs), name=group, group=group, exclusive=True, thread=True, exit_on_error=False)
        self._db_callbacks[worker] = (done, failed)
        return worker

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        callbacks = getattr(self, "_db_callbacks", {}).get(event.worker)
        if callbacks is None:
            return
        done, failed = callbacks
        if event.state == WorkerState.SUCCESS:
            del self._db_callbacks[event.worker]
            done(event.worker.result)
        elif event.state == WorkerState.ERROR:
            del self._db_callbacks[event.worker]
            error = event.worker.error
            assert error is not None
            (failed or self.app.show_error)(error)  # type: ignore[attr-defined]
        elif event.state == WorkerState.CANCELLED:
            self._db_callbacks.pop(event.worker, None)


class TextInput(Input):
    """An Input that honours the app's cursor-blink switch (off in snapshot tests)."""

    def on_mount(self) -> None:
        app: CrmApp = self.app  # type: ignore[assignment]
        self.cursor_blink = getattr(app, "blink", True)


class ErrorModal(ModalScreen[None]):
    """An unexpected error: what happened, and that nothing typed was lost."""

    BINDINGS = [Binding("escape,enter", "dismiss", "Close")]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="error-dialog"):
            yield Static(self.title_text, classes="dialog-title")
            yield Static(self.text, markup=False, id="error-text")
            yield Static("Your input is kept; close this and try again.", classes="hint")
            yield Button("Close", variant="error", id="close")

    def on_button_pressed(self, _event: Button.Pressed) -> None:
        self.dismiss()

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss()
