"""Bounds on hostile bundle files: encryption headers, key slots, scrypt cost, the ZIP central
directory, manifest names and times; the mode of written bundles; a CLI whose stdout closes.

Each hostile file is refused with a sentence (BundleRejected, never the CLI's last-resort
"unexpected error"), before the expensive step (scrypt, X25519, zipfile's directory parse),
and the database stays byte-identical.
"""

from __future__ import annotations

import io
import json
import os
import re
import struct
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

from caseapp.cli.main import main
from caseapp.db.engine import Database
from caseapp.errors import BundleRejected, ValidationError
from caseapp.services.bundles import BundleService
from caseapp.services.demo import load_demo
from caseapp.services.workspace import Workspace
from caseapp.sync import bundle_file, envelope
from caseapp.sync.bundle_file import write_zip
from caseapp.sync.canonical import canonical_json
from caseapp.sync.envelope import ScryptCost, recipient_of
from caseapp.sync.signing import Signer
from tests import rawdb
from tests.sync.helpers import exported_demo, file_state, new_signer

REF = "CASE-2026-0007"
CHEAP = ScryptCost(n=2**10, r=8, p=1)
# The documented bounds (docs/bundle-format.md).
RECIPIENT_SLOTS, PASSPHRASE_SLOTS, NAME = 32, 1, 200
SLOTS = RECIPIENT_SLOTS + PASSPHRASE_SLOTS
HEADER = {"format": "caseapp-bundle-encrypted", "version": 1, "cipher": "AES-256-GCM",
          "chunk_size": 1 << 20, "nonce_prefix": "00" * 7}


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    yield exported_demo(tmp_path_factory.mktemp("bounds"))


def attempt(setup: dict[str, Any], data: bytes, *, passphrase: str | None = None) -> str:
    """Import `data` into bob's database; returns the rejection message. Checks the bytes."""
    path = setup["dir"] / "bad.casebundle"
    path.write_bytes(data)
    before = file_state(setup["db"])
    ws = Workspace(Database(setup["db"]), setup["identity"])
    try:
        with pytest.raises(BundleRejected) as err:
            BundleService(ws).import_bundle(path, passphrase=passphrase,
                                            record_rejection=False)
    finally:
        ws.close()
    assert file_state(setup["db"]) == before, "the database changed"
    return err.value.message


