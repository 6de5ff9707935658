"""Forms: log a follow-up, add or edit a customer. They validate as you type with the domain's own rules, show
likely duplicates live, and keep everything typed when saving fails."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Button, Input, Label, Select, Static

from crm_cli.errors import CrmError, DuplicateRefused
from crm_cli.tui.base import DbWork, TextInput, describe
from crm_cli.vocab import LEVEL_ZH, METHOD_ZH


def date_preview(backend: Any, text: str) -> tuple[str, bool]:
    """What a date field means, as the user types: ('→ 2026-11-30 Mon', True) or the parse error."""
    if not text.strip():
        return "", True
    try:
        day = backend.clock().parse_date(text)
    except CrmError as exc:
        return exc.message, False
    return f"→ {day.isoformat()} {day.strftime('%a')}", True


class FollowUpForm(DbWork, ModalScreen[bool]):
    """Log a follow-up: method, what happened, the next date (same date language as the CLI) and the plan."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "save", "Save", priority=True)]

    def __init__(self, customer_id: int, name: str = "") -> None:
        super().__init__()
        self.customer_id = customer_id
        self.customer_name = name
        self.saving = False

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(f"Log a follow-up · #{self.customer_id} {escape(self.customer_name)}", classes="dialog-title")
            yield Label("Method")
            yield Select([(f"{zh} {m.value}", m.value) for m, zh in METHOD_ZH.items()], value="phone",
                         allow_blank=False, id="method")
            yield Label("What happened")
            yield TextInput(placeholder="报价已发，客户下周决定", id="content")
            yield Label("Next follow-up")
            yield TextInput(placeholder="+7d, friday, 明天, 2026-12-05 (empty: none)", id="next")
            yield Static("", id="next-preview", classes="preview")
            yield Label("Plan for next time")
            yield TextInput(placeholder="确认订单", id="plan")
            yield Static("", id="form-error", classes="form-error")
            with Horizontal(classes="buttons"):
                yield Button("Save (ctrl+s)", variant="primary", id="save")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#content", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "next":
            text, ok = date_preview(self.backend, event.value)
            preview = self.query_one("#next-preview", Static)
            preview.update(escape(text))
            preview.set_class(not ok, "invalid")
            event.input.set_class(not ok, "-invalid")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "plan":
            self.action_save()
        else:
            self.focus_next()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(False)

    def action_save(self) -> None:
        if self.saving:
            return
        error = self.query_one("#form-error", Static)
        content = self.query_one("#content", Input).value
        next_text = self.query_one("#next", Input).value
        if not content.strip():
            error.update("Say what happened (the content is empty).")
            self.query_one("#content", Input).focus()
            return
        text, ok = date_preview(self.backend, next_text)
        if not ok:
            error.update(escape(text))
            self.query_one("#next", Input).focus()
            return
        error.update("Saving…")
        self.saving = True
        self.db_call(self.backend.log_followup, self.customer_id, content=content,
                     method=str(self.query_one("#method", Select).value), next_text=next_text,
                     plan=self.query_one("#plan", Input).value, done=self.saved, failed=self.failed, group="save")

    def saved(self, _followup: Any) -> None:
        self.app.notify(f"Follow-up logged for #{self.customer_id}")
        self.dismiss(True)

    def failed(self, error: BaseException) -> None:
        self.saving = False
        self.query_one("#form-error", Static).update(escape(describe(error)))
        if not isinstance(error, CrmError):
            self.app.show_error(error)  # type: ignore[attr-defined]


# (field, label, placeholder)
CUSTOMER_FIELDS = (
    ("name", "Name *", "深圳市明达电子科技有限公司"),
    ("phone", "Phone", "0755-86001234"),
    ("email", "E-mail", "info@example.com"),
    ("stars", "Stars (0–5)", "3"),
    ("next", "Next follow-up", "+7d, friday, 2026-12-05"),
    ("source", "Source", "展会"),
    ("region", "Region", "深圳"),
    ("industry", "Industry", "电子"),
    ("credit_code", "Credit code", "91440300…(18)"),
    ("code", "Code", "C000123"),
    ("website", "Website", "https://"),
    ("address", "Address", ""),
    ("notes", "Notes", ""),
)
IDENTITY = ("name", "phone", "email", "credit_code")


