"""Hostile bundles: each is rejected with a clear message and the database stays byte-identical."""

from __future__ import annotations

import io
import json
import struct
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from caseapp.db.changelog import sign_op_ids
from caseapp.db.models import AuditEntry
from caseapp.errors import BundleRejected
from caseapp.services.bundles import BundleService
from caseapp.services.workspace import Workspace
from caseapp.sync.bundle_file import write_zip
from caseapp.sync.canonical import canonical_hash, canonical_json, sha256_hex
from caseapp.sync.signing import Signer
from tests import rawdb
from tests.sync.helpers import exported_demo, file_state, new_signer

REF = "CASE-2026-0007"


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    yield exported_demo(tmp_path_factory.mktemp("hostile"))


def attempt(setup: dict[str, Any], data: bytes, name: str = "bad.casebundle") -> str:
    """Import `data` into bob's database; returns the rejection message. Checks the bytes."""
    path = setup["dir"] / name
    path.write_bytes(data)
    before = file_state(setup["db"])
    from caseapp.db.engine import Database
    ws = Workspace(Database(setup["db"]), setup["identity"])
    try:
        with pytest.raises(BundleRejected) as err:
            BundleService(ws).import_bundle(path, record_rejection=False)
    finally:
        ws.close()
    assert file_state(setup["db"]) == before, "the database changed"
    return err.value.message


