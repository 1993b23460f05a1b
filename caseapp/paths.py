"""Where caseapp keeps its files: data dir, default database, keys, backups, logs.

`CASEAPP_HOME` overrides the platform's data directory (tests and portable installs use it).
"""

from __future__ import annotations

import os
import re
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


def documents_dir() -> Path:
    """Where the window proposes to save reports and bundles: the user's documents folder
    (the home folder when the platform has none)."""
    path = Path(platformdirs.user_documents_dir())
    return path if path.is_dir() else Path.home()


def check_output_folder(out: Path) -> None:
    """One rule for every file a command writes where the user says (`report -o`,
    `export -o`): the folder must exist; caseapp never creates folders from a typo."""
    from caseapp.errors import CaseAppError

    if not Path(out).parent.is_dir():
        raise CaseAppError(f"Cannot write {out}: the folder {Path(out).parent} does not exist.")


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def safe_file_name(text: str, fallback: str = "case") -> str:
    """`text` as one file name on every platform: separators and characters Windows refuses
    become "-" (`JPITF/2026/0042` -> `JPITF-2026-0042`); never empty, never hidden."""
    name = _UNSAFE.sub("-", text).strip(" .-")
    return name[:120] or fallback


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


def docs_dir() -> Path:
    """The shipped `docs/` folder (the user guide; also inside a PyInstaller bundle)."""
    return resources_dir().parent / "docs"


def migrations_dir() -> Path:
    import sys

    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "migrations"
    return Path(__file__).resolve().parent.parent / "migrations"
