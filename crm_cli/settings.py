"""Database settings (shared by everyone using the file), with types, defaults and descriptions.

Other modules register their settings in ``SETTINGS``; ``crm config get|set`` lists and changes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crm_cli.errors import InvalidInput


@dataclass(frozen=True)
class SettingSpec:
    key: str
    kind: type  # int, bool, str, or list (comma-separated on the command line)
    default: Any
    help: str
    minimum: int | None = None


SETTINGS: dict[str, SettingSpec] = {}


def register(*specs: SettingSpec) -> None:
    for spec in specs:
        SETTINGS[spec.key] = spec


register(
    SettingSpec("today.idle_days", int, 30, "days without a follow-up before `crm today` lists a customer as idle", 1),
    SettingSpec("company.currency", str, "CNY", "default currency code for money"),
)


def parse_value(key: str, text: str) -> Any:
    spec = spec_for(key)
    raw = text.strip()
    if spec.kind is bool:
        lowered = raw.lower()
        if lowered in ("1", "true", "yes", "on", "是"):
            return True
        if lowered in ("0", "false", "no", "off", "否"):
            return False
        raise InvalidInput(f"{key} takes true or false, not {text!r}")
    if spec.kind is int:
        try:
            value = int(raw)
        except ValueError as exc:
            raise InvalidInput(f"{key} takes a whole number, not {text!r}") from exc
        if spec.minimum is not None and value < spec.minimum:
            raise InvalidInput(f"{key} must be at least {spec.minimum}, not {value}")
        return value
    if spec.kind is list:
        return [part.strip() for part in raw.split(",") if part.strip()]
    return raw


def spec_for(key: str) -> SettingSpec:
    try:
        return SETTINGS[key]
    except KeyError:
        known = ", ".join(sorted(SETTINGS))
        raise InvalidInput(f"unknown setting {key!r}; known settings: {known}") from None


def get_setting(session: Any, key: str) -> Any:
    spec = spec_for(key)
    if _setting_class_unbuilt():
        return get_settings(session, [key])[key]
    from crm_cli.db.models import Setting

    row = session.get(Setting, key)
    return spec.default if row is None else row.value


def get_settings(session: Any, keys: list[str]) -> dict[str, Any]:
    """Several settings in one query (defaults for those not stored)."""
    from sqlmodel import col, select

    specs = {key: spec_for(key) for key in keys}
    if _setting_class_unbuilt():
        from crm_cli.db.lean import SETTINGS

        rows = session.execute(select(SETTINGS.c.key, SETTINGS.c.value).where(SETTINGS.c.key.in_(keys)))
    else:
        from crm_cli.db.models import Setting

        rows = session.exec(select(Setting).where(col(Setting.key).in_(keys)))
    stored = {row.key: row.value for row in rows}
    return {key: stored[key] if key in stored else spec.default for key, spec in specs.items()}


def _setting_class_unbuilt() -> bool:
    """True while the Setting model class has not been built in this process: then no session can hold a pending
    or changed Setting object, and a plain read through the light table (crm_cli.db.lean) sees exactly what the
    ORM would, without building the class (hot commands: `crm today`, `crm customer add`)."""
    import sys

    return "crm_cli.db.models_admin" not in sys.modules


def set_setting(session: Any, key: str, value: Any) -> None:
    from crm_cli.db.models import Setting

    spec_for(key)
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value
    session.flush()


def all_settings(session: Any) -> dict[str, Any]:
    from sqlmodel import select

    from crm_cli.db.models import Setting

    stored = {row.key: row.value for row in session.exec(select(Setting))}
    return {key: stored.get(key, spec.default) for key, spec in sorted(SETTINGS.items())}


# --- pool (crm_cli.pool, crm_cli.remind) ---
register(
    SettingSpec("pool.idle_days", int, 30, "days without a follow-up before a customer returns to the pool (0: off)", 0),
    SettingSpec("pool.unwon_days", int, 90, "days after assignment without becoming won before it returns (0: off)", 0),
    SettingSpec("pool.exempt_levels", list, ["won"], "levels never swept back to the pool (comma-separated)"),
    SettingSpec("pool.max_owned", int, 500, "most customers one user may own; claim/assign/transfer refuse beyond it (0: no cap)", 0),
    SettingSpec("pool.cooldown_days", int, 7, "days before a user who released or lost a customer may claim it back", 0),
    SettingSpec("pool.warn_days", int, 3, "days before a sweep that `crm remind` warns the owner", 0),
)


# --- mail (crm_cli.mailer, used by `crm remind --mail`) ---
register(
    SettingSpec("mail.host", str, "localhost", "SMTP server for `crm remind --mail`"),
    SettingSpec("mail.port", int, 25, "SMTP port (587 with STARTTLS, 25 plain)", 1),
    SettingSpec("mail.starttls", bool, False, "upgrade the SMTP connection with STARTTLS"),
    SettingSpec("mail.user", str, "", "SMTP login name (empty: no login)"),
    SettingSpec("mail.password_env", str, "CRM_SMTP_PASSWORD", "environment variable that holds the SMTP password"),
    SettingSpec("mail.from", str, "crm@localhost", "From: address of reminder mails"),
)

# --- dashboard ---
register(
    SettingSpec("dashboard.payments_days", int, 14, "days ahead the dashboard's Home lists payments due", 0),
)
