"""Per-user preferences kept beside the user's keys (`data_dir()/preferences.json`).

Today one: the decimal mark typed numbers use ("point": 1,500.5; "comma": 1.500,5). Opening a
workspace applies it (`apply_preferences`), so the window, the editors and the command line read
numbers the same way; `import-csv --decimal-comma` overrides it for one file.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from caseapp.domain.fields import DECIMAL_MARKS, set_default_decimal_mark
from caseapp.errors import CaseAppError, ValidationError
from caseapp.paths import data_dir

FILE_NAME = "preferences.json"


@dataclass(frozen=True)
class Preferences:
    decimal_mark: str = "point"


def preferences_path() -> Path:
    return data_dir() / FILE_NAME


def load_preferences() -> Preferences:
    """The user's preferences; the defaults when there is no file or it cannot be read."""
    try:
        raw = json.loads(preferences_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Preferences()
    mark = raw.get("decimal_mark") if isinstance(raw, dict) else None
    return Preferences(decimal_mark=mark if mark in DECIMAL_MARKS else "point")


def save_preferences(prefs: Preferences) -> None:
    if prefs.decimal_mark not in DECIMAL_MARKS:
        raise ValidationError(f"The decimal mark is point or comma, not {prefs.decimal_mark!r}.",
                              field="decimal_mark")
    path = preferences_path()
    try:
        tmp = path.with_suffix(".part")
        tmp.write_text(json.dumps(asdict(prefs), indent=1), encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        raise CaseAppError(f"Cannot save the preferences to {path}: {exc.strerror}.") from exc
    apply_preferences(prefs)


def apply_preferences(prefs: Preferences | None = None) -> Preferences:
    """Make this process read typed numbers with the user's decimal mark."""
    prefs = prefs or load_preferences()
    set_default_decimal_mark(prefs.decimal_mark)
    return prefs
