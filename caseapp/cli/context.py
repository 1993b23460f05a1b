"""What every command needs: the database path named on the command line, and the workspace.

Command modules import this module, never `caseapp.cli.main` (which imports them), so there is
no import circle inside `caseapp.cli`.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from caseapp.errors import CaseAppError
from caseapp.paths import default_db_path

if TYPE_CHECKING:
    from caseapp.services.workspace import Workspace


def resolve_db_path(db: str | os.PathLike[str] | None) -> Path:
    """`db` (the `--db` option), else `CASEAPP_DB`, else the default database in the data dir."""
    if db:
        return Path(db)
    env = os.environ.get("CASEAPP_DB")
    return Path(env) if env else default_db_path()


def db_path(args: argparse.Namespace) -> Path:
    """The database the command line names: `--db`, else `CASEAPP_DB`, else the default."""
    return resolve_db_path(args.db)


def open_workspace(args: argparse.Namespace, *, must_exist: bool = False) -> Workspace:
    """Open the database named on the command line (creating it unless `must_exist`)."""
    # Imported here so `caseapp --version` and `--help` do not load SQLAlchemy.
    from caseapp.services.workspace import Workspace

    path = db_path(args)
    if must_exist and not path.exists():
        raise CaseAppError(f"No database at {path}. Create one with: caseapp --db {path} init")
    plain = bool(getattr(args, "plain", False))
    passphrase = passphrase_for(path, plain=plain)
    if passphrase is None:
        unlock_signing_key()
    return Workspace.open(path, passphrase=passphrase, plain=plain)


def unlock_signing_key() -> None:
    """A plain database still needs the signing key: when that is protected (and not
    unlocked, nor its passphrase in CASEAPP_PASSPHRASE_FILE), ask for its passphrase."""
    from caseapp.services import identity
    from caseapp.services.encryption import passphrase_from_env

    if identity.key_is_locked() and passphrase_from_env() is None:
        identity.local_signer(passphrase=ask_passphrase(
            "Passphrase for your signing key: ",
            needed="Your signing key is protected by a passphrase, which is needed"))


def passphrase_for(path: Path, *, plain: bool = False) -> str | None:
    """The passphrase opening `path` needs (None: none needed): CASEAPP_PASSPHRASE_FILE's,
    else asked on the terminal (twice for a new database). Never taken from the command
    line, where other users and shell histories see it."""
    from caseapp.services.encryption import needs_passphrase, passphrase_from_env

    if not needs_passphrase(path, plain=plain):
        return None
    given = passphrase_from_env()
    if given is not None:
        return given
    if path.exists():
        return ask_passphrase(f"Passphrase for {path.name}: ")
    return ask_passphrase(f"New passphrase for {path.name} (it encrypts the database; "
                          "there is no way back in without it): ", confirm=True)


def ask_passphrase(prompt: str, *, confirm: bool = False,
                   needed: str = "A passphrase is needed") -> str:
    """Ask on the terminal without echo (PassphraseNeeded when there is no terminal)."""
    import getpass
    import sys

    from caseapp.services.encryption import PassphraseNeeded

    if sys.stdin is None or not sys.stdin.isatty():
        raise PassphraseNeeded(f"{needed} and there is no terminal to ask on.")
    try:
        first = getpass.getpass(prompt)
        if confirm and getpass.getpass("The same again: ") != first:
            raise CaseAppError("The two passphrases differ; nothing was changed.")
    except EOFError:
        raise PassphraseNeeded("No passphrase was entered; nothing was changed.") from None
    return first


def unlock(args: argparse.Namespace) -> None:
    """Unlock the named database when it is encrypted (for commands that open it without a
    workspace, such as verify)."""
    from caseapp.services.encryption import is_encrypted, prepare_open

    path = db_path(args)
    if path.exists() and is_encrypted(path):
        prepare_open(path, passphrase_for(path))


# Registering the subcommands must not load what the commands need (the record registry, the
# figures, SQLAlchemy): `caseapp --db X cases` would pay for every command. Choices and help
# texts drawn from the registry are therefore read when argparse first needs them: when the
# argument is parsed or the help is shown.
class LazyChoices(Sequence[str]):
    """argparse `choices` computed on first use. Give the argument a `metavar`: without one
    argparse lists the choices while registering (show them with `help="... %(choices)s"`)."""

    def __init__(self, load: Callable[[], Iterable[str]]) -> None:
        self._load = load

    @cached_property
    def _values(self) -> tuple[str, ...]:
        return tuple(self._load())

    def __contains__(self, value: object) -> bool:
        return value in self._values

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __getitem__(self, index: Any) -> Any:
        return self._values[index]


class LazyHelp(str):
    """A help text made when the help is shown (argparse formats every help with `%`)."""

    _make: Callable[[], str]

    def __new__(cls, make: Callable[[], str]) -> LazyHelp:
        text = super().__new__(cls, "…")
        text._make = make
        return text

    def __mod__(self, params: Any) -> str:
        text: str = self._make() % params
        return text
