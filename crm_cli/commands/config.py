"""`crm config get|set`: personal settings (config file) and shared settings (database)."""

from __future__ import annotations

from typing import Annotated

import typer

from crm_cli.commands import _out
from crm_cli.commands._common import read_session, write_session

app = typer.Typer(help="Settings: personal ones in the config file, shared ones in the database.", no_args_is_help=True)


@app.command("get")
def get_cmd(
    key: Annotated[str | None, typer.Argument(help="Setting name; all settings when omitted")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show settings and where they come from.

    Example: crm config get today.idle_days
    """
    from crm_cli import config, settings

    file_values = config.load_config()
    rows = [{"key": k, "value": file_values.get(k), "scope": "config file", "help": h}
            for k, h in config.FILE_KEYS.items()]
    if key is None or key not in config.FILE_KEYS:
        with read_session() as (session, _user, _clock):
            if key is not None:
                settings.spec_for(key)
            values = settings.all_settings(session)
        rows += [{"key": k, "value": v, "scope": "database", "help": settings.SETTINGS[k].help}
                 for k, v in values.items()]
    if key is not None:
        rows = [r for r in rows if r["key"] == key]
        if not as_json:
            value = rows[0]["value"]
            typer.echo(",".join(map(str, value)) if isinstance(value, list) else ("" if value is None else value))
            return
    if as_json:
        _out.print_json({r["key"]: r["value"] for r in rows})
    else:
        _out.print_table([("key", "Setting"), ("value", "Value"), ("scope", "Where"), ("help", "Meaning")], rows)


@app.command("set")
def set_cmd(
    key: Annotated[str, typer.Argument(help="Setting name (see crm config get)")],
    value: Annotated[str, typer.Argument(help="New value ('' to unset a config-file value)")],
) -> None:
    """Change a setting.

    Example: crm config set timezone Asia/Shanghai   ·   crm config set today.idle_days 14
    """
    from crm_cli import config, settings

    if key in config.FILE_KEYS:
        if key == "timezone" and value:
            from crm_cli.dates import get_tz

            get_tz(value)
        path = config.set_file_value(key, value)
        _out.ok(f"{key} = {value!r} (in {path})")
        return
    parsed = settings.parse_value(key, value)
    with write_session() as (session, user, _clock):
        if user.role not in ("admin", "manager"):
            from crm_cli.errors import PermissionDenied

            raise PermissionDenied(f"only an admin or manager can change shared settings; {user.username} is a {user.role}")
        settings.set_setting(session, key, parsed)
    _out.ok(f"{key} = {parsed!r}")
