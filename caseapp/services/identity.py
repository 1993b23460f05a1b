"""The local investigator: name and Ed25519 signing key, made on first use in the data dir."""

from __future__ import annotations

import getpass
import os
from pathlib import Path

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
