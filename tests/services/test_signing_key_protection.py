"""The signing key under a passphrase (docs/security.md): key file and parameters always
match, whatever two processes or a crash do; a passphrase the key refuses changes nothing."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest

from caseapp.db import cipher
from caseapp.errors import CaseAppError
from caseapp.services import identity
from caseapp.services.encryption import WrongPassphrase, encrypt, is_encrypted
from caseapp.services.workspace import Workspace
from caseapp.sync.signing import is_encrypted_key

ONE = "the first long passphrase"
TWO = "another long passphrase"


def protected_key(tmp_path: Path) -> Path:
    """The local key, protected under ONE by opening an encrypted database; every key
    forgotten afterwards, as in a new process."""
    with Workspace.open(tmp_path / "first.db", passphrase=ONE):
        pass
    identity.lock_keys()
    cipher.forget_all()
    assert is_encrypted_key(identity.key_path())
    return identity.key_path()


def test_a_passphrase_the_signing_key_refuses_makes_no_new_database(tmp_path: Path) -> None:
    protected_key(tmp_path)
    new = tmp_path / "second.db"
    with pytest.raises(WrongPassphrase, match="signing key"):
        Workspace.open(new, passphrase=TWO)
    assert not new.exists() and not cipher.sidecar_path(new).exists()
    with Workspace.open(new, passphrase=ONE) as ws:  # the key's passphrase makes it
        assert ws.identity.signer.key_id
    assert is_encrypted(new)


def test_encrypt_refuses_a_passphrase_the_signing_key_refuses(tmp_path: Path) -> None:
    key = protected_key(tmp_path)
    signer = identity.unlock_key(key, ONE)
    db = tmp_path / "plain.db"
    with Workspace.open(db, plain=True, signer=signer) as ws:
        ws.cases.add({"ref": "CASE-1", "title": "Plain"})
    before = db.read_bytes()
    with pytest.raises(CaseAppError, match="protected under another passphrase"):
        encrypt(db, TWO)
    assert db.read_bytes() == before and not is_encrypted(db)
    encrypt(db, ONE)
    assert is_encrypted(db)


def _unlocks(key: Path, passphrase: str) -> bool:
    identity.lock_keys()
    try:
        identity.unlock_key(key, passphrase)
    except WrongPassphrase:
        return False
    return True


@pytest.mark.parametrize("second_passphrase", [ONE, TWO])
def test_two_protections_at_once_leave_a_key_its_parameters_open(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, second_passphrase: str) -> None:
    """Two processes protect the plain key at the same moment (two caseapps opening
    encrypted databases; with one passphrase too, as each draws its own salt): the first
    to write its parameters is held back until the other has finished or 2 s have passed.
    Without the key's lock the second's parameters would be left beside the first's key,
    and no passphrase would open it again."""
    signer = identity.local_signer()  # a new plain key
    key = identity.key_path()
    assert not is_encrypted_key(key)
    second_done = threading.Event()
    first_wrote = threading.Event()
    write_params = cipher.write_params

    def slow_write(path: Path, params: Any) -> None:
        write_params(path, params)
        if not first_wrote.is_set():
            first_wrote.set()
            second_done.wait(2)

    monkeypatch.setattr(cipher, "write_params", slow_write)
    results: dict[str, Any] = {}

    def protect(passphrase: str) -> None:
        name = threading.current_thread().name
        try:
            results[name] = identity.protect_key(key, signer, passphrase)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            results[name] = exc
        finally:
            if name == "second":
                second_done.set()

    first = threading.Thread(target=protect, args=(ONE,), name="first")
    first.start()
    assert first_wrote.wait(30)
    second = threading.Thread(target=protect, args=(second_passphrase,), name="second")
    second.start()
    first.join(60)
    second.join(60)
    assert results == {"first": True, "second": False}  # the second found it protected
    assert _unlocks(key, ONE)
    assert second_passphrase == ONE or not _unlocks(key, second_passphrase)
    assert not Path(f"{cipher.sidecar_path(key)}.new").exists()


@pytest.mark.parametrize("stop_at", [1, 2])
def test_a_change_of_protection_stopped_by_a_crash_still_opens(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stop_at: int) -> None:
    """A new passphrase for the key (change-passphrase) stops before its first rename (the
    key is still the old one) or between the two (new key, old parameters beside it): the
    key opens with the passphrase it is really under, and the stopped change is finished."""
    key = protected_key(tmp_path)
    signer = identity.unlock_key(key, ONE)
    renames = 0
    replace = os.replace

    def crash(src: Any, dst: Any) -> None:
        nonlocal renames
        if Path(dst) in (key, cipher.sidecar_path(key)):
            renames += 1
            if renames == stop_at:
                raise OSError("power cut")
        replace(src, dst)

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="power cut"):
        identity.protect_key(key, signer, TWO, replace=True)
    monkeypatch.setattr(os, "replace", replace)
    now_under = ONE if stop_at == 1 else TWO
    assert _unlocks(key, now_under)
    assert not _unlocks(key, TWO if now_under == ONE else ONE)
    if stop_at == 2:
        assert not Path(f"{cipher.sidecar_path(key)}.new").exists()  # finished
