"""Where things live and who is working: the DB path, the config file, the current user.

Precedence for the database: ``--db PATH`` > ``CRM_DB`` > config ``db`` > the platformdirs user data dir.
Precedence for the user: ``--as USER`` > ``CRM_USER`` > config ``user`` > the OS login name.
Nothing here runs at import time.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import Any

from crm_cli.errors import InvalidInput

APP_NAME = "crm_cli"

# Keys kept in the config file (per machine/person). Everything else is a database setting (crm_cli.settings).
FILE_KEYS: dict[str, str] = {
    "user": "your user name in the CRM (default: the OS login name)",
    "db": "path of the database file",
    "timezone": "IANA time zone for calendar dates, e.g. Asia/Shanghai (default: the machine's)",
    "phone_region": "default region for phone numbers without a country code (default: CN)",
}


def config_path() -> Path:
    if env := os.environ.get("CRM_CONFIG"):
        return Path(env)
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME)) / "config.toml"


def load_config() -> dict[str, Any]:
    path = config_path()
    if not path.exists():
        return {}
    import tomllib

    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"config file {path} is not valid TOML: {exc}; fix or delete it") from exc


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def save_config(values: dict[str, Any]) -> Path:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "".join(f"{key} = {_toml_value(val)}\n" for key, val in sorted(values.items()) if val is not None)
    tmp = path.with_suffix(".tmp")
    tmp.write_text("# crm_cli configuration (crm config set KEY VALUE)\n" + body, encoding="utf-8")
    tmp.replace(path)
    return path


def set_file_value(key: str, value: str | None) -> Path:
    values = load_config()
    if value is None or value == "":
        values.pop(key, None)
    else:
        values[key] = value
    return save_config(values)


def resolve_db_path(explicit: str | Path | None = None, config: dict[str, Any] | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    if env := os.environ.get("CRM_DB"):
        return Path(env).expanduser()
    config = load_config() if config is None else config
    if config.get("db"):
        return Path(str(config["db"])).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME)) / "crm.db"


def resolve_username(explicit: str | None = None, config: dict[str, Any] | None = None) -> str:
    if explicit:
        return explicit
    if env := os.environ.get("CRM_USER"):
        return env
    config = load_config() if config is None else config
    if config.get("user"):
        return str(config["user"])
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "admin"
