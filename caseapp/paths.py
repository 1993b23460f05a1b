"""Where caseapp keeps its files: data dir, default database, keys, backups, logs.

`CASEAPP_HOME` overrides the platform's data directory (tests and portable installs use it).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "caseapp"


def data_dir() -> Path:
    """The per-user data directory, created on first use."""
    home = os.environ.get("CASEAPP_HOME")
    path = Path(home) if home else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_db_path() -> Path:
    """The database the window opens when none is named."""
    return data_dir() / "caseapp.db"


def keys_dir() -> Path:
    path = data_dir() / "keys"
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_dir() -> Path:
    path = data_dir() / "logs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def backups_dir_for(db_path: Path) -> Path:
    """Backups sit beside the database they copy, in `backups/`."""
    path = db_path.resolve().parent / "backups"
    path.mkdir(parents=True, exist_ok=True)
    return path


def resources_dir() -> Path:
    """The shipped `resources/` folder (also inside a PyInstaller bundle)."""
    import sys

    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def migrations_dir() -> Path:
    import sys

    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "migrations"
    return Path(__file__).resolve().parent.parent / "migrations"
