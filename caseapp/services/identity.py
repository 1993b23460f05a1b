"""The local investigator: name and Ed25519 signing key, made on first use in the data dir."""

from __future__ import annotations

import getpass
import os
from pathlib import Path

from caseapp.errors import ValidationError
from caseapp.paths import keys_dir
from caseapp.sync.signing import Signer, load_signer, write_key_pair

KEY_FILE = "investigator.key"


def default_name() -> str:
    """`CASEAPP_USER`, else the login name."""
    env = os.environ.get("CASEAPP_USER")
    if env:
        return env
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "investigator"


def local_signer(key_path: Path | None = None) -> Signer:
    """Load the investigator's key (`key_path` or the data dir's), making it on first use."""
    path = key_path or keys_dir() / KEY_FILE
    if key_path is None and not path.exists():
        return write_key_pair(path, default_name())
    return load_signer(path)


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
    clean = " ".join(name.split())
    if not clean:
        raise ValidationError("Enter your name: it goes on every change and report you make.")
    return write_key_pair(key_path(), clean)
