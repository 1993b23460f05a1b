"""The local investigator: name and Ed25519 signing key, made on first use in the data dir."""

from __future__ import annotations

import getpass
import os
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
            protect_key(path, known, passphrase)
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
        protect_key(path, signer, passphrase)
    _unlocked[str(path)] = signer
    _stamps[str(path)] = _stamp(path)
    return signer


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
    from caseapp.sync.signing import load_signer

    if passphrase is None:
        raise cipher.PassphraseNeeded(f"Your signing key {path} is protected by a passphrase; "
                                      "it is needed to sign your changes.")
    try:
        params = cipher.KdfParams.from_json(
            cipher.sidecar_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError) as exc:
        raise CaseAppError(f"Cannot unlock the signing key {path}: its "
                           f"{cipher.sidecar_path(path).name} is missing or damaged "
                           f"({exc}).") from None
    try:
        return load_signer(path, password=_key_password(passphrase, params))
    except ValueError:
        raise cipher.WrongPassphrase(
            f"The passphrase does not unlock your signing key {path.name} (it may be "
            "protected under the passphrase of another database); nothing was changed."
        ) from None


def protect_key(path: Path, signer: Signer, passphrase: str) -> None:
    """Rewrite the plain key file at `path` encrypted under `passphrase` (Argon2id ->
    PKCS#8 PBES2). The parameters go first, then the key replaces the plain one whole."""
    import secrets

    from caseapp.db import cipher
    from caseapp.sync.signing import encrypted_key_bytes

    params = cipher.KdfParams.new()
    pem = encrypted_key_bytes(signer, _key_password(passphrase, params))
    cipher.write_params(cipher.sidecar_path(path), params)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


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
