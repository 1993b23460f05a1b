"""Encryption at rest (docs/security.md): no plaintext on disk, a wrong passphrase changes
nothing, conversions keep every record."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from caseapp.db import cipher
from caseapp.db.migrate import backup_database
from caseapp.services.demo import load_demo
from caseapp.services.encryption import (
    PassphraseNeeded,
    WrongPassphrase,
    change_passphrase,
    decrypt,
    encrypt,
)
from caseapp.services.workspace import Workspace
from tests import rawdb

COMPANY = b"Lanshuo Yuanheng"
SEIZURE = b"EX-0007-01"
SECRET = "correct horse battery staple"


def demo_database(path: Path, *, passphrase: str | None, plain: bool = False) -> Path:
    """The demo data and an attachment naming the company, in a database at `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    note = path.parent / "memo.txt"
    note.write_bytes(b"Memo: " + COMPANY + b" shipped " + SEIZURE + b" via Manzanillo\n" * 50)
    with Workspace.open(path, passphrase=passphrase, plain=plain) as ws:
        load_demo(ws)
        ws.attachments.add_file("CASE-2026-0007", note)
    note.unlink()
    return path


def files_under(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def disk_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def cli(*args: str, db: Path, passphrase_file: Path | None = None,
        new_file: Path | None = None, process: bool = False
        ) -> subprocess.CompletedProcess[str]:
    """`caseapp --db DB ARGS` with only the passphrase files given here, as a new process
    (`process`: what SQLCipher itself prints on stderr is seen too) or in this one with
    every key forgotten first (a fresh process's state)."""
    from caseapp.services import identity
    from tests.cli.inproc import run

    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEAPP_PASSPHRASE")}
    if passphrase_file is not None:
        env["CASEAPP_PASSPHRASE_FILE"] = str(passphrase_file)
    if new_file is not None:
        env["CASEAPP_NEW_PASSPHRASE_FILE"] = str(new_file)
    if process:
        return subprocess.run([sys.executable, "-m", "caseapp", "--db", str(db), *args],
                              capture_output=True, text=True, env=env,
                              stdin=subprocess.DEVNULL, timeout=120)
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    cipher.forget_all()
    identity.lock_keys()
    try:
        return run(*args, db=db, check=None)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        cipher.forget_all()
        identity.lock_keys()


def secret_file(folder: Path, text: str, name: str = "pass.txt") -> Path:
    path = folder / name
    path.write_text(text + "\n", encoding="utf-8")
    return path


def row_counts(path: Path) -> dict[str, int]:
    con = rawdb.connect(path)
    try:
        names = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
        return {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        con.close()


def test_the_file_its_backup_and_attachments_hold_no_plaintext(tmp_path: Path) -> None:
    plain = demo_database(tmp_path / "plain" / "c.db", passphrase=None, plain=True)
    assert COMPANY in disk_bytes(plain.parent) and SEIZURE in disk_bytes(plain.parent)

    db = demo_database(tmp_path / "enc" / "c.db", passphrase=SECRET)
    backup = backup_database(db, "test")
    assert backup.read_bytes()[:16] != b"SQLite format 3\x00"
    data = disk_bytes(db.parent)  # database, sidecar, backup and its sidecar
    assert COMPANY not in data and SEIZURE not in data
    assert COMPANY.decode("ascii").encode("utf-16-le") not in data
    cipher.forget_all()
    with Workspace.open(db, passphrase=SECRET) as ws:
        memo = ws.attachments.list_page(ws_query()).records[0]
        assert COMPANY in ws.attachments.read(memo.uid)
        assert [h.title for h in ws.search.search("Lanshuo")]  # FTS5 inside
    cipher.forget_all()
    with Workspace.open(backup, passphrase=SECRET) as ws:  # the backup opens the same way
        assert ws.cases.list_page(ws_query()).total >= 1


def ws_query():  # type: ignore[no-untyped-def]
    from caseapp.services.records import ListQuery

    return ListQuery(limit=5)


def test_a_wrong_passphrase_exits_1_and_changes_no_byte(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    db = demo_database(tmp_path / "c.db", passphrase=SECRET)
    backup_database(db, "test")
    before = files_under(tmp_path)
    wrong = secret_file(tmp_path.parent, "not the passphrase", "wrong.txt")
    for args in (["cases"], ["verify"], ["decrypt"], ["init"]):
        proc = cli(*args, db=db, passphrase_file=wrong, process=args == ["cases"])
        assert proc.returncode == 1, proc.stderr
        assert "passphrase does not open c.db" in proc.stderr
        assert "ERROR" not in proc.stderr and "Traceback" not in proc.stderr
        assert files_under(tmp_path) == before
    cipher.forget_all()
    with pytest.raises(WrongPassphrase):
        Workspace.open(db, passphrase="not the passphrase")
    monkeypatch.delenv("CASEAPP_PASSPHRASE_FILE", raising=False)  # pytest --encrypted's
    with pytest.raises(PassphraseNeeded):
        Workspace.open(db)
    assert files_under(tmp_path) == before


def test_no_passphrase_and_no_terminal_is_a_clear_error(tmp_path: Path) -> None:
    proc = cli("init", db=tmp_path / "new.db")
    env_plain = os.environ.get("CASEAPP_PLAIN")
    if env_plain:  # the test run makes plain databases (CASEAPP_PLAIN): so does init
        assert proc.returncode == 0
        return
    assert proc.returncode == 1 and "CASEAPP_PASSPHRASE_FILE" in proc.stderr
    assert not (tmp_path / "new.db").exists()


def test_a_new_database_is_encrypted_unless_plain_is_asked(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    monkeypatch.delenv("CASEAPP_PLAIN", raising=False)
    secret = secret_file(tmp_path, SECRET)
    proc = cli("init", db=tmp_path / "a.db", passphrase_file=secret)
    assert proc.returncode == 0, proc.stderr
    assert cipher.is_encrypted(tmp_path / "a.db")
    proc = cli("--plain", "init", db=tmp_path / "b.db")  # the signing key is protected now
    assert proc.returncode == 1 and "signing key" in proc.stderr
    proc = cli("--plain", "init", db=tmp_path / "b.db", passphrase_file=secret)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "b.db").read_bytes()[:16] == b"SQLite format 3\x00"
    proc = cli("init", db=tmp_path / "c.db")
    assert proc.returncode == 1 and "--plain" in proc.stderr
    assert not (tmp_path / "c.db").exists()


def test_encrypt_then_decrypt_keeps_every_record_and_verifies(tmp_path: Path) -> None:
    db = demo_database(tmp_path / "c.db", passphrase=None, plain=True)
    counts = row_counts(db)
    secret = secret_file(tmp_path.parent, SECRET)
    proc = cli("encrypt", db=db, passphrase_file=secret)
    assert proc.returncode == 0, proc.stderr
    assert cipher.is_encrypted(db) and COMPANY not in db.read_bytes()
    backups = sorted((tmp_path / "backups").glob("c-*-before-encrypt.db"))
    assert backups and COMPANY not in backups[0].read_bytes()
    proc = cli("verify", db=db, passphrase_file=secret)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    cipher.forget_all()
    assert row_counts_with(db, SECRET) == counts

    proc = cli("decrypt", "--json", db=db, passphrase_file=secret)
    assert proc.returncode == 0, proc.stderr
    assert not cipher.sidecar_path(db).exists()
    assert row_counts(db) == counts
    assert cli("verify", db=db).returncode == 0
    kept = sorted((tmp_path / "backups").glob("c-*-before-decrypt.db"))
    assert kept and cipher.is_encrypted(kept[0])


def row_counts_with(db: Path, passphrase: str) -> dict[str, int]:
    cipher.remember(db, cipher.derive_key(passphrase, cipher.read_params(db)))
    return row_counts(db)


def test_change_passphrase_and_the_old_one_opens_only_the_backup(tmp_path: Path) -> None:
    db = demo_database(tmp_path / "c.db", passphrase=SECRET)
    counts = row_counts(db)
    done = change_passphrase(db, SECRET, "a different long passphrase")
    cipher.forget_all()
    with pytest.raises(WrongPassphrase):
        Workspace.open(db, passphrase=SECRET)
    assert row_counts_with(db, "a different long passphrase") == counts
    assert row_counts_with(done.backup, SECRET) == counts
    with pytest.raises(Exception, match="encrypted already"):
        encrypt(db, SECRET)
    decrypt(db, "a different long passphrase")
    assert row_counts(db) == counts


def test_an_interrupted_change_of_passphrase_still_opens(tmp_path: Path) -> None:
    """The new file was moved into place but not yet its sidecar (db/encryption.py)."""
    db = demo_database(tmp_path / "c.db", passphrase=SECRET)
    old_sidecar = cipher.sidecar_path(db).read_bytes()
    change_passphrase(db, SECRET, "a different long passphrase")
    from caseapp.db.encryption import pending_sidecar

    pending_sidecar(db).write_bytes(cipher.sidecar_path(db).read_bytes())
    cipher.sidecar_path(db).write_bytes(old_sidecar)
    cipher.forget_all()
    with Workspace.open(db, passphrase="a different long passphrase") as ws:
        assert ws.cases.list_page(ws_query()).total >= 1
    assert not pending_sidecar(db).exists()


def test_the_signing_key_is_protected_on_the_next_unlock(tmp_path: Path) -> None:
    from caseapp.services import identity
    from caseapp.sync.signing import is_encrypted_key

    with Workspace.open(tmp_path / "plain.db", plain=True) as ws:
        key_id = ws.identity.signer.key_id
    path = identity.key_path()
    assert b"BEGIN PRIVATE KEY" in path.read_bytes()  # an old plain key keeps working
    identity.lock_keys()
    with Workspace.open(tmp_path / "c.db", passphrase=SECRET) as ws:
        assert ws.identity.signer.key_id == key_id
    assert is_encrypted_key(path) and b"BEGIN PRIVATE KEY" not in path.read_bytes()
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    identity.lock_keys()
    with pytest.raises(WrongPassphrase, match="signing key"):
        identity.local_signer(passphrase="not the passphrase")
    with pytest.raises(PassphraseNeeded):
        identity.unlock_key(path, None)
    assert identity.local_signer(passphrase=SECRET).key_id == key_id
