"""Bundles between two machines: round trip, idempotence, trust, encryption, conflicts."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from caseapp.cli.main import main
from caseapp.db.models import AuditEntry, Meta, Op, QuarantinedOp
from caseapp.errors import BundleRejected, NotFoundError, UntrustedKey
from caseapp.services.attachments import AttachmentService
from caseapp.services.bundles import BundleService
from caseapp.services.conflicts import ConflictService
from caseapp.services.demo import load_demo
from caseapp.services.json_out import case_detail_json
from caseapp.services.verify import verify_database
from caseapp.services.workspace import Workspace
from caseapp.sync.envelope import ScryptCost, recipient_of
from tests.sync.helpers import canonical_dump, conflict_set, op_ids, open_ws, trust

REF = "CASE-2026-0007"
CHEAP = ScryptCost(n=2**10, r=8, p=1)


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Workspace, Workspace]]:
    a, b = open_ws(tmp_path / "a.db", "alice"), open_ws(tmp_path / "b.db", "bob")
    trust(a, b)
    trust(b, a)
    yield a, b
    a.close()
    b.close()


def show(ws: Workspace) -> dict[str, object]:
    """The case as `case show --json` prints it, without `seen_in`: which other cases a
    record is seen in depends on the other cases each database holds, not on the bundle."""
    doc = case_detail_json(ws.cases.show(REF))
    for kind in ("companies", "persons", "shipments"):
        for record in doc[kind]:
            record.pop("seen_in")
    return doc


def test_round_trip_is_identical_and_attachments_byte_identical(pair, tmp_path: Path) -> None:
    a, b = pair
    load_demo(a)
    evidence = tmp_path / "photo.bin"
    evidence.write_bytes(bytes(range(256)) * 1000)
    att = AttachmentService(a).add_file(REF, evidence)
    out = tmp_path / "x.casebundle"
    result = BundleService(a).export_case(REF, out)
    assert result.blobs == 1 and result.records > 10
    summary = BundleService(b).import_bundle(out)
    # The catalogue substances the case uses are already here (same uids and ops everywhere).
    assert summary.duplicate_ops == 4
    assert summary.new_records == result.records - summary.duplicate_ops
    assert show(b) == show(a)
    copy = AttachmentService(b).read(att.uid)
    assert hashlib.sha256(copy).hexdigest() == hashlib.sha256(evidence.read_bytes()).hexdigest()
    assert verify_database(b.db).ok, verify_database(b.db).first_problem
    with b.db.read() as s:
        actions = [r for r in s.execute(select(AuditEntry.action, AuditEntry.outcome))]
    assert ("import", "ok") in [tuple(r) for r in actions]


def test_second_import_changes_nothing(pair, tmp_path: Path) -> None:
    a, b = pair
    load_demo(a)
    out = tmp_path / "x.casebundle"
    BundleService(a).export_case(REF, out)
    BundleService(b).import_bundle(out)
    before, ops_before = canonical_dump(b), op_ids(b)
    again = BundleService(b).import_bundle(out)
    assert again.new_ops == 0 and again.new_records == 0 and again.updated_fields == 0
    assert again.imported_before and "imported before" in again.lines()[0]
    assert canonical_dump(b) == before and op_ids(b) == ops_before


def test_re_export_of_imported_changes_verifies_elsewhere(pair, tmp_path: Path) -> None:
    a, b = pair
    load_demo(a)
    BundleService(a).export_case(REF, tmp_path / "1.casebundle")
    BundleService(b).import_bundle(tmp_path / "1.casebundle")
    c = open_ws(tmp_path / "c.db", "carol")
    trust(c, a, b)
    BundleService(b).export_case(REF, tmp_path / "2.casebundle")
    BundleService(c).import_bundle(tmp_path / "2.casebundle")
    assert show(c) == show(a)
    assert verify_database(c.db).ok, verify_database(c.db).first_problem
    c.close()


def test_untrusted_exporter_is_refused_with_fingerprint_and_command(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = open_ws(tmp_path / "a.db", "alice"), open_ws(tmp_path / "b.db", "bob")
    load_demo(a)
    BundleService(a).export_case(REF, tmp_path / "x.casebundle")
    with pytest.raises(UntrustedKey) as err:
        BundleService(b).import_bundle(tmp_path / "x.casebundle")
    assert a.identity.signer.key_id[:4] in err.value.message
    assert err.value.key_ids == (a.identity.signer.key_id,)
    # The service states the facts; the command line words the next step.
    assert "caseapp trust add" not in err.value.message
    assert main(["--db", str(tmp_path / "b.db"), "import", str(tmp_path / "x.casebundle")]) == 1
    said = capsys.readouterr().err
    assert a.identity.signer.key_id[:4] in said and "caseapp trust add" in said
    with b.db.read() as s:
        outcomes = list(s.execute(select(AuditEntry.outcome).where(
            AuditEntry.action == "import")).scalars())
    assert outcomes == []  # a refused bundle changes nothing, not even the audit chain


def test_encrypted_for_a_recipient_and_a_passphrase(pair, tmp_path: Path) -> None:
    a, b = pair
    load_demo(a)
    out = tmp_path / "x.casebundle"
    BundleService(a).export_case(REF, out, recipients=[recipient_of(b.identity.signer)],
                                 passphrase="correct horse battery", scrypt_cost=CHEAP)
    assert b"CASE-2026" not in out.read_bytes()
    BundleService(b).import_bundle(out)
    assert show(b) == show(a)
    c = open_ws(tmp_path / "c.db", "carol")
    trust(c, a)
    with pytest.raises(BundleRejected, match="not for your key"):
        BundleService(c).import_bundle(out)
    with pytest.raises(BundleRejected, match="Wrong passphrase"):
        BundleService(c).import_bundle(out, passphrase="wrong")
    BundleService(c).import_bundle(out, passphrase="correct horse battery")
    assert show(c) == show(a)
    c.close()


@pytest.mark.parametrize("damage", ["flip", "truncate", "chunk"])
def test_tampered_or_truncated_encrypted_bundle_is_rejected(pair, tmp_path: Path,
                                                            damage: str) -> None:
    a, b = pair
    load_demo(a)
    out = tmp_path / "x.casebundle"
    BundleService(a).export_case(REF, out, recipients=[recipient_of(b.identity.signer)])
    data = bytearray(out.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0x01
    elif damage == "truncate":
        del data[-100:]
    else:
        del data[-17:]
    out.write_bytes(bytes(data))
    before = canonical_dump(b)
    with pytest.raises(BundleRejected, match="altered or truncated"):
        BundleService(b).import_bundle(out)
    assert canonical_dump(b) == before


def same(a: Workspace, b: Workspace) -> bool:
    """Both machines show the case alike and hold the same open conflicts."""
    return show(a) == show(b) and conflict_set(a) == conflict_set(b)


def _case_uid(ws: Workspace) -> str:
    return ws.cases.find(REF).uid


def test_concurrent_edits_conflict_then_resolution_travels(pair, tmp_path: Path) -> None:
    a, b = pair
    load_demo(a)
    BundleService(a).export_case(REF, tmp_path / "0.casebundle")
    BundleService(b).import_bundle(tmp_path / "0.casebundle")
    a.cases.edit(REF, {"summary": "from alice", "agency": "DEA"})
    b.cases.edit(REF, {"summary": "from bob", "lead_investigator": "Bob"})
    BundleService(a).export_case(REF, tmp_path / "a.casebundle")
    BundleService(b).export_case(REF, tmp_path / "b.casebundle")
    got = BundleService(b).import_bundle(tmp_path / "a.casebundle")
    BundleService(a).import_bundle(tmp_path / "b.casebundle")
    assert got.conflicts_opened == 1
    for ws in (a, b):
        open_ = ConflictService(ws).list_open()
        assert [(c.field, sorted(v.display for v in c.values)) for c in open_] == [
            ("summary", ["from alice", "from bob"])]
        assert {v.author for v in open_[0].values} == {"alice", "bob"}
        case = ws.cases.find(REF)
        assert case.agency == "DEA" and case.lead_investigator == "Bob"  # fields merged
    assert same(a, b)
    pick = [v.display for v in ConflictService(b).list_open()[0].values].index("from alice")
    assert ConflictService(b).resolve("case", _case_uid(b), "summary", pick=pick + 1) == []
    BundleService(b).export_case(REF, tmp_path / "r.casebundle")
    BundleService(a).import_bundle(tmp_path / "r.casebundle")
    assert ConflictService(a).list_open() == []
    assert a.cases.find(REF).summary == "from alice"
    assert same(a, b)
    with a.db.read() as s:  # the losing value stays in the history
        assert any(o.get("summary") == "from bob" for o in s.execute(select(Op.fields))
                   .scalars())
    assert verify_database(a.db).ok and verify_database(b.db).ok


def test_delete_against_concurrent_edit_is_a_record_conflict(pair, tmp_path: Path) -> None:
    a, b = pair
    load_demo(a)
    BundleService(a).export_case(REF, tmp_path / "0.casebundle")
    BundleService(b).import_bundle(tmp_path / "0.casebundle")
    exhibit = a.seizures.list_all()[0]
    a.seizures.delete(exhibit.uid)
    b.seizures.edit(exhibit.uid, {"notes": "re-weighed"})
    BundleService(a).export_case(REF, tmp_path / "a.casebundle")
    BundleService(b).export_case(REF, tmp_path / "b.casebundle")
    BundleService(b).import_bundle(tmp_path / "a.casebundle")
    BundleService(a).import_bundle(tmp_path / "b.casebundle")
    for ws in (a, b):
        found = ConflictService(ws).list_open()
        assert [(c.uid, c.field) for c in found] == [(exhibit.uid, "*")]
    ConflictService(a).resolve("seizure", exhibit.uid, "*", value="keep")
    assert a.seizures.get(exhibit.uid).deleted_at is None
    assert a.seizures.get(exhibit.uid).notes == "re-weighed"
    BundleService(a).export_case(REF, tmp_path / "r.casebundle")
    BundleService(b).import_bundle(tmp_path / "r.casebundle")
    assert ConflictService(b).list_open() == [] and same(a, b)
    # A plain delete and restore on one machine is no conflict.
    a.seizures.delete(exhibit.uid)
    a.seizures.edit(exhibit.uid, {"notes": "after delete"})
    assert ConflictService(a).list_open() == []


def test_same_reference_made_on_two_machines_keeps_both(pair, tmp_path: Path) -> None:
    a, b = pair
    load_demo(a)
    BundleService(a).export_case(REF, tmp_path / "0.casebundle")
    BundleService(b).import_bundle(tmp_path / "0.casebundle")
    sub = a.seizures.list_all()[0].substance
    new = {"exhibit_ref": "EX-NEW", "seized_on": "2026-01-02", "substance": sub,
           "net_quantity": "1", "unit": "kg"}
    x = a.seizures.add(new, case=REF)
    y = b.seizures.add({**new, "net_quantity": "2"}, case=REF)
    BundleService(a).export_case(REF, tmp_path / "a.casebundle")
    BundleService(b).export_case(REF, tmp_path / "b.casebundle")
    got = BundleService(b).import_bundle(tmp_path / "a.casebundle")
    BundleService(a).import_bundle(tmp_path / "b.casebundle")
    assert len(got.renamed) == 1
    keep, moved = sorted([x.uid, y.uid])
    for ws in (a, b):
        assert ws.seizures.get(keep).exhibit_ref == "EX-NEW"
        assert ws.seizures.get(moved).exhibit_ref == f"EX-NEW (dup {moved[-6:]})"
        flagged = ConflictService(ws).list_open()
        assert [(c.uid, c.field) for c in flagged] == [(moved, "exhibit_ref")]
        assert verify_database(ws.db).ok, verify_database(ws.db).first_problem
    assert same(a, b)
    ConflictService(a).resolve("seizure", moved, "exhibit_ref", value="EX-NEW-B")
    assert ConflictService(a).list_open() == []
    with pytest.raises(Exception, match="already used"):
        ConflictService(b).resolve("seizure", moved, "exhibit_ref", value="EX-NEW")


def test_same_party_added_on_two_machines_is_one_record(pair, tmp_path: Path) -> None:
    a, b = pair
    load_demo(a)
    BundleService(a).export_case(REF, tmp_path / "0.casebundle")
    BundleService(b).import_bundle(tmp_path / "0.casebundle")
    other = [c for c in a.companies.list_all() if c.uid not in
             {x.uid for x in a.cases.show(REF).companies}][0]
    BundleService(a).export_case("CASE-2026-0011", tmp_path / "o.casebundle")
    BundleService(b).import_bundle(tmp_path / "o.casebundle")
    a.companies.add_to_case(other.uid, REF)
    b.companies.add_to_case(other.uid, REF)
    BundleService(a).export_case(REF, tmp_path / "a.casebundle")
    BundleService(b).export_case(REF, tmp_path / "b.casebundle")
    BundleService(b).import_bundle(tmp_path / "a.casebundle")
    BundleService(a).import_bundle(tmp_path / "b.casebundle")
    assert same(a, b)
    assert other.uid in {c.uid for c in b.cases.show(REF).companies}


def test_op_from_a_year_ahead_is_quarantined(pair, tmp_path: Path) -> None:
    from caseapp.sync.hlc import HybridClock, wall_ms_now

    a, b = pair
    load_demo(a)
    BundleService(a).export_case(REF, tmp_path / "0.casebundle")
    BundleService(b).import_bundle(tmp_path / "0.casebundle")
    year = 365 * 24 * 3600 * 1000
    with a.unit() as uow:  # one edit on a machine whose clock runs a year fast
        uow.clock = HybridClock(uow.clock.last, now=lambda: wall_ms_now() + year)
        a.cases.edit_in(uow, a.cases.resolve_in(uow.session, REF, None),
                        {"summary": "from the future"})
    BundleService(a).export_case(REF, tmp_path / "f.casebundle")
    got = BundleService(b).import_bundle(tmp_path / "f.casebundle")
    assert len(got.quarantined) == 1 and "24 h ahead" in got.quarantined[0].reason
    assert b.cases.find(REF).summary != "from the future"
    with b.db.read() as s:
        assert s.execute(select(func.count()).select_from(QuarantinedOp)).scalar() == 1
        hlc = s.execute(select(Meta.value).where(Meta.key == "hlc")).scalar()
    assert int(hlc[:15]) < wall_ms_now() + 3600_000  # the clock did not jump a year
    assert verify_database(b.db).ok
    # The receiver's clock is the import's to pass in: a year later, the change is applied.
    got = BundleService(b, clock=lambda: wall_ms_now() + year).import_bundle(
        tmp_path / "f.casebundle")
    assert got.quarantined == () and got.new_ops == 1
    assert b.cases.find(REF).summary == "from the future"


def test_cli_export_import_conflicts_resolve(tmp_path: Path, capsys, monkeypatch) -> None:
    db_a, db_b = tmp_path / "a.db", tmp_path / "b.db"
    assert main(["--db", str(db_a), "init"]) == 0
    a = Workspace.open(db_a)
    load_demo(a)
    a.close()
    out = tmp_path / "x.casebundle"
    assert main(["--db", str(db_a), "export", REF, "-o", str(out)]) == 0
    assert main(["--db", str(db_b), "init"]) == 0  # same investigator: key already trusted
    capsys.readouterr()
    assert main(["--db", str(db_b), "import", str(out), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["new_records"] > 10 and doc["quarantined"] == []
    shown = []
    for db in (db_a, db_b):
        assert main(["--db", str(db), "case", "show", REF, "--json"]) == 0
        doc = json.loads(capsys.readouterr().out)
        for kind in ("companies", "persons", "shipments"):  # the other cases differ (show)
            for record in doc[kind]:
                record.pop("seen_in")
        shown.append(doc)
    assert shown[0] == shown[1]  # `case show --json` alike on both machines
    assert main(["--db", str(db_b), "conflicts", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["--db", str(db_b), "resolve", "case", REF, "summary", "--pick", "1"]) == 1
    assert "No open conflict" in capsys.readouterr().err
    assert main(["--db", str(db_b), "import", str(tmp_path / "missing.casebundle")]) == 1
    monkeypatch.setenv("PP", "a long passphrase here")
    assert main(["--db", str(db_a), "recipient-key", "-o", str(tmp_path / "me.json")]) == 0
    assert main(["--db", str(db_a), "export", REF, "-o", str(out), "--to",
                 str(tmp_path / "me.json")]) == 0
    assert main(["--db", str(db_b), "import", str(out)]) == 0
    assert "0 new changes" in capsys.readouterr().out
    f = tmp_path / "doc.txt"
    f.write_text("hello")
    assert main(["--db", str(db_a), "attach", REF, str(f)]) == 0


def test_resolve_unknown_record_says_so(pair) -> None:
    with pytest.raises(NotFoundError):
        ConflictService(pair[0]).resolve("case", "NOPE", "summary", pick=1)


def test_same_case_reference_made_on_two_machines_keeps_both(pair, tmp_path: Path) -> None:
    a, b = pair
    x = a.cases.add({"ref": "OP-1", "title": "Alice's"})
    y = b.cases.add({"ref": "OP-1", "title": "Bob's"})
    BundleService(a).export_case("OP-1", tmp_path / "a.casebundle")
    BundleService(b).export_case("OP-1", tmp_path / "b.casebundle")
    BundleService(b).import_bundle(tmp_path / "a.casebundle")
    assert b.cases.get(y.uid).ref == "OP-1"  # the stored case is outside the bundle: untouched
    assert b.cases.get(x.uid).ref == f"OP-1 (dup {x.uid[-6:]})"
    BundleService(a).import_bundle(tmp_path / "b.casebundle")
    for ws, other in ((a, b), (b, a)):
        BundleService(other).export_case(x.uid, tmp_path / "x.casebundle")
        BundleService(other).export_case(y.uid, tmp_path / "y.casebundle")
        BundleService(ws).import_bundle(tmp_path / "x.casebundle")
        BundleService(ws).import_bundle(tmp_path / "y.casebundle")
    assert canonical_dump(a) != "" and {c.ref for c in a.cases.list_all()} == {
        c.ref for c in b.cases.list_all()}
    assert {c.title for c in a.cases.list_all()} == {"Alice's", "Bob's"}
    assert conflict_set(a) == conflict_set(b) and len(conflict_set(a)) == 2
    assert verify_database(a.db).ok and verify_database(b.db).ok


def test_cancelled_export_leaves_no_file(pair, tmp_path: Path) -> None:
    from caseapp.errors import Cancelled
    from caseapp.progress import CancelToken

    a, _ = pair
    load_demo(a)
    token = CancelToken()
    calls = []

    def progress(done: int, total: int, label: str) -> None:
        calls.append(label)
        if done == 1:
            token.cancel()

    with pytest.raises(Cancelled):
        BundleService(a).export_case(REF, tmp_path / "x.casebundle", progress=progress,
                                     cancel=token)
    assert list(tmp_path.glob("*.casebundle*")) == [] and list(tmp_path.glob(".export-*")) == []


def test_a_bulk_import_fills_the_search_index_and_keeps_its_trigger(
        pair, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """New records of a bundle are indexed in one statement per kind (not a trigger run per
    row); the index then holds them and later edits are indexed by the trigger again."""
    from caseapp.db import fts

    monkeypatch.setattr(fts, "BULK_MIN_ROWS", 2)
    a, b = pair
    load_demo(a)
    out = tmp_path / "x.casebundle"
    BundleService(a).export_case(REF, out)
    BundleService(b).import_bundle(out)
    with b.db.read() as s:
        con = s.connection()
        live = con.exec_driver_sql("SELECT uid FROM seizures WHERE deleted_at IS NULL").all()
        indexed = con.exec_driver_sql("SELECT uid FROM search_fts_seizures").all()
        assert len(live) >= 2 and sorted(indexed) == sorted(live)
        assert not fts.missing_triggers(con)
    assert {h.kind for h in b.search.search("Manzanillo")} >= {"seizure"}
    assert verify_database(b.db).ok
    again = BundleService(b).import_bundle(out)  # idempotent: nothing new
    assert again.new_records == 0 and again.new_ops == 0
