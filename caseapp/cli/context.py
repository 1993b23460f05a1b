"""What every command needs: the database path named on the command line, and the workspace.

Command modules import this module, never `caseapp.cli.main` (which imports them), so there is
no import circle inside `caseapp.cli`.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

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
