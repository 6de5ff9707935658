"""One error hierarchy for the whole program.

Domain code raises these; the CLI turns them into a message on stderr and an exit code in exactly one place
(`crm_cli.commands.main`), the TUI into a notification.
"""

from __future__ import annotations


class CrmError(Exception):
    """Base class. `exit_code` is what the CLI exits with."""

    exit_code = 1

    def __init__(self, message: str, *, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class InvalidInput(CrmError):
    """Bad input: a value that cannot be parsed or breaks a rule. Exit 1."""

    exit_code = 1


class NotFound(CrmError):
    """A referenced record does not exist (or is not visible). Exit 3."""

    exit_code = 3


class Refused(CrmError):
    """The request is understood but refused: duplicate, conflict, cap, permission. Exit 4."""

    exit_code = 4


class DuplicateRefused(Refused):
    """A record looks like one that already exists. `matches` holds the candidates."""

    def __init__(self, message: str, *, matches: list | None = None, details: list[str] | None = None) -> None:
        super().__init__(message, details=details)
        self.matches = matches or []


class Conflict(Refused):
    """The record changed under us, or the operation conflicts with its state."""


class CapReached(Refused):
    """A per-user cap (owned customers) would be exceeded."""


class PermissionDenied(Refused):
    """The current user may not do this."""


class Busy(CrmError):
    """The database is locked by another writer for longer than the busy timeout, or is damaged. Exit 5."""

    exit_code = 5