def no_key_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if any key slot is tried (scrypt or X25519)."""
    def boom(*_: Any) -> NoReturn:
        raise AssertionError("a key was derived from a header that should have been refused")
    monkeypatch.setattr(envelope, "_kek_scrypt", boom)
    monkeypatch.setattr(envelope, "_kek_x25519", boom)


# --- encryption header ---------------------------------------------------------------------

def sealed(header: Any) -> bytes:
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    return envelope.MAGIC + struct.pack(">I", len(raw)) + raw + os.urandom(64)


def x_slot(key_id: str | None = None) -> dict[str, Any]:
    return {"type": "x25519", "key_id": key_id or os.urandom(16).hex(),
            "ephemeral": os.urandom(32).hex(), "nonce": os.urandom(12).hex(),
            "wrapped": os.urandom(48).hex()}


def s_slot(n: Any = 2**10, r: Any = 8, p: Any = 1) -> dict[str, Any]:
    return {"type": "scrypt", "salt": os.urandom(16).hex(), "n": n, "r": r, "p": p,
            "nonce": os.urandom(12).hex(), "wrapped": os.urandom(48).hex()}


@pytest.mark.parametrize("slots", [
    "abc", {"type": "scrypt"}, 5, [1, 2], [], [None], ["x25519"], [{"type": "x25519"}],
    [{"type": "rot13"}], [{**x_slot(), "nonce": 7}], [{**x_slot(), "ephemeral": "zz" * 32}],
    [{**x_slot(), "extra": 1}], [{**s_slot(), "salt": ["00"]}],
], ids=lambda s: re.sub(r"[0-9a-f]{24,}", "<hex>", json.dumps(s))[:40])
def test_a_header_whose_slots_have_the_wrong_shape_is_refused(setup, slots: Any) -> None:
    message = attempt(setup, sealed({**HEADER, "slots": slots}), passphrase="a passphrase")
    assert "header is damaged" in message


@pytest.mark.parametrize("header", [
    b"[" * (64 * 1024), b"{" * 1000, b"[]", b'"slots"', b"\xff\xfe", b"",
    {**HEADER, "slots": [x_slot()], "cipher": "ROT13"},
    {**HEADER, "slots": [x_slot()], "chunk_size": True},
    {**HEADER, "slots": [x_slot()], "version": "1"},
    {**HEADER, "slots": [x_slot()], "nonce_prefix": 7},
    {**HEADER, "slots": [x_slot()], "more": []},
    {k: v for k, v in HEADER.items() if k != "nonce_prefix"} | {"slots": [x_slot()]},
], ids=lambda h: (h if isinstance(h, bytes) else json.dumps(h).encode())[:30].decode("latin-1"))
def test_a_malformed_header_is_refused(setup, header: Any) -> None:
    assert "header is damaged" in attempt(setup, sealed(header), passphrase="a passphrase")


def test_a_deeply_nested_header_is_a_plain_error_in_the_cli(setup, tmp_path: Path,
                                                            capsys) -> None:
    path = tmp_path / "deep.casebundle"
    path.write_bytes(sealed(b"[" * (64 * 1024)))
    assert main(["--db", str(tmp_path / "c.db"), "init"]) == 0
    capsys.readouterr()
    assert main(["--db", str(tmp_path / "c.db"), "import", str(path)]) == 1
    err = capsys.readouterr().err
    assert "header is damaged" in err and "unexpected error" not in err


@pytest.mark.parametrize(("xs", "ss", "words"), [
    (RECIPIENT_SLOTS + 1, 0, "recipient key slots"),
    (0, PASSPHRASE_SLOTS + 1, "passphrase slots"),
    (1, 3, "passphrase slots"),
    (SLOTS + 1, 0, "key slots"),
    (180, 0, "key slots"),  # what fits in the 64 KiB header
])
def test_more_key_slots_than_caseapp_writes_are_refused_before_any_key_work(
        setup, monkeypatch: pytest.MonkeyPatch, xs: int, ss: int, words: str) -> None:
    no_key_work(monkeypatch)
    mine = setup["identity"].signer.key_id  # so that, unbounded, every slot would be tried
    slots = [x_slot(mine) for _ in range(xs)] + [s_slot() for _ in range(ss)]
    started = time.monotonic()
    message = attempt(setup, sealed({**HEADER, "slots": slots}), passphrase="a passphrase")
    assert words in message and "more than caseapp ever writes" in message
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(("n", "r", "p"), [
    (2**18, 8, 1), (2**17, 9, 1), (2**17, 8, 2), (2**20, 16, 4), (2**30, 1, 1),
    (1000, 8, 1), (1, 8, 1), (0, 8, 1), (-1024, 8, 1), (2**10, 0, 1), (2**10, 8, 0),
    (True, 8, 1), ("1024", 8, 1), (2**10, 8.0, 1), (None, 8, 1), ([1024], 8, 1),
])
def test_a_passphrase_cost_beyond_what_caseapp_writes_is_refused_before_scrypt(
        setup, monkeypatch: pytest.MonkeyPatch, n: Any, r: Any, p: Any) -> None:
    no_key_work(monkeypatch)
    message = attempt(setup, sealed({**HEADER, "slots": [s_slot(n, r, p)]}),
                      passphrase="a passphrase")
    assert "passphrase cost" in message


def test_the_largest_header_caseapp_writes_is_read() -> None:
    """32 recipients and a passphrase at the default cost (the most a user can choose)."""
    people = [new_signer(f"p{i}") for i in range(RECIPIENT_SLOTS)]
    plain, box = b"zip bytes" * 1000, io.BytesIO()
    envelope.seal(io.BytesIO(plain), box, recipients=[recipient_of(s) for s in people],
                  passphrase="correct horse battery")
    for signer, passphrase in ((people[-1], None), (None, "correct horse battery")):
        out = io.BytesIO()
        envelope.open_sealed(io.BytesIO(box.getvalue()), out, signer=signer,
                             passphrase=passphrase, max_size=1 << 20)
        assert out.getvalue() == plain


def test_export_refuses_what_no_reader_would_read(demo_ws, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "x.casebundle"
    many = [recipient_of(new_signer(f"p{i}")) for i in range(RECIPIENT_SLOTS + 1)]
    with pytest.raises(ValidationError, match="at most 32 recipients"):
        BundleService(demo_ws).export_case(REF, out, recipients=many)
    with pytest.raises(ValidationError, match="passphrase cost"):
        BundleService(demo_ws).export_case(REF, out, passphrase="correct horse battery",
                                           scrypt_cost=ScryptCost(n=2**18))
    assert list((tmp_path / "out").iterdir()) == []  # no bundle, no temporary file


def test_cli_export_refuses_too_many_recipients_before_the_prompt(demo_ws, db_path: Path,
                                                                  tmp_path: Path,
                                                                  capsys) -> None:
    files = []
    for i in range(RECIPIENT_SLOTS + 1):
        files += ["--to", str(tmp_path / f"r{i}.json")]
        (tmp_path / f"r{i}.json").write_text(json.dumps(envelope.recipient_doc(
            new_signer(f"p{i}"))))
    assert main(["--db", str(db_path), "export", REF, "-o", str(tmp_path / "x.casebundle"), *files,
                 "--passphrase"]) == 1  # --passphrase would prompt: refused before that
    assert "at most 32 recipients" in capsys.readouterr().err
    assert not (tmp_path / "x.casebundle").exists()


# --- file mode -------------------------------------------------------------------------------

@pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")
def test_every_bundle_file_is_private(demo_ws, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    old = os.umask(0o022)
    try:
        plain, locked = folder / "plain.casebundle", folder / "locked.casebundle"
        BundleService(demo_ws).export_case(REF, plain)
        BundleService(demo_ws).export_case(REF, locked, passphrase="correct horse battery",
                                           scrypt_cost=CHEAP)
    finally:
        os.umask(old)
    assert envelope.is_sealed(locked.read_bytes()[:16])
    assert oct(plain.stat().st_mode & 0o777) == oct(0o600)
    assert oct(locked.stat().st_mode & 0o777) == oct(0o600)
    assert sorted(p.name for p in folder.iterdir()) == ["locked.casebundle",
                                                        "plain.casebundle"]


# --- the ZIP central directory --------------------------------------------------------------

def craft_zip(count: int, *, claim: int | None = None, zip64: bool = False) -> bytes:
    """`count` empty blob entries; the end records claim `claim` entries (default: count)."""
    local, central, offset = [], [], 0
    for i in range(count):
        name = f"blobs/{i:064x}".encode()
        header = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0x21, 0, 0, 0,
                             len(name), 0) + name
        central.append(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 0x314, 20, 0, 0, 0, 0x21,
                                   0, 0, 0, len(name), 0, 0, 0, 0, 0o600 << 16, offset) + name)
        local.append(header)
        offset += len(header)
    directory = b"".join(central)
    claim = count if claim is None else claim
    tail = b""
    if zip64:
        tail = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, claim, claim,
                           len(directory), offset)
        tail += struct.pack("<4sLQL", b"PK\x06\x07", 0, offset + len(directory), 1)
    short = min(claim, 0xFFFF)
    tail += struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, short, short, len(directory),
                        offset, 0)
    return b"".join(local) + directory + tail


def no_zip_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_: Any, **__: Any) -> NoReturn:
        raise AssertionError("zipfile parsed a central directory over the limits")
    monkeypatch.setattr(bundle_file.zipfile, "ZipFile", boom)


def test_the_crafted_zips_are_what_zipfile_reads() -> None:
    for data in (craft_zip(5), craft_zip(5, zip64=True)):
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            assert [i.filename for i in zf.infolist()] == [f"blobs/{i:064x}" for i in range(5)]


def test_an_end_record_claiming_a_million_entries_is_refused_unparsed(
        setup, monkeypatch: pytest.MonkeyPatch) -> None:
    no_zip_parse(monkeypatch)
    only_the_end = craft_zip(0, claim=1_000_000, zip64=True)
    started = time.monotonic()
    message = attempt(setup, only_the_end)
    assert "1,000,000 entries" in message and "limit is 100,000" in message
    assert time.monotonic() - started < 2


def test_a_central_directory_larger_than_the_limit_allows_is_refused_unparsed(
        setup, monkeypatch: pytest.MonkeyPatch) -> None:
    no_zip_parse(monkeypatch)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 3, 3, 0xFFFFFFF0, 0, 0)
    message = attempt(setup, end)
    assert "central directory" in message and "the limit is" in message


def test_200001_real_entries_are_refused_before_zipfile_parses_them(
        setup, monkeypatch: pytest.MonkeyPatch) -> None:
    data = craft_zip(200_001, zip64=True)
    no_zip_parse(monkeypatch)
    started = time.monotonic()
    message = attempt(setup, data)
    assert "200,001 entries" in message
    assert time.monotonic() - started < 2


def test_an_end_record_that_understates_the_entries_does_not_help(
        setup, monkeypatch: pytest.MonkeyPatch) -> None:
    data = craft_zip(100_001, claim=3)
    no_zip_parse(monkeypatch)
    started = time.monotonic()
    assert "more than 100,000 entries" in attempt(setup, data)
    assert time.monotonic() - started < 2


def central_entry(data: bytes, name: bytes) -> int:
    pos = data.rfind(b"PK\x01\x02", 0, data.rfind(b"PK\x05\x06"))
    while pos >= 0 and data[pos + 46:pos + 46 + len(name)] != name:
        pos = data.rfind(b"PK\x01\x02", 0, pos)
    assert pos >= 0
    return pos


@pytest.mark.parametrize(("offset", "value"), [(6, 99), (8, 0x40), (8, 0x20)],
                         ids=["needs-zip-9.9", "strong-encryption", "patched-data"])
def test_a_zip_feature_zipfile_does_not_implement_is_refused(setup, offset: int,
                                                             value: int) -> None:
    data = bytearray(setup["good"])
    pos = central_entry(bytes(data), b"manifest.json")
    struct.pack_into("<H", data, pos + offset, value)
    assert "damaged" in attempt(setup, bytes(data))


# --- manifest: creation time and exporter name -------------------------------------------------

def reforge(setup: dict[str, Any], change: Any) -> bytes:
    """The good bundle with its manifest changed and re-signed by alice (its exporter)."""
    signer: Signer = setup["signer"]
    with zipfile.ZipFile(io.BytesIO(setup["good"])) as zf:
        entries = {i.filename: zf.read(i) for i in zf.infolist()}
    doc = json.loads(entries["manifest.json"])
    change(doc)
    entries["manifest.json"] = canonical_json(doc)
    entries["manifest.sig"] = signer.sign(entries["manifest.json"]).encode()
    out = io.BytesIO()
    write_zip(out, [(n, len(d), (lambda d=d: io.BytesIO(d))) for n, d in entries.items()])
    return out.getvalue()


@pytest.mark.parametrize("created_at", [
    "yesterday", 12345, None, "2026-13-45T00:00:00Z", "2026-11-29T02:35:55.806+05:00",
    "2026-11-29T02:35:55.806Z" + "0" * 100, "x" * 100_000,
])
def test_a_manifest_creation_time_that_is_not_a_utc_time_is_refused(setup,
                                                                    created_at: Any) -> None:
    message = attempt(setup, reforge(setup, lambda m: m.update(created_at=created_at)))
    assert "created_at" in message


@pytest.mark.parametrize("name", ["x" * (NAME + 1), "x" * 1_000_000,
                                  "Mallory\x1b[2J", "bob\u202eevil", 42, ["alice"]])
def test_an_overlong_or_unprintable_exporter_name_is_refused(setup, name: Any) -> None:
    message = attempt(setup, reforge(setup, lambda m: m["exporter"].update(name=name)))
    assert "exporter name" in message


def test_a_long_unicode_name_and_a_real_time_still_import(setup, tmp_path: Path) -> None:
    name = ("Ōsaka Ünïcödé – " * 20)[:NAME]

    def change(m: dict[str, Any]) -> None:
        m["exporter"]["name"] = name
        m["created_at"] = "2026-11-29T02:35:55.806Z"

    path = tmp_path / "fine.casebundle"
    path.write_bytes(reforge(setup, change))
    rawdb.copy_database(setup["db"], tmp_path / "copy.db")
    ws = Workspace(Database(tmp_path / "copy.db"), setup["identity"])
    try:
        summary = BundleService(ws).import_bundle(path)
    finally:
        ws.close()
    assert summary.new_ops > 0


# --- the CLI when its reader goes away ---------------------------------------------------------

def run_into_closed_pipe(*args: str, buffered: bool) -> subprocess.CompletedProcess[bytes]:
    """Run caseapp with stdout a pipe whose reader is already gone (as `| head` ends).

    Buffered (the default outside this test environment), a short output fails only when
    Python flushes stdout; unbuffered (PYTHONUNBUFFERED), at the command's first print."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    if not buffered:
        env["PYTHONUNBUFFERED"] = "1"
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run([sys.executable, "-m", "caseapp", *args], stdout=write_end,
                              stderr=subprocess.PIPE, env=env, timeout=120)
    finally:
        os.close(write_end)


