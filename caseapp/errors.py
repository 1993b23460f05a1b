"""Domain errors: every one carries a message a person can act on.

The CLI prints the message and exits 1; the window shows it in a dialog. Messages name no
front end's controls (no command line, no menu): an error carries the facts a next step needs
(`NotFoundError.candidates`, `UntrustedKey.key_ids`, `OlderSchema.path`, ...) and each front end
phrases its own hint from them (`caseapp/cli/main.py: hint`, `caseapp/views/error_dialog.py`).
"""

from __future__ import annotations

from pathlib import Path


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
    """A record named by the user does not exist (or the name is ambiguous).

    `kind` and `key` say what was looked for (when the service knows); `candidates` holds the
    uids that matched an ambiguous name.
    """

    def __init__(self, message: str, *, kind: str | None = None, key: str | None = None,
                 candidates: tuple[str, ...] = (), details: list[str] | None = None) -> None:
        super().__init__(message, details=details)
        self.kind = kind
        self.key = key
        self.candidates = tuple(candidates)


class CaseRequired(ValidationError):
    """A case-scoped record (`kind`) was named by its readable `key` without naming its case:
    such keys are unique only within a case."""

    def __init__(self, kind: str, key: str) -> None:
        super().__init__(f"Name the case to find {kind} {key!r}: its reference is unique only "
                         "within a case.", field="case")
        self.kind = kind
        self.key = key


class ConflictNotFound(NotFoundError):
    """No open conflict matches the record (`kind`, `key`) and `field` named; `candidates`
    holds the uids when the record's name matched more than one."""

    def __init__(self, message: str, *, kind: str, key: str, field: str | None = None,
                 candidates: tuple[str, ...] = ()) -> None:
        super().__init__(message, kind=kind, key=key, candidates=candidates)
        self.field = field


class ConflictError(CaseAppError):
    """The change clashes with existing data (duplicate reference, concurrent edits)."""


class BundleRejected(CaseAppError):
    """A case bundle failed verification; nothing was imported."""


class UntrustedKey(BundleRejected):
    """A bundle holds changes signed by keys this database does not trust; nothing was imported.

    `keys` maps each such key id to the name the bundle gives it (the sender's word only).
    """

    def __init__(self, message: str, *, keys: dict[str, str]) -> None:
        super().__init__(message)
        self.keys = dict(keys)

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(self.keys)


class IntegrityProblem(CaseAppError):
    """The database failed a check (audit chain, foreign keys, log versus tables)."""


class DatabaseDamaged(IntegrityProblem):
    """The database itself looks damaged (SQLite's own check, or a query on it, failed): the
    full check says what is wrong, and the latest backup is the way back."""


class ImportIntoDamagedDatabase(BundleRejected, DatabaseDamaged):
    """A bundle was refused because the database it would merge into looks damaged."""


class OlderSchema(CaseAppError):
    """The database at `path` has an older schema (`revision`) than this caseapp, and the
    operation does not upgrade it (opening it does, after a backup)."""

    def __init__(self, message: str, *, path: Path, revision: str) -> None:
        super().__init__(message)
        self.path = path
        self.revision = revision


class Cancelled(CaseAppError):
    """The user cancelled a long operation; nothing was changed."""

    def __init__(self, message: str = "Cancelled; nothing was changed.") -> None:
        super().__init__(message)


class PermissionDenied(CaseAppError):
    """The investigator's role in the team list does not allow this (services/team.py)."""


class DatabaseLocked(CaseAppError):
    """The open database was locked (idle too long): unlock it with its passphrase first."""
