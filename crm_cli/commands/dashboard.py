"""`crm dashboard`: the Textual app. Textual is imported only here, inside the command."""

from __future__ import annotations

from typing import Annotated

import typer


def dashboard_cmd(
    serve: Annotated[bool, typer.Option("--serve", help="Serve it to a web browser (needs the 'web' extra)")] = False,
    host: Annotated[str, typer.Option(help="With --serve: address to listen on")] = "localhost",
    port: Annotated[int, typer.Option(help="With --serve: port")] = 8000,
    now: Annotated[str | None, typer.Option(help="Pretend it is this time (e.g. 2026-12-01 09:00)")] = None,
) -> None:
    """Open the dashboard: today's agenda, customers with live search, the pool, forms.

    Example: CRM_DB=.demo/demo.db CRM_USER=wang.fang crm dashboard
    In a browser: crm dashboard --serve   (or: textual serve "crm dashboard")
    """
    from crm_cli.commands._common import STATE
    from crm_cli.config import resolve_db_path, resolve_username

    config = STATE.load_config()
    db_path = resolve_db_path(STATE.db_path, config)
    username = resolve_username(STATE.username, config)
    if serve:
        _serve(host, port, db_path, username)
        return
    from crm_cli.tui.app import CrmApp

    clock = STATE.clock(now)
    CrmApp(db_path, username, now=clock.now if now else None, tz=clock.tz).run()


def _serve(host: str, port: int, db_path: object, username: str) -> None:
    import shlex
    import sys

    from crm_cli.errors import CrmError

    try:
        from textual_serve.server import Server
    except ImportError as exc:
        raise CrmError("serving in a browser needs textual-serve: pip install 'crm_cli[web]'") from exc
    command = " ".join(shlex.quote(p) for p in (sys.executable, "-m", "crm_cli", "--db", str(db_path),
                                                  "--as", username, "dashboard"))
    typer.echo(f"Serving the dashboard on http://{host}:{port} (ctrl+c stops)", err=True)
    Server(command, host=host, port=port, title="crm dashboard").serve()