def entries_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def build(entries: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    write_zip(out, [(n, len(d), (lambda d=d: io.BytesIO(d))) for n, d in entries])
    return out.getvalue()


def forge(setup: dict[str, Any], *, lines: Callable[[list[dict[str, Any]]], list[bytes]]
          | None = None, manifest: Callable[[dict[str, Any]], None] | None = None,
          extra: list[tuple[str, bytes]] = ()) -> bytes:
    """Rebuild the good bundle with changes, correctly hashed and re-signed by alice."""
    signer: Signer = setup["signer"]
    e = entries_of(setup["good"])
    doc = json.loads(e["manifest.json"])
    parsed = [json.loads(x) for x in e["changesets.jsonl"].splitlines()]
    new_lines = lines(parsed) if lines else e["changesets.jsonl"].splitlines()
    body = b"".join(x + b"\n" for x in new_lines)
    if lines and len(new_lines[-1]) < 1 << 20:  # keep counts true, so the check aimed at fires
        docs = [json.loads(x) for x in new_lines] if b"[[[" not in new_lines[-1] else []
        if docs:
            doc["counts"].update(changesets=len(docs), ops=sum(len(d["ops"]) for d in docs))
    doc["files"][0] = {"path": "changesets.jsonl", "sha256": sha256_hex(body),
                       "size": len(body)}
    if manifest:
        manifest(doc)
    mbytes = canonical_json(doc)
    return build([("manifest.json", mbytes), ("manifest.sig", signer.sign(mbytes).encode()),
                  ("changesets.jsonl", body), *extra])


def resign(cs: dict[str, Any], signer: Signer) -> dict[str, Any]:
    cs["op_ids"] = sorted(op["op_id"] for op in cs["ops"])
    cs.update(author_key=signer.key_id, public_key=signer.public_hex, author_name=signer.name,
              id=canonical_hash({"author_key": signer.key_id, "op_ids": cs["op_ids"]}),
              signature=sign_op_ids(signer, cs["op_ids"]))
    return cs


def as_lines(docs: list[dict[str, Any]]) -> list[bytes]:
    return [canonical_json(d) for d in docs]


def test_the_forger_makes_bundles_that_import(setup, tmp_path: Path) -> None:
    """So the rejections below are caused by what each test changes, not by the forger."""

    from caseapp.db.engine import Database

    assert forge(setup) == setup["good"]  # the forger writes what caseapp writes

    def benign(docs: list[dict[str, Any]]) -> list[bytes]:
        cs = docs[-1]
        op = cs["ops"][0]
        op["fields"]["notes" if "notes" in op["fields"] else next(iter(op["fields"]))] = "x"
        op["op_id"] = canonical_hash({k: v for k, v in op.items() if k != "op_id"})
        return as_lines([*docs[:-1], resign(cs, setup["signer"])])

    path = tmp_path / "benign.casebundle"
    path.write_bytes(forge(setup, lines=benign))
    rawdb.copy_database(setup["db"], tmp_path / "copy.db")
    ws = Workspace(Database(tmp_path / "copy.db"), setup["identity"])
    try:
        assert BundleService(ws).import_bundle(path).new_ops > 0
    finally:
        ws.close()


def test_a_flipped_byte_anywhere_is_rejected(setup) -> None:
    good = setup["good"]
    positions = sorted({0, 1, 10, 30, len(good) - 1, len(good) - 10, len(good) - 30,
                        *range(0, len(good), max(1, len(good) // 40))})
    for pos in positions:
        data = bytearray(good)
        data[pos] ^= 0x20
        assert attempt(setup, bytes(data))


def test_a_truncated_file_is_rejected(setup) -> None:
    good = setup["good"]
    for cut in (0, 10, len(good) // 3, len(good) // 2, len(good) - 22, len(good) - 1):
        assert attempt(setup, good[:cut])


@pytest.mark.parametrize("name", ["../../x", "/etc/x", "blobs/../../x", "C:\\x"])
def test_an_odd_entry_name_is_rejected(setup, name: str) -> None:
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        message = attempt(setup, forge(setup, extra=[(name, b"boom")]))
    assert "unexpected entry" in message


def test_an_entry_not_in_the_manifest_is_rejected(setup) -> None:
    data = b"not named"
    message = attempt(setup, forge(setup, extra=[(f"blobs/{sha256_hex(data)}", data)]))
    assert "does not name" in message


def test_duplicate_entries_are_rejected(setup) -> None:
    import warnings
    e = entries_of(setup["good"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = build([*e.items(), ("changesets.jsonl", e["changesets.jsonl"])])
    assert "twice" in attempt(setup, data)


def test_a_compressed_entry_that_inflates_past_its_size_is_rejected(setup) -> None:
    e = entries_of(setup["good"])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in e.items():
            zf.writestr(name, data)
        zf.writestr("blobs/" + "0" * 64, b"\0" * (20 << 20), compress_type=zipfile.ZIP_DEFLATED)
    data = bytearray(out.getvalue())
    central = data.rfind(b"PK\x01\x02")  # the bomb's directory entry: declare 100 bytes
    data[central + 24:central + 28] = struct.pack("<I", 100)
    message = attempt(setup, bytes(data))
    assert "compressed" in message or "damaged" in message


def test_a_100_mb_json_line_is_rejected(setup) -> None:
    huge = b'{"pad":"' + b"x" * (100 << 20) + b'"}'
    message = attempt(setup, forge(setup, lines=lambda docs: [huge]))
    assert "longer than" in message


def test_deeply_nested_json_is_rejected(setup) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    assert "nested" in attempt(setup, forge(setup, lines=lambda docs: [deep]))
    medium = b"[" * 200 + b"]" * 200
    assert "nested" in attempt(setup, forge(setup, lines=lambda docs: [medium]))


def test_a_changeset_signed_by_an_untrusted_key_is_rejected(setup) -> None:
    mallory = new_signer("mallory")

    def evil(docs: list[dict[str, Any]]) -> list[bytes]:
        cs = docs[-1]
        op = cs["ops"][0]
        op["fields"] = {**op["fields"], "summary": "planted"} if op["kind"] == "case" \
            else op["fields"]
        op["author_key"] = mallory.key_id
        op["op_id"] = canonical_hash({k: v for k, v in op.items() if k != "op_id"})
        cs["ops"] = [op]
        return as_lines([*docs[:-1], resign(cs, mallory)])

    message = attempt(setup, forge(setup, lines=evil))
    assert "do not trust" in message and "mallory" in message
    assert "caseapp trust add" not in message  # each front end words the next step


def test_a_sql_looking_field_name_is_refused_by_the_allow_list(setup) -> None:
    def evil(docs: list[dict[str, Any]]) -> list[bytes]:
        cs = docs[-1]
        op = cs["ops"][0]
        op["fields"]["x; DROP TABLE ops;--"] = "1"
        op["op_id"] = canonical_hash({k: v for k, v in op.items() if k != "op_id"})
        return as_lines([*docs[:-1], resign(cs, setup["signer"])])

    message = attempt(setup, forge(setup, lines=evil))
    assert "no field 'x; DROP TABLE ops;--'" in message


def test_an_altered_op_is_rejected(setup) -> None:
    def evil(docs: list[dict[str, Any]]) -> list[bytes]:
        docs[-1]["ops"][0]["hlc"] = "000000000000001.00000"
        return as_lines(docs)

    assert "does not match its id" in attempt(setup, forge(setup, lines=evil))


def test_a_newer_format_version_is_refused(setup) -> None:
    message = attempt(setup, forge(setup, manifest=lambda m: m.update(format_version=99)))
    assert "made by a newer version of caseapp" in message


def test_a_rejection_changes_nothing_and_is_logged(setup, caplog) -> None:
    """A refused bundle leaves the database byte-identical; the refusal goes to the log."""
    import logging

    from caseapp.db.engine import Database

    path = setup["dir"] / "flipped.casebundle"
    data = bytearray(setup["good"])
    data[len(data) // 2] ^= 1
    path.write_bytes(bytes(data))
    before = file_state(setup["db"])
    ws = Workspace(Database(setup["db"]), setup["identity"])
    try:
        with caplog.at_level(logging.WARNING, logger="caseapp.services.bundles"), \
                pytest.raises(BundleRejected):
            BundleService(ws).import_bundle(path)
        with ws.db.read() as s:
            rejected = s.execute(select(AuditEntry.seq).where(
                AuditEntry.outcome == "rejected")).first()
    finally:
        ws.close()
    assert rejected is None
    assert file_state(setup["db"]) == before
    assert any("flipped.casebundle" in r.getMessage() and "refused" in r.getMessage()
               for r in caplog.records)


def test_a_blob_whose_name_is_not_its_hash_is_rejected(setup) -> None:
    data = b"evidence"
    fake = "ab" * 32

    def lie(m: dict[str, Any]) -> None:
        m["files"].append({"path": f"blobs/{fake}", "sha256": sha256_hex(data),
                           "size": len(data)})
        m["blobs"].append({"sha256": fake, "size": len(data), "media_type": None})

    message = attempt(setup, forge(setup, manifest=lie, extra=[(f"blobs/{fake}", data)]))
    assert "manifest is malformed" in message


def test_a_blob_listed_without_its_entry_is_rejected(setup) -> None:
    def lie(m: dict[str, Any]) -> None:
        m["blobs"].append({"sha256": "cd" * 32, "size": 3, "media_type": None})

    assert "manifest is malformed" in attempt(setup, forge(setup, manifest=lie))
