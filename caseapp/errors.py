"""Domain errors: every one carries a message a person can act on.

The CLI prints the message and exits 1; the window shows it in a dialog.
"""

from __future__ import annotations


class CaseAppError(Exception):
    """Base of every error meant for the user."""

    def __init__(self, message: str, *, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = list(details or [])

    def __str__(self) -> str:
        if not self.details:
            return self.message
        return self.message + "\n" + "\n".join(f"  {d}" for d in self.details)


class ValidationError(CaseAppError):
    """Input that breaks a rule.

    `field` names the offending field when there is one; `field_errors` maps every
    offending field to its message, so an editor can show each beside its widget.
    """

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        details: list[str] | None = None,
        field_errors: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message, details=details)
        self.field = field
        self.field_errors: dict[str, str] = dict(field_errors or {})
        if field and field not in self.field_errors:
            self.field_errors[field] = message


class NotFoundError(CaseAppError):
    """A record named by the user does not exist (or the name is ambiguous)."""


class ConflictError(CaseAppError):
    """The change clashes with existing data (duplicate reference, concurrent edits)."""


class BundleRejected(CaseAppError):
    """A case bundle failed verification; nothing was imported."""


class IntegrityProblem(CaseAppError):
    """The database failed a check (audit chain, foreign keys, log versus tables)."""


class Cancelled(CaseAppError):
    """The user cancelled a long operation; nothing was changed."""

    def __init__(self, message: str = "Cancelled; nothing was changed.") -> None:
        super().__init__(message)
