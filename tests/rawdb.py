"""A DB-API connection to a test database, plain or encrypted (`pytest --encrypted`), for
tests that look at or damage the file below caseapp's services."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def connect(path: Path | str, **kwargs: Any) -> Any:
    """`sqlite3.connect(path)` for a plain database; for an encrypted one a sqlcipher3
    connection keyed as caseapp keys it (the key this process unlocked it with, else the
    test passphrase in CASEAPP_PASSPHRASE_FILE)."""
    from caseapp.db import cipher

    return cipher.connect(path, unlock(path), **kwargs)


def unlock(path: Path | str) -> bytes | None:
    """Make this process know the key of an encrypted test database (made by another process,
    or a copy), as caseapp does once its passphrase is typed; returns it (None when plain)."""
    from caseapp.db import cipher
    from caseapp.services.encryption import passphrase_from_env

    path = Path(path)
    if not cipher.is_encrypted(path):
        return None
    key = cipher.known_key(path)
    if key is None:
        passphrase = passphrase_from_env()
        assert passphrase is not None, "an encrypted test database without a passphrase"
        key = cipher.derive_key(passphrase, cipher.read_params(path))
        cipher.remember(path, key)
    return key


def copy_database(src: Path | str, dst: Path | str) -> None:
    """Copy a closed test database file, with its sidecar when it is encrypted (the copy
    opens with the same passphrase)."""
    import shutil

    from caseapp.db import cipher

    shutil.copyfile(src, dst)
    if cipher.is_encrypted(Path(src)):
        shutil.copyfile(cipher.sidecar_path(Path(src)), cipher.sidecar_path(Path(dst)))
        key = cipher.known_key(src)
        if key is not None:
            cipher.remember(dst, key)


def _error_classes(name: str) -> tuple[type[BaseException], ...]:
    """`sqlite3.<name>` together with `sqlcipher3`'s class of that name (an encrypted
    database raises the latter), for `pytest.raises`."""
    import sqlite3

    classes: list[type[BaseException]] = [getattr(sqlite3, name)]
    try:
        from sqlcipher3 import dbapi2
    except ImportError:  # pragma: no cover - a dependency of caseapp
        pass
    else:
        classes.append(getattr(dbapi2, name))
    return tuple(classes)


IntegrityError = _error_classes("IntegrityError")
DatabaseError = _error_classes("DatabaseError")
OperationalError = _error_classes("OperationalError")
