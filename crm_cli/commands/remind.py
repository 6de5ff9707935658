"""`crm remind`: the cron job — sweep to the pool, then alerts grouped by user (printed or mailed)."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer

from crm_cli.commands import _out
from crm_cli.commands._common import STATE, read_session, write_session


def remind_cmd(
    user: Annotated[str | None, typer.Option("--user", help="Only this user's alerts")] = None,
    days: Annotated[int, typer.Option("--days", min=0, help="Look-ahead in days for birthdays and other due dates")] = 7,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON: {\"swept\": [...], \"alerts\": [...]}")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the sweep and alerts; change nothing")] = False,
    now: Annotated[str | None, typer.Option("--now", help="Evaluate as of this moment, e.g. '2026-12-01 09:00'")] = None,
    no_sweep: Annotated[bool, typer.Option("--no-sweep", help="Do not return customers to the pool")] = False,
    show_all: Annotated[bool, typer.Option("--all", help="Show everything due, also alerts delivered before")] = False,
    mail: Annotated[bool, typer.Option("--mail", help="E-mail each user their alerts (settings mail.*)")] = False,
    wait: Annotated[float, typer.Option("--wait", min=0, help="Seconds to wait for the database lock before exit 5")] = 10.0,
) -> None:
    """Sweep customers that break the pool rules back to the pool, then show what needs attention.

    Prints nothing when nothing was swept and nothing is due, so cron mails only when there is something to read.
    Each alert is shown once per item and due day. Example crontab line: */30 * * * * crm remind
    """
    with _no_gc():
        _remind(user, days, as_json, dry_run, now, no_sweep, show_all, mail, wait)


@contextmanager
def _no_gc() -> Iterator[None]:
    """The cyclic garbage collector off for one run: a big sweep makes hundreds of thousands of short-lived
    objects (rows, results, JSON), which set off ~900 collections, a few of them full ones (0.25–0.4 s of CPU for
    100k swept customers on 1M). The objects are freed by reference counting anyway; cycles wait for the end."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _remind(user: str | None, days: int, as_json: bool, dry_run: bool, now: str | None, no_sweep: bool,
            show_all: bool, mail: bool, wait: float) -> None:
    database = STATE.database()
    database.busy_timeout = wait
    opened = read_session(now) if dry_run else write_session(now)
    deferred = None
    try:
        with opened as (session, actor, clock):
            if not dry_run:  # a big sweep's checkpoint runs beside the output instead of inside the commit
                deferred = database.defer_checkpoint(session)
            result, mail_settings = _run(session, actor, clock, user, days, show_all, dry_run, no_sweep, mail)
        if deferred is not None:
            deferred.start()
        _finish(database, result, clock, as_json=as_json, dry_run=dry_run, mail=mail, mail_settings=mail_settings)
    finally:
        if deferred is not None:
            deferred.restore()
            deferred.join()


def _run(session: Any, actor: Any, clock: Any, user: str | None, days: int, show_all: bool, dry_run: bool,
         no_sweep: bool, mail: bool) -> tuple[Any, Any]:
    """The run itself, inside the transaction: (result, mail settings or None)."""
    from crm_cli import remind

    only = None
    if user:
        from crm_cli.users import get_user

        only = get_user(session, user)
    result = remind.run(session, actor=actor, clock=clock, days=days, only=only, show_all=show_all,
                        dry_run=dry_run, do_sweep=not no_sweep)
    mail_settings = None
    if mail:
        from crm_cli import mailer

        mail_settings = mailer.settings_from(session)
    return result, mail_settings


def _finish(database: Any, result: Any, clock: Any, *, as_json: bool, dry_run: bool, mail: bool,
            mail_settings: Any) -> None:
    """After the commit: statistics, mail, output."""
    from crm_cli import remind

    if not dry_run:
        database.optimize()  # cron runs this every half hour: the planner's statistics stay fresh as data grows
    mailed: set[int] = set()
    failures: dict[str, str] = {}
    fatal: Exception | None = None
    if mail and mail_settings is not None and not result.empty:
        if dry_run:
            _out.info("dry run: no mail sent")
        else:
            from crm_cli.errors import CrmError

            try:
                mailed, failures = _mail(result, clock, mail_settings)
            except CrmError as exc:  # nothing was sent: everything is printed instead, for cron to mail
                fatal = exc
    if as_json:
        _out.print_json(result.to_json())
    else:
        shown_users = None
        if mailed:
            everyone = {a.user_id for a in result.alerts} | {s.from_user_id for s in result.swept}
            shown_users = everyone - mailed
            # The swept list is printed for whoever reads cron's mail (the admin) as well.
            text = remind.render_text(remind.RemindResult(result.swept, [], result.usernames, result.users), clock)
            text += remind.render_text(remind.RemindResult([], result.alerts, result.usernames, result.users), clock,
                                       user_ids=shown_users)
        else:
            text = remind.render_text(result, clock)
        sys.stdout.write(text)
    if fatal is not None:
        raise fatal
    if failures:
        raise _mail_failed(failures)


def _mail(result: Any, clock: Any, settings: Any) -> tuple[set[int], dict[str, str]]:
    """Send each user with an e-mail address their alerts. Returns (user ids mailed, {address: error}); the
    caller prints the alerts of everyone not mailed."""
    from crm_cli import mailer, remind

    by_user: dict[int, Any] = {}
    for user_id in {a.user_id for a in result.alerts} | {s.from_user_id for s in result.swept}:
        user = result.users.get(user_id)
        if user is None or not user.email:
            continue
        body = remind.render_text(result, clock, user_ids={user_id})
        if body:
            subject = f"crm: {sum(1 for a in result.alerts if a.user_id == user_id)} alert(s) for {clock.today.isoformat()}"
            by_user[user_id] = mailer.build_message(settings, to=user.email, subject=subject, body=body)
    if not by_user:
        return set(), {}
    failed = mailer.send(settings, list(by_user.values()))
    bad_ids = {uid for uid, msg in by_user.items() if str(msg["To"]) in failed}
    return set(by_user) - bad_ids, failed


def _mail_failed(failures: dict[str, str]) -> Exception:
    from crm_cli.mailer import MailError

    return MailError("some reminder mails were refused; those alerts are printed above instead",
                     details=[f"{rcpt}: {why}" for rcpt, why in failures.items()])
