"""Keys for encrypted databases (SQLCipher 4 through `sqlcipher3`; docs/security.md).

A passphrase is stretched with Argon2id into a 256-bit raw key, given to SQLCipher as
`x'<64 hex digits>'` (which skips SQLCipher's own key derivation). The Argon2id parameters and
the salt are kept in the clear beside the database, in `<database>.cipher.json` (the sidecar);
its presence is what marks a database as encrypted (an encrypted file has no SQLite header).

Keys of unlocked databases are kept in this process only (`remember`, `forget`), by path, so
that every engine and connection for a file uses the same key without passing it around.
Plain databases keep using the standard library's `sqlite3`; `sqlcipher3` is imported only
when an encrypted database is opened.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from caseapp.errors import CaseAppError

SIDECAR_SUFFIX = ".cipher.json"
FORMAT = "caseapp-sqlcipher4-argon2id"
KEY_BYTES = 32
# RFC 9106's second recommended (low-memory) profile: 3 passes over 64 MiB, 4 lanes.
DEFAULT_TIME_COST, DEFAULT_MEMORY_KIB, DEFAULT_PARALLELISM = 3, 64 * 1024, 4

PASSPHRASE_FILE_ENV = "CASEAPP_PASSPHRASE_FILE"

_keys: dict[str, bytes] = {}


class PassphraseNeeded(CaseAppError):
    """An encrypted database (or a new one, which is encrypted) and no passphrase given."""


class WrongPassphrase(CaseAppError):
    """The passphrase does not open the database; nothing was changed."""


@dataclass(frozen=True)
class KdfParams:
    """How the key of one database is derived from its passphrase (stored in the sidecar)."""

    salt: bytes
    time_cost: int = DEFAULT_TIME_COST
    memory_kib: int = DEFAULT_MEMORY_KIB
    parallelism: int = DEFAULT_PARALLELISM

    @classmethod
    def new(cls) -> KdfParams:
        return cls(salt=secrets.token_bytes(16))

    def to_json(self) -> str:
        return json.dumps({
            "format": FORMAT, "kdf": "argon2id", "salt": self.salt.hex(),
            "time_cost": self.time_cost, "memory_kib": self.memory_kib,
            "parallelism": self.parallelism, "key_bytes": KEY_BYTES,
            "note": "Key-derivation parameters of the encrypted caseapp database beside this "
                    "file. Not secret, but needed: keep this file with the database.",
        }, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> KdfParams:
        data = json.loads(text)
        if data.get("format") != FORMAT or data.get("kdf") != "argon2id":
            raise ValueError(f"unknown format {data.get('format')!r}")
        return cls(salt=bytes.fromhex(data["salt"]), time_cost=int(data["time_cost"]),
                   memory_kib=int(data["memory_kib"]), parallelism=int(data["parallelism"]))


def sidecar_path(db: Path) -> Path:
    return Path(f"{db}{SIDECAR_SUFFIX}")


SQLITE_MAGIC = b"SQLite format 3\x00"  # the first 16 bytes of a plain SQLite file


def is_encrypted(db: Path) -> bool:
    """Is the database at `db` (made or to be opened) an encrypted one?

    Its sidecar exists, and the file (if there is one yet) does not start with the plain
    SQLite header: a conversion interrupted between its steps leaves a plain file with a
    stale sidecar, which is still plain (db/encryption.py).
    """
    if not sidecar_path(db).is_file():
        return False
    try:
        with open(db, "rb") as fh:
            return fh.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC
    except FileNotFoundError:
        return True
    except OSError:
        return True


def read_params(db: Path) -> KdfParams:
    side = sidecar_path(db)
    try:
        return KdfParams.from_json(side.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CaseAppError(f"Cannot read {side} ({exc.strerror or exc}): it holds what is "
                           f"needed to unlock {db.name}.") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise CaseAppError(f"{side} is damaged ({exc}); {db.name} cannot be unlocked without "
                           "it: restore it from a backup copy.") from None


def write_params(target: Path, params: KdfParams) -> None:
    """Write a sidecar file at `target` whole (a temporary file moved into place)."""
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}")
    tmp.write_text(params.to_json(), encoding="utf-8")
    os.replace(tmp, target)


def derive_key(passphrase: str, params: KdfParams) -> bytes:
    """The database key: Argon2id of the passphrase (UTF-8) with the sidecar's parameters."""
    from argon2.low_level import Type, hash_secret_raw

    if not passphrase:
        raise CaseAppError("The passphrase is empty; enter one.")
    return hash_secret_raw(passphrase.encode("utf-8"), params.salt,
                           time_cost=params.time_cost, memory_cost=params.memory_kib,
                           parallelism=params.parallelism, hash_len=KEY_BYTES, type=Type.ID)


