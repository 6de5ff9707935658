"""E-mail delivery of `crm remind` alerts over SMTP (standard library smtplib; settings ``mail.*``).

Each user gets one message with their own alerts and the customers the sweep took from them. The password is
never stored in the database: ``mail.password_env`` names the environment variable that holds it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from crm_cli.errors import CrmError, InvalidInput


class MailError(CrmError):
    exit_code = 1


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int
    starttls: bool
    user: str
    password_env: str
    sender: str


def settings_from(session: Any) -> MailSettings:
    from crm_cli.settings import get_setting

    return MailSettings(
        host=str(get_setting(session, "mail.host")), port=int(get_setting(session, "mail.port")),
        starttls=bool(get_setting(session, "mail.starttls")), user=str(get_setting(session, "mail.user") or ""),
        password_env=str(get_setting(session, "mail.password_env") or ""), sender=str(get_setting(session, "mail.from")),
    )  # fmt: skip


def build_message(settings: MailSettings, *, to: str, subject: str, body: str) -> Any:
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    return message


def send(settings: MailSettings, messages: list[Any], *, timeout: float = 30.0) -> dict[str, str]:
    """Send ``messages`` over one SMTP connection. Returns {recipient: error} for the ones that failed; a
    connection or login failure raises MailError (nothing was sent)."""
    import smtplib

    password = None
    if settings.user:
        password = os.environ.get(settings.password_env) if settings.password_env else None
        if password is None:
            raise InvalidInput(f"mail.user is set but the password variable {settings.password_env or '(mail.password_env)'} "
                               "is not in the environment: export it in the crontab line")
    failed: dict[str, str] = {}
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=timeout) as smtp:
            if settings.starttls:
                smtp.starttls()
            if settings.user:
                smtp.login(settings.user, password or "")
            for message in messages:
                try:
                    refused = smtp.send_message(message)
                except smtplib.SMTPRecipientsRefused as exc:
                    refused = dict(exc.recipients)
                except smtplib.SMTPException as exc:
                    failed[str(message["To"])] = str(exc)
                    continue
                for rcpt, why in (refused or {}).items():
                    failed[rcpt] = str(why)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"cannot send mail through {settings.host}:{settings.port}: {exc}; "
                        "check crm config get mail.host / mail.port / mail.starttls") from exc
    return failed
