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
    return Workspace.open(path)


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