def subkey(key: bytes, purpose: str) -> bytes:
    """A key for another purpose (HKDF-SHA256 of the database key), never the key itself."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(hashes.SHA256(), KEY_BYTES, salt=None,
                info=f"caseapp/{purpose}".encode()).derive(key)


def _norm(db: Path | str) -> str:
    return os.path.normcase(os.path.abspath(os.fspath(db)))


def remember(db: Path | str, key: bytes) -> None:
    """Use `key` for every connection to `db` from now on (until `forget`)."""
    _keys[_norm(db)] = key


def forget(db: Path | str) -> None:
    """Drop the key of `db` from this process (the auto-lock, a closed database)."""
    _keys.pop(_norm(db), None)


def forget_all() -> None:
    _keys.clear()


def known_key(db: Path | str) -> bytes | None:
    return _keys.get(_norm(db))


def key_for(db: Path) -> bytes | None:
    """The key to open `db` with: None for a plain database; PassphraseNeeded for an
    encrypted one that has not been unlocked in this process."""
    key = known_key(db)
    if key is None and is_encrypted(db):
        raise PassphraseNeeded(f"{db} is encrypted; it needs its passphrase to open.")
    return key


def sqlcipher() -> ModuleType:
    """The `sqlcipher3` DB-API module (SQLCipher 4, from its wheels: pitfalls.md 9)."""
    import importlib

    try:
        return importlib.import_module("sqlcipher3.dbapi2")
    except ImportError as exc:  # pragma: no cover - a dependency of caseapp
        raise CaseAppError("Encrypted databases need the sqlcipher3 package, which is "
                           f"missing ({exc}); reinstall caseapp.") from None


def errors() -> tuple[type[BaseException], ...]:
    """The DB-API error classes in use: sqlite3's, and sqlcipher3's once it is loaded."""
    module = sys.modules.get("sqlcipher3.dbapi2")
    return (sqlite3.Error,) if module is None else (sqlite3.Error, module.Error)


def key_pragma(key: bytes) -> str:
    return f"PRAGMA key = \"x'{key.hex()}'\""


def connect(target: str | Path, key: bytes | None, **kwargs: Any) -> Any:
    """A DB-API connection to `target` (a path, or a URI with `uri=True`): the standard
    `sqlite3` for a plain database, `sqlcipher3` keyed with `key` for an encrypted one.

    SQLCipher's own log lines ("ERROR CORE ...", printed on stderr on a wrong key) are
    switched off: a wrong key surfaces as SQLITE_NOTADB, which callers phrase.
    """
    if key is None:
        return sqlite3.connect(target, **kwargs)
    conn = sqlcipher().connect(target, **kwargs)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(key_pragma(key))
    except BaseException:
        conn.close()
        raise
    return conn


def passphrase_from_env() -> str | None:
    """The passphrase in the file named by CASEAPP_PASSPHRASE_FILE (its first line), if set."""
    name = os.environ.get(PASSPHRASE_FILE_ENV)
    if not name:
        return None
    try:
        text = Path(name).read_text(encoding="utf-8")
    except OSError as exc:
        raise CaseAppError(f"Cannot read the passphrase file {name} "
                           f"({exc.strerror or exc}).") from None
    line = text.splitlines()[0] if text else ""
    if not line:
        raise CaseAppError(f"The passphrase file {name} is empty.")
    return line
