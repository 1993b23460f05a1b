"""Unlock an encrypted database, and convert one: encrypt, decrypt, change the passphrase.

A conversion never writes into the database it converts. It exports the whole database into a
new file beside it (`sqlcipher_export`, holding the write lock meanwhile), checks the new file
(integrity check, the same rows in every table), keeps an encrypted backup in `backups/`, and
only then moves the new file into place (an atomic rename). A wrong passphrase changes nothing
on disk: the key is checked by reading the first page, which writes nothing.

Crash safety of the sidecar (`<database>.cipher.json`): a file that starts with the SQLite
header is plain whatever sidecar lies beside it (`cipher.is_encrypted`), so an encryption or
decryption interrupted between the rename and the sidecar step still opens; a new passphrase's
sidecar is written as `.cipher.json.new` first and `unlock` finishes an interrupted change.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from caseapp.db import cipher
from caseapp.db.cipher import KdfParams, WrongPassphrase
from caseapp.db.engine import SQLITE_NOTADB, file_uri, read_only_uri, translate_error
from caseapp.db.migrate import SQLITE_MAGIC, _check_integrity, inspect_database, online_copy
from caseapp.errors import CaseAppError, IntegrityProblem
from caseapp.paths import backups_dir_for


def pending_sidecar(db: Path) -> Path:
    return Path(f"{cipher.sidecar_path(db)}.new")


def _key_opens(path: Path, key: bytes) -> bool:
    """Does `key` open `path`? Reads the first page only; writes nothing."""
    try:
        conn = cipher.connect(read_only_uri(path), key, uri=True)
    except cipher.errors() as exc:
        raise (translate_error(exc, path) or exc) from exc
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except cipher.errors() as exc:
        if (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF == SQLITE_NOTADB:
            return False
        raise (translate_error(exc, path) or exc) from exc
    finally:
        conn.close()
    return True


def unlock(path: Path, passphrase: str) -> bytes:
    """Check `passphrase` against the encrypted database at `path` and keep its key for
    this process (`cipher.remember`). WrongPassphrase, with nothing changed, if it does not
    open it."""
    key = cipher.derive_key(passphrase, cipher.read_params(path))
    if not _key_opens(path, key):
        pending = pending_sidecar(path)
        if not pending.is_file():
            raise WrongPassphrase(f"The passphrase does not open {path.name}; nothing was "
                                  "changed. Check it and try again.")
        # A change of passphrase stopped between its two renames: the new file is in place.
        key = cipher.derive_key(passphrase, KdfParams.from_json(pending.read_text("utf-8")))
        if not _key_opens(path, key):
            raise WrongPassphrase(f"The passphrase does not open {path.name}; nothing was "
                                  "changed. Check it and try again.")
        os.replace(pending, cipher.sidecar_path(path))
    cipher.remember(path, key)
    return key


def new_key(passphrase: str) -> tuple[KdfParams, bytes]:
    """Fresh parameters (a new salt) and the key they give for `passphrase`."""
    params = KdfParams.new()
    return params, cipher.derive_key(passphrase, params)


@dataclass
class Conversion:
    """What a conversion did: the database, the backup kept, older backups left plain."""

    path: Path
    encrypted: bool
    backup: Path
    tables: int
    rows: int
    plain_backups: list[Path] = field(default_factory=list)


def _counts(conn: Any, schema: str = "main") -> dict[str, int]:
    names = [r[0] for r in conn.execute(
        f"SELECT name FROM {schema}.sqlite_master WHERE type='table' "
        "AND name NOT LIKE 'sqlite_%'")]
    return {n: conn.execute(f'SELECT count(*) FROM {schema}."{n}"').fetchone()[0]
            for n in names}


def plain_backups(path: Path) -> list[Path]:
    """Backups of `path` in `backups/` that are not encrypted (they start with the header)."""
    folder = path.resolve().parent / "backups"
    found = []
    for item in sorted(folder.glob(f"{path.stem}-*.db")) if folder.is_dir() else []:
        with item.open("rb") as fh:
            if fh.read(16) == SQLITE_MAGIC:
                found.append(item)
    return found


def convert(path: Path, target: tuple[KdfParams, bytes] | None, label: str) -> Conversion:
    """Rewrite the database at `path` encrypted with `target` (None: plain).

    The source must be unlocked already when it is encrypted (`unlock`). Raises, with nothing
    changed, when the database is not a caseapp database, damaged, or open elsewhere.
    """
    found = inspect_database(path)
    if found.revision is None:
        raise CaseAppError(f"No database at {path}.")
    if not found.writable:
        raise CaseAppError(f"{path} is read-only; nothing was changed.")
    _check_integrity(path)
    old_key = cipher.key_for(path)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    temp = path.parent / f".{path.name}.{label}-{secrets.token_hex(4)}"
    new_sidecar = pending_sidecar(path)
    module = cipher.sqlcipher()
    try:
        src = module.connect(file_uri(path, mode="rw"), uri=True, isolation_level=None)
        try:
            src.execute("PRAGMA cipher_log_level = NONE")
            if old_key is not None:
                src.execute(cipher.key_pragma(old_key))
            src.execute("PRAGMA busy_timeout=10000")
            new_key_text = "" if target is None else f"x'{target[1].hex()}'"
            src.execute("ATTACH DATABASE ? AS target KEY ?", (str(temp), new_key_text))
            src.execute("BEGIN IMMEDIATE")  # no writer may slip in during the export
            before = _counts(src)
            src.execute("SELECT sqlcipher_export('target')")
            version = src.execute("PRAGMA main.user_version").fetchone()[0]
            src.execute(f"PRAGMA target.user_version = {int(version)}")
            src.execute("COMMIT")
            src.execute("DETACH DATABASE target")
        finally:
            src.close()
        if Path(f"{path}-wal").exists():
            raise CaseAppError(f"{path.name} is open in another caseapp (or another program); "
                               "close it there and try again. Nothing was changed.")
        new = cipher.connect(temp, None if target is None else target[1],
                             isolation_level=None)
        try:
            new.execute("PRAGMA journal_mode=WAL")
            check = new.execute("PRAGMA integrity_check").fetchone()[0]
            after = _counts(new)
        finally:
            new.close()
        if check != "ok" or after != before:
            raise IntegrityProblem(f"The converted copy of {path.name} did not match it "
                                   f"({check}); nothing was changed.")
        backup = _keep_backup(path, temp, target, old_key, f"{stamp}-before-{label}")
        # The swap. Sidecar first for a new key, so the database is never without its own.
        if target is not None:
            cipher.write_params(new_sidecar, target[0])
        os.replace(temp, path)
        if target is not None:
            os.replace(new_sidecar, cipher.sidecar_path(path))
            cipher.remember(path, target[1])
        else:
            cipher.sidecar_path(path).unlink(missing_ok=True)
            cipher.forget(path)
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{temp}{suffix}").unlink(missing_ok=True)
        new_sidecar.unlink(missing_ok=True)
    return Conversion(path, target is not None, backup, len(after), sum(after.values()),
                      plain_backups(path))


def _keep_backup(path: Path, temp: Path, target: tuple[KdfParams, bytes] | None,
                 old_key: bytes | None, name: str) -> Path:
    """An encrypted copy of the database as it was: of the old file when it was encrypted
    (with its old sidecar: the old passphrase opens it), else of the new encrypted file."""
    backup = backups_dir_for(path) / f"{path.stem}-{name}.db"
    if old_key is not None:
        shutil.copyfile(cipher.sidecar_path(path), cipher.sidecar_path(backup))
        src, key = path, old_key
    else:
        assert target is not None
        cipher.write_params(cipher.sidecar_path(backup), target[0])
        src, key = temp, target[1]
    online_copy(src, backup, key)
    with contextlib.suppress(OSError):
        os.chmod(backup, 0o600)
    return backup