def assert_quiet(proc: subprocess.CompletedProcess[bytes]) -> None:
    err = proc.stderr.decode()
    assert "unexpected error" not in err and "Traceback" not in err, err
    assert "Exception ignored" not in err and "BrokenPipe" not in err, err
    assert proc.returncode == 141, (proc.returncode, err)


@pytest.mark.skipif(os.name == "nt", reason="POSIX pipes")
def test_commands_writing_into_a_closed_pipe_exit_quietly(tmp_path: Path) -> None:
    db_a, out = tmp_path / "a.db", tmp_path / "x.casebundle"
    assert main(["--db", str(db_a), "init"]) == 0
    ws = Workspace.open(db_a)
    load_demo(ws)
    ws.close()
    assert main(["--db", str(db_a), "export", REF, "-o", str(out)]) == 0
    for buffered in (True, False):
        db = tmp_path / f"b-{buffered}.db"
        assert main(["--db", str(db), "init"]) == 0  # same investigator: key already trusted
        assert_quiet(run_into_closed_pipe("--db", str(db), "import", str(out), "--json",
                                          buffered=buffered))
        ws = Workspace.open(db)
        try:
            assert ws.cases.find(REF) is not None  # the import was committed, as it should be
        finally:
            ws.close()
        # ~47 kB: more than the buffer, so the pipe breaks inside the command either way.
        assert_quiet(run_into_closed_pipe("--db", str(db), "case", "show", REF, "--json",
                                          buffered=buffered))