class CustomerForm(DbWork, ModalScreen[int | None]):
    """Add a customer (``customer_id`` None) or edit one. Dismisses with the customer's id when saved."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "save", "Save", priority=True)]

    def __init__(self, customer_id: int | None = None) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.original: dict[str, str] = {}
        self.errors: dict[str, str] = {}
        self.force = False
        self.saving = False
        self._dupe_timer: Timer | None = None
        self.loaded = customer_id is None

    def compose(self) -> ComposeResult:
        title = "Add a customer" if self.customer_id is None else f"Edit customer #{self.customer_id}"
        with Vertical(id="dialog", classes="wide"):
            yield Static(title, classes="dialog-title")
            with Horizontal():
                with VerticalScroll(id="fields"):
                    yield Label("Level")
                    yield Select([(f"{zh} {lv.value}", lv.value) for lv, zh in LEVEL_ZH.items()],
                                 value="potential", allow_blank=False, id="f-level")
                    for key, label, placeholder in CUSTOMER_FIELDS:
                        yield Label(label)
                        yield TextInput(placeholder=placeholder, id=f"f-{key}")
                        yield Static("", id=f"e-{key}", classes="field-error")
                with Vertical(id="dupes-pane"):
                    yield Static("[b]Likely duplicates[/b]", classes="pane-title")
                    yield Static("none so far", id="dupes")
            yield Static("", id="form-error", classes="form-error")
            with Horizontal(classes="buttons"):
                yield Button("Save (ctrl+s)", variant="primary", id="save")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#f-name", Input).focus()
        if self.customer_id is not None:
            self.db_call(self.backend.detail, self.customer_id, done=self.fill, group="load")

    def fill(self, detail: Any) -> None:
        c = detail.customer
        values = {key: "" if getattr(c, key, None) is None else str(getattr(c, key)) for key, _l, _p in CUSTOMER_FIELDS
                  if key != "next"}
        values["next"] = c.next_followup_on.isoformat() if c.next_followup_on else ""
        self.original = dict(values, level=c.level)
        with self.prevent(Input.Changed):
            for key, value in values.items():
                self.query_one(f"#f-{key}", Input).value = value
        self.query_one("#f-level", Select).value = c.level
        self.loaded = True

    # ------------------------------------------------------------------------------------------ as you type

    def values(self) -> dict[str, str]:
        out = {key: self.query_one(f"#f-{key}", Input).value for key, _l, _p in CUSTOMER_FIELDS}
        out["level"] = str(self.query_one("#f-level", Select).value)
        return out

    def check(self, key: str, value: str) -> str:
        """The error for one field under the domain's rules, or ''."""
        from crm_cli.customers import validate_fields

        if key == "next":
            text, ok = date_preview(self.backend, value)
            return "" if ok else text
        if key != "name" and not value.strip():
            return ""
        try:
            validate_fields({key: value})
        except CrmError as exc:
            return exc.message
        return ""

    def on_input_changed(self, event: Input.Changed) -> None:
        key = (event.input.id or "").removeprefix("f-")
        if not key or key == event.input.id:
            return
        message = self.check(key, event.value)
        if message:
            self.errors[key] = message
        else:
            self.errors.pop(key, None)
        field_error = self.query_one(f"#e-{key}", Static)
        if key == "next" and not message:
            field_error.update(escape(date_preview(self.backend, event.value)[0]))
            field_error.remove_class("invalid")
        else:
            field_error.update(escape(message))
            field_error.set_class(bool(message), "invalid")
        event.input.set_class(bool(message), "-invalid")
        if key in IDENTITY:
            self.force = False
            if self._dupe_timer is not None:
                self._dupe_timer.stop()
            self._dupe_timer = self.set_timer(0.2, self.look_for_duplicates)

    def look_for_duplicates(self) -> None:
        values = {k: v for k, v in self.values().items() if k in IDENTITY and k not in self.errors}
        self.db_call(self.backend.duplicates, values, self.customer_id, done=self.show_duplicates, group="dupes")

    def show_duplicates(self, found: list[Any]) -> None:
        box = self.query_one("#dupes", Static)
        if not found:
            box.update("none so far")
            box.remove_class("warning")
            return
        box.update("\n".join(f"{escape(d.label)}\n  [dim]{d.score}% · {escape(', '.join(d.reasons))}[/dim]"
                             for d in found))
        box.add_class("warning")

    # ------------------------------------------------------------------------------------------ saving

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        if self.saving or not self.loaded:
            return
        values = self.values()
        self.errors = {}
        for key, value in values.items():
            if key == "level" or (self.customer_id is not None and value == self.original.get(key, "")):
                continue  # an edit checks what it changes: a value imported long ago must not block the save
            if message := self.check(key, value):
                self.errors[key] = message
        error = self.query_one("#form-error", Static)
        if self.errors:
            first = next(key for key, _l, _p in CUSTOMER_FIELDS if key in self.errors)
            error.update(escape(f"Fix {len(self.errors)} field(s) first: {first}: {self.errors[first]}"))
            self.query_one(f"#f-{first}", Input).focus()
            return
        next_text = values.pop("next")
        if self.customer_id is None:
            data = {k: v for k, v in values.items() if v.strip() or k == "name"}
            call, args, kwargs = self.backend.add_customer, (data,), {"next_text": next_text}
        else:
            changes = {k: v for k, v in values.items() if v != self.original.get(k, "")}
            changed_next = next_text if next_text != self.original.get("next", "") else None
            call, args, kwargs = self.backend.edit_customer, (self.customer_id, changes), {"next_text": changed_next}
        error.update("Saving…")
        self.saving = True
        self.db_call(call, *args, force=self.force, **kwargs, done=self.saved, failed=self.failed, group="save")

    def saved(self, result: Any) -> None:
        customer_id = result if self.customer_id is None else self.customer_id
        self.app.notify(f"Saved customer #{customer_id}")
        self.dismiss(customer_id)

    def failed(self, error: BaseException) -> None:
        self.saving = False
        box = self.query_one("#form-error", Static)
        if isinstance(error, DuplicateRefused):
            self.show_duplicates(error.matches)
            self.force = True
            box.update(escape(error.message.replace("use --force to add it anyway", "press ctrl+s again to save it "
                                                                                   "anyway")))
            return
        box.update(escape(describe(error)))
        if not isinstance(error, CrmError):
            self.app.show_error(error)  # type: ignore[attr-defined]
