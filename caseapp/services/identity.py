"""The local investigator: name and Ed25519 signing key, made on first use in the data dir."""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from caseapp.errors import CaseAppError, ValidationError
from caseapp.paths import keys_dir

# The key functions (and the cryptography package) load when a key is first read or made:
# the window asks `needs_name` before its first paint (app.py).
if TYPE_CHECKING:
    from caseapp.sync.signing import Signer

KEY_FILE = "investigator.key"
# Signing keys unlocked in this process (unlocked once per session; `lock_keys` drops them).
_unlocked: dict[str, Signer] = {}
_stamps: dict[str, tuple[int, int, int] | None] = {}


def default_name() -> str:
    """`CASEAPP_USER`, else the login name."""
    env = os.environ.get("CASEAPP_USER")
    if env:
        return env
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "investigator"


def local_signer(key_path: Path | None = None, passphrase: str | None = None) -> Signer:
    """Load the investigator's key (`key_path` or the data dir's), making it on first use.

    A key protected by a passphrase (docs/security.md) is unlocked with `passphrase`, else
    CASEAPP_PASSPHRASE_FILE's, once per process. A plain key given a `passphrase` (that of
    an encrypted database being opened) is protected under it from now on.
    """
    from caseapp.db.cipher import passphrase_from_env
    from caseapp.sync.signing import is_encrypted_key, load_signer, write_key_pair

    path = key_path or keys_dir() / KEY_FILE
    known = _unlocked.get(str(path))
    if known is not None and _stamp(path) != _stamps.get(str(path)):
        known = None  # the file was replaced (a new key, another protection): read it again
    if known is not None:
        if passphrase is not None and not is_encrypted_key(path):
            _protect(path, known, passphrase)
            _stamps[str(path)] = _stamp(path)
        return known
    if key_path is None and not path.exists():
        signer = write_key_pair(path, default_name())
    elif is_encrypted_key(path):
        given = passphrase if passphrase is not None else passphrase_from_env()
        signer = unlock_key(path, given)
    else:
        signer = load_signer(path)
    if passphrase is not None and not is_encrypted_key(path):
        _protect(path, signer, passphrase)
    _unlocked[str(path)] = signer
    _stamps[str(path)] = _stamp(path)
    return signer


def _protect(path: Path, signer: Signer, passphrase: str) -> None:
    """Protect the plain key under `passphrase`; if another process protected it meanwhile,
    `passphrase` must unlock it all the same (WrongPassphrase if not)."""
    if not protect_key(path, signer, passphrase):
        unlock_key(path, passphrase)


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


def key_is_locked() -> bool:
    """Is the local signing key protected and not unlocked in this process?"""
    from caseapp.sync.signing import is_encrypted_key

    path = key_path()
    return str(path) not in _unlocked and is_encrypted_key(path)


def unlock_key(path: Path, passphrase: str | None) -> Signer:
    """Load the protected key at `path` (PassphraseNeeded, WrongPassphrase)."""
    from caseapp.db import cipher

    if passphrase is None:
        raise cipher.PassphraseNeeded(f"Your signing key {path} is protected by a passphrase; "
                                      "it is needed to sign your changes.")
    seen = (_stamp(path), _stamp(cipher.sidecar_path(path)))
    signer = _try_unlock(path, passphrase)
    if signer is None:
        # Another process may be protecting the key this moment (key and parameters are two
        # files): once it is done, or after a crash, both are read again.
        with _key_lock(path):
            if (_stamp(path), _stamp(cipher.sidecar_path(path))) != seen or \
                    _pending_params(path).is_file():
                signer = _try_unlock(path, passphrase, finish=True)
    if signer is None:
        raise cipher.WrongPassphrase(
            f"The passphrase does not unlock your signing key {path.name} (it may be "
            "protected under the passphrase of another database); nothing was changed.")
    return signer


