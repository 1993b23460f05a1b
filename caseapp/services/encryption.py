"""Encryption at rest, as the front ends use it (docs/security.md).

New databases are encrypted unless asked for plain (`plain=True`, the command line's
`--plain`, or `CASEAPP_PLAIN=1` for scripts and test runs). A passphrase comes from the caller
(the window's unlock dialog, the command line's prompt) or from the file named by
`CASEAPP_PASSPHRASE_FILE` (non-interactive use); it is never logged and never kept: only the
key derived from it stays in memory while the database is open.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from caseapp.db import cipher
from caseapp.db.cipher import PassphraseNeeded, WrongPassphrase
from caseapp.db.encryption import Conversion, convert, new_key, unlock
from caseapp.errors import CaseAppError
from caseapp.progress import CancelToken, ProgressCallback, no_progress

if TYPE_CHECKING:
    from caseapp.services.workspace import Workspace

__all__ = ["Conversion", "PassphraseNeeded", "WrongPassphrase", "change_passphrase",
           "decrypt", "decrypt_open", "encrypt", "encrypt_open", "is_encrypted", "lock", "needs_passphrase",
           "passphrase_from_env", "prepare_open", "unlock_with", "wants_plain"]

PASSPHRASE_FILE_ENV = cipher.PASSPHRASE_FILE_ENV
passphrase_from_env = cipher.passphrase_from_env
PLAIN_ENV = "CASEAPP_PLAIN"
MIN_PASSPHRASE = 8


def is_encrypted(path: Path) -> bool:
    return cipher.is_encrypted(Path(path))


def wants_plain() -> bool:
    """`CASEAPP_PLAIN=1`: new databases are made plain (as with `--plain`)."""
    return os.environ.get(PLAIN_ENV, "").strip().lower() in ("1", "yes", "true")


def needs_passphrase(path: Path, *, plain: bool = False) -> bool:
    """Will opening `path` need a passphrase (an encrypted database not unlocked yet, or a
    new database that is to be encrypted)?"""
    path = Path(path)
    if path.exists() and not path.is_dir():
        return cipher.is_encrypted(path) and cipher.known_key(path) is None
    return not path.exists() and not (plain or wants_plain())


def check_new_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise CaseAppError(f"A new passphrase needs at least {MIN_PASSPHRASE} characters; a "
                           "few words are easier to remember and harder to guess.")


def prepare_open(path: Path, passphrase: str | None = None, *,
                 plain: bool = False) -> tuple[cipher.KdfParams, bytes] | None:
    """Get ready to open `path`: unlock an encrypted database, or return the parameters and
    key a new database is to be encrypted with (None: plain, or nothing to do).

    Raises PassphraseNeeded when a passphrase is needed and none was given or set in
    CASEAPP_PASSPHRASE_FILE; WrongPassphrase (nothing changed) when it does not fit.
    """
    path = Path(path)
    # A passphrase given for a new database asks for encryption (CASEAPP_PLAIN aside).
    new_with_passphrase = passphrase is not None and not plain and not path.exists()
    if not new_with_passphrase and not needs_passphrase(path, plain=plain):
        return None
    given = passphrase if passphrase is not None else passphrase_from_env()
    if path.exists():
        if given is None:
            raise PassphraseNeeded(f"{path} is encrypted; it needs its passphrase to open.")
        unlock(path, given)
        return None
    if given is None:
        raise PassphraseNeeded(f"A new database ({path}) is encrypted and needs a passphrase "
                               "(or ask for a plain one).")
    check_new_passphrase(given)
    return new_key(given)


def unlock_with(path: Path, passphrase: str) -> None:
    """Unlock the encrypted database at `path` (WrongPassphrase, nothing changed)."""
    unlock(Path(path), passphrase)


def lock(path: Path) -> None:
    """Drop the key of `path` from memory (the caller has closed the database)."""
    cipher.forget(Path(path))


def encrypt(path: Path, passphrase: str) -> Conversion:
    """Encrypt the plain database at `path` under `passphrase`."""
    path = Path(path)
    if cipher.is_encrypted(path):
        raise CaseAppError(f"{path} is encrypted already; nothing was changed.")
    check_new_passphrase(passphrase)
    check_signing_key(passphrase)
    return convert(path, new_key(passphrase), "encrypt")


def check_signing_key(passphrase: str) -> None:
    """A protected signing key must open with the passphrase a database is encrypted under:
    caseapp unlocks the database and the key with one passphrase (CaseAppError if not)."""
    from caseapp.services import identity
    from caseapp.sync.signing import is_encrypted_key

    path = identity.key_path()
    if not is_encrypted_key(path):
        return
    try:
        identity.unlock_key(path, passphrase)
    except WrongPassphrase:
        raise CaseAppError("Your signing key is protected under another passphrase: encrypt "
                           "this database under that one (caseapp unlocks the database and "
                           "your signing key with one passphrase). Nothing was changed."
                           ) from None


def decrypt(path: Path, passphrase: str | None = None) -> Conversion:
    """Make the encrypted database at `path` plain (its encrypted backup is kept)."""
    path = Path(path)
    if not cipher.is_encrypted(path):
        raise CaseAppError(f"{path} is not encrypted; nothing was changed.")
    if passphrase is not None or cipher.known_key(path) is None:
        unlock(path, passphrase if passphrase is not None else _required(path))
    return convert(path, None, "decrypt")


def encrypt_open(ws: Workspace, passphrase: str, progress: ProgressCallback = no_progress,
                 cancel: CancelToken | None = None) -> Conversion:
    """Encrypt the database `ws` has open (the window's File > Encrypt this database…): it is
    closed, converted and opened again under the new key. A plain signing key is protected
    under the same passphrase, as when an encrypted database is first opened. `cancel`
    counts until the conversion begins (it is all or nothing once begun)."""
    from caseapp.services.identity import local_signer

    check_new_passphrase(passphrase)
    check_signing_key(passphrase)
    if cancel is not None:
        cancel.check()
    progress(0, 2, "Writing an encrypted copy of the database and checking it")
    done = ws.convert(lambda path: encrypt(path, passphrase))
    progress(1, 2, "Protecting your signing key under the passphrase")
    local_signer(passphrase=passphrase)
    progress(2, 2, "Done")
    return done


def decrypt_open(ws: Workspace, passphrase: str, progress: ProgressCallback = no_progress,
                 cancel: CancelToken | None = None) -> Conversion:
    """Make the encrypted database `ws` has open plain (File > Decrypt this database…);
    `passphrase` must open it (WrongPassphrase, nothing changed). The signing key stays
    protected."""
    path = ws.db.path
    if not cipher.is_encrypted(path):
        raise CaseAppError(f"{path} is not encrypted; nothing was changed.")
    unlock(path, passphrase)  # checked before anything is closed
    if cancel is not None:
        cancel.check()
    progress(0, 1, "Writing a plain copy of the database and checking it")
    done = ws.convert(lambda p: decrypt(p))
    progress(1, 1, "Done")
    return done


def change_passphrase_open(ws: Workspace, old: str, new: str,
                           progress: ProgressCallback = no_progress,
                           cancel: CancelToken | None = None) -> Conversion:
    """Re-encrypt the database `ws` has open under `new` (File > Change passphrase…): `old`
    must open it (WrongPassphrase, nothing changed); the signing key moves with it."""
    path = ws.db.path
    if not cipher.is_encrypted(path):
        raise CaseAppError(f"{path} is not encrypted; encrypt it instead. Nothing was "
                           "changed.")
    check_new_passphrase(new)
    unlock(path, old)  # checked before anything is closed
    if cancel is not None:
        cancel.check()
    progress(0, 1, "Writing a copy under the new passphrase and checking it")
    done = ws.convert(lambda p: change_passphrase(p, old, new))
    progress(1, 1, "Done")
    return done


def change_passphrase(path: Path, old: str | None, new: str) -> Conversion:
    """Re-encrypt the database at `path` under a new passphrase (and a new salt)."""
    path = Path(path)
    if not cipher.is_encrypted(path):
        raise CaseAppError(f"{path} is not encrypted; encrypt it instead. Nothing was "
                           "changed.")
    check_new_passphrase(new)
    if old is not None or cipher.known_key(path) is None:
        unlock(path, old if old is not None else _required(path))
    done = convert(path, new_key(new), "rekey")
    _reprotect_signing_key(old, new)
    return done


def _reprotect_signing_key(old: str | None, new: str) -> None:
    """The local signing key, if protected under the old passphrase, moves to the new one."""
    from caseapp.services import identity
    from caseapp.sync.signing import is_encrypted_key

    path = identity.key_path()
    if not is_encrypted_key(path):
        return
    try:
        signer = identity.local_signer(passphrase=old)
    except (PassphraseNeeded, WrongPassphrase):
        return  # protected under another passphrase: left as it is
    identity.protect_key(path, signer, new, replace=True)
    identity.lock_keys()  # read again (under the new passphrase) on next use
    identity.local_signer(passphrase=new)


def _required(path: Path) -> str:
    given = passphrase_from_env()
    if given is None:
        raise PassphraseNeeded(f"{path} is encrypted; it needs its passphrase.")
    return given