def _try_unlock(path: Path, passphrase: str, *, finish: bool = False) -> Signer | None:
    """The key at `path` unlocked with the parameters in its sidecar, else (`finish`, under
    the lock) with those of a protection that stopped before its last rename, which is then
    finished. None when neither fits."""
    from caseapp.db import cipher
    from caseapp.sync.signing import load_signer

    sidecar = cipher.sidecar_path(path)
    candidates = [sidecar, _pending_params(path)] if finish else [sidecar]
    for params_file in candidates:
        try:
            params = cipher.KdfParams.from_json(params_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            if params_file is sidecar and _pending_params(path).is_file():
                continue
            if params_file is sidecar:
                raise CaseAppError(f"Cannot unlock the signing key {path}: its "
                                   f"{sidecar.name} is missing.") from None
            continue
        except (OSError, ValueError, KeyError) as exc:
            raise CaseAppError(f"Cannot unlock the signing key {path}: its {sidecar.name} "
                               f"is damaged ({exc}).") from None
        try:
            signer = load_signer(path, password=_key_password(passphrase, params))
        except ValueError:
            continue
        if params_file is not sidecar:
            os.replace(params_file, sidecar)
        return signer
    return None


def _pending_params(path: Path) -> Path:
    from caseapp.db import cipher

    return Path(f"{cipher.sidecar_path(path)}.new")


@contextmanager
def _key_lock(path: Path) -> Iterator[None]:
    """Only one process at a time protects (or re-reads after a failure) the key at `path`:
    an advisory lock on `<key>.lock` (flock; msvcrt on Windows), released when the process
    ends, so a crash leaves no stale lock."""
    try:
        fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:  # a folder caseapp may not write: nothing is rewritten there anyway
        yield
        return
    try:
        if sys.platform == "win32":  # pragma: no cover - Windows
            import msvcrt

            while True:
                try:
                    msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
                    break
                except OSError:  # LK_LOCK gives up after 10 s; keep waiting
                    continue
            try:
                yield
            finally:
                os.lseek(fd, 0, os.SEEK_SET)
                msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def protect_key(path: Path, signer: Signer, passphrase: str, *,
                replace: bool = False) -> bool:
    """Rewrite the plain key file at `path` encrypted under `passphrase` (Argon2id ->
    PKCS#8 PBES2); with `replace`, a protected one too (a change of passphrase). Returns
    False, writing nothing, when the key is protected already (another process protected it
    meanwhile) and not `replace`.

    Under the key's lock, so two processes never interleave their writes; the parameters go
    to `<sidecar>.new` first, then the key replaces the old one whole, then the parameters
    replace the old ones: a crash between the two renames is finished by `unlock_key`.
    """
    import secrets

    from caseapp.db import cipher
    from caseapp.sync.signing import encrypted_key_bytes, is_encrypted_key

    params = cipher.KdfParams.new()
    pem = encrypted_key_bytes(signer, _key_password(passphrase, params))
    with _key_lock(path):
        if not replace and is_encrypted_key(path):
            return False
        pending = _pending_params(path)
        cipher.write_params(pending, params)
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        os.replace(pending, cipher.sidecar_path(path))
    return True


def _key_password(passphrase: str, params: object) -> bytes:
    """The PKCS#8 password: the hex of an Argon2id key, so PBES2's own fast KDF does not
    weaken the passphrase."""
    from caseapp.db import cipher

    assert isinstance(params, cipher.KdfParams)
    return cipher.subkey(cipher.derive_key(passphrase, params), "signing-key").hex().encode()


def lock_keys() -> None:
    """Forget every signing key unlocked in this process (the window's auto-lock)."""
    _unlocked.clear()
    _stamps.clear()


def key_path() -> Path:
    """The local investigator's private key file."""
    return keys_dir() / KEY_FILE


def public_key_path() -> Path:
    """The public key file colleagues need (`caseapp trust add FILE`) to accept bundles."""
    return keys_dir() / (KEY_FILE + ".pub")


def needs_name() -> bool:
    """True on the first start: no key yet and no name preset in `CASEAPP_USER`; the window
    then asks for the investigator's name (the key pair carries it)."""
    return not os.environ.get("CASEAPP_USER") and not key_path().exists()


def create_identity(name: str) -> Signer:
    """Make the investigator's key pair under `name` (the first start)."""
    from caseapp.sync.signing import write_key_pair

    clean = " ".join(name.split())
    if not clean:
        raise ValidationError("Enter your name: it goes on every change and report you make.")
    return write_key_pair(key_path(), clean)
