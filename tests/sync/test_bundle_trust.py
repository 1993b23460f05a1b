"""A colleague the receiver trusts, or someone holding their key, sends a bundle that reaches
beyond its case or lies about who made a change: each is refused and nothing changes.

The bundles are built as an attacker would: the real export of case X by alice, with extra
changesets appended, every hash and signature made correctly with alice's key (which bob
trusts). Each test imports the forged file into a copy of bob's database.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from caseapp.db.changelog import Identity, sign_op_ids
from caseapp.db.engine import Database
from caseapp.db.models import Case, Seizure, Shipment
from caseapp.errors import BundleRejected
from caseapp.services.bundles import BundleService
from caseapp.services.demo import load_demo
from caseapp.services.verify import verify_database
from caseapp.services.workspace import Workspace
from caseapp.sync.canonical import canonical_hash, canonical_json
from caseapp.sync.signing import Signer
from tests import rawdb
from tests.sync.helpers import file_state, open_ws, trust
from tests.sync.test_bundle_hostile import entries_of, forge

REF = "CASE-2026-0007"
HLC = "001790000000000.00000"


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("trust")
    a, b = open_ws(tmp / "a.db", "alice"), open_ws(tmp / "b.db", "bob")
    trust(b, a)
    load_demo(a)
    BundleService(a).export_case(REF, tmp / "good.casebundle")
    BundleService(b).import_bundle(tmp / "good.casebundle")
    # bob's own case, which alice's bundles must never reach
    b.cases.add({"ref": "CASE-B-1", "title": "Bob's own case", "lead_investigator": "Bob"})
    b.shipments.add({"ref": "SH-B", "mode": "postal"}, case="CASE-B-1")
    b.seizures.add({"exhibit_ref": "EX-B", "seized_on": "2026-03-02", "substance": "NPP",
                    "net_quantity": "2.5", "unit": "kg", "shipment": "SH-B"}, case="CASE-B-1")
    with b.db.read() as s:
        ids = {
            "x": s.execute(select(Case.uid).where(Case.ref == REF)).scalar_one(),
            "y": s.execute(select(Case.uid).where(Case.ref == "CASE-B-1")).scalar_one(),
            "seizure_y": s.execute(select(Seizure.uid).where(Seizure.exhibit_ref == "EX-B")
                                   ).scalar_one(),
            "shipment_y": s.execute(select(Shipment.uid).where(Shipment.ref == "SH-B")
                                    ).scalar_one(),
        }
        ids["seizure_x"] = s.execute(select(Seizure.uid).where(Seizure.case_uid == ids["x"])
                                     ).scalars().first()
    signer = a.identity.signer
    site = _site_of(a)
    a.close()
    identity = b.identity
    b.close()
    yield {"dir": tmp, "db": tmp / "b.db", "signer": signer, "identity": identity, "site": site,
           "good": (tmp / "good.casebundle").read_bytes(), **ids}


def _site_of(ws: Workspace) -> str:
    from caseapp.db.changelog import read_meta
    with ws.db.read() as s:
        return str(read_meta(s, "site_id"))


def make_op(setup: dict[str, Any], kind: str, uid: str, case_uid: str | None,
            fields: dict[str, Any], *, site: str | None = None, author: str | None = None,
            hlc: str = HLC) -> dict[str, Any]:
    op = {"kind": kind, "uid": uid, "case_uid": case_uid, "fields": fields, "prev": {},
          "hlc": hlc, "site_id": site or setup["site"],
          "author_key": author or setup["signer"].key_id}
    op["op_id"] = canonical_hash(op)
    return op


def changeset(signer: Signer, ops: list[dict[str, Any]], *, site: str,
              name: str | None = None, made_at: str = "2026-11-01T10:00:00.000Z"
              ) -> dict[str, Any]:
    op_ids = sorted(op["op_id"] for op in ops)
    return {"id": canonical_hash({"author_key": signer.key_id, "op_ids": op_ids}),
            "author_key": signer.key_id, "author_name": name or signer.name,
            "public_key": signer.public_hex, "site_id": site, "hlc": ops[-1]["hlc"],
            "made_at": made_at, "signature": sign_op_ids(signer, op_ids), "op_ids": op_ids,
            "ops": ops}


def with_changesets(setup: dict[str, Any], *extra: dict[str, Any]) -> bytes:
    return forge(setup, lines=lambda docs: [canonical_json(d) for d in docs]
                 + [canonical_json(cs) for cs in extra])


def bob(setup: dict[str, Any], tmp_path: Path) -> Workspace:
    path = tmp_path / "b.db"
    rawdb.copy_database(setup["db"], path)
    return Workspace(Database(path), Identity(setup["identity"].signer))


def refused(setup: dict[str, Any], tmp_path: Path, data: bytes) -> str:
    """Import `data` into a copy of bob's database: refused, and not one byte changed."""
    ws = bob(setup, tmp_path)
    bundle = tmp_path / "forged.casebundle"
    bundle.write_bytes(data)
    before = file_state(ws.db.path)
    try:
        with pytest.raises(BundleRejected) as err:
            BundleService(ws).import_bundle(bundle)
    finally:
        ws.close()
    assert file_state(tmp_path / "b.db") == before, "the database changed"
    return err.value.message


def accepted(setup: dict[str, Any], tmp_path: Path, data: bytes) -> Workspace:
    ws = bob(setup, tmp_path)
    bundle = tmp_path / "forged.casebundle"
    bundle.write_bytes(data)
    BundleService(ws).import_bundle(bundle)
    return ws


def test_a_forged_change_inside_the_case_is_accepted(setup, tmp_path: Path) -> None:
    """The forger is sound: an edit of case X's own seizure, made the same way, imports."""
    op = make_op(setup, "seizure", setup["seizure_x"], setup["x"], {"notes": "re-weighed"})
    ws = accepted(setup, tmp_path, with_changesets(
        setup, changeset(setup["signer"], [op], site=setup["site"])))
    with ws.db.read() as s:
        notes = s.execute(select(Seizure.notes).where(Seizure.uid == setup["seizure_x"])
                          ).scalar_one()
    ws.close()
    assert notes == "re-weighed"


@pytest.mark.parametrize("fields", [
    {"notes": "edited from another case"},
    {"case_uid": "X"},                      # moved into the bundle's case
    {"deleted_at": "2026-11-01T10:00:00.000Z"},
], ids=["edit", "move", "delete"])
def test_a_bundle_cannot_touch_another_cases_seizure(setup, tmp_path: Path,
                                                      fields: dict[str, Any]) -> None:
    fields = {k: (setup["x"] if v == "X" else v) for k, v in fields.items()}
    op = make_op(setup, "seizure", setup["seizure_y"], setup["x"], fields)
    message = refused(setup, tmp_path, with_changesets(
        setup, changeset(setup["signer"], [op], site=setup["site"])))
    assert "outside its case" in message and "EX-B" in message and "CASE-B-1" in message


def test_a_link_to_another_cases_seizure_is_refused(setup, tmp_path: Path) -> None:
    op = make_op(setup, "link", "019a0000-0000-7000-8000-00000000aaaa", setup["x"], {
        "case_uid": setup["x"], "subject_kind": "seizure", "subject": setup["seizure_y"],
        "relation": "seized_from", "object_kind": "shipment", "object": setup["shipment_y"]})
    message = refused(setup, tmp_path, with_changesets(
        setup, changeset(setup["signer"], [op], site=setup["site"])))
    assert "outside its case" in message and "CASE-B-1" in message


def test_a_seizure_pointing_at_another_cases_shipment_is_refused(setup, tmp_path: Path) -> None:
    op = make_op(setup, "seizure", setup["seizure_x"], setup["x"],
                 {"shipment": setup["shipment_y"]})
    message = refused(setup, tmp_path, with_changesets(
        setup, changeset(setup["signer"], [op], site=setup["site"])))
    assert "SH-B" not in message or "CASE-B-1" in message
    assert "outside its case" in message


def test_a_pointer_at_another_case_is_refused_even_when_it_loses_the_merge(
        setup, tmp_path: Path) -> None:
    """The merged row shows no shipment, but the losing op names another case's shipment (it
    could win later, when a conflict is settled its way)."""
    losing = make_op(setup, "seizure", setup["seizure_x"], setup["x"],
                     {"shipment": setup["shipment_y"]}, hlc="001780000000000.00000")
    winning = make_op(setup, "seizure", setup["seizure_x"], setup["x"], {"shipment": None})
    message = refused(setup, tmp_path, with_changesets(
        setup, changeset(setup["signer"], [losing, winning], site=setup["site"])))
    assert "outside its case" in message and "would point (shipment)" in message


def test_a_note_on_another_case_is_refused(setup, tmp_path: Path) -> None:
    op = make_op(setup, "note", "019a0000-0000-7000-8000-00000000bbbb", setup["x"], {
        "case_uid": setup["x"], "target_kind": "case", "target_uid": setup["y"],
        "body": "planted"})
    assert "outside its case" in refused(setup, tmp_path, with_changesets(
        setup, changeset(setup["signer"], [op], site=setup["site"])))


def test_verify_finds_a_record_whose_ops_claim_another_case(setup, tmp_path: Path) -> None:
    """What the old import let through is now also caught in the database itself."""
    ws = bob(setup, tmp_path)
    assert verify_database(ws.db).ok
    ws.close()
    con = rawdb.connect(tmp_path / "b.db")
    con.execute("UPDATE seizures SET case_uid = ? WHERE uid = ?", (setup["x"],
                                                                   setup["seizure_y"]))
    con.commit()
    con.close()
    db = Database(tmp_path / "b.db")
    report = verify_database(db)
    db.dispose()
    assert not report.ok
    assert any("claims case" in p for c in report.checks for p in c.problems)


def test_the_good_bundle_has_what_the_tests_assume(setup) -> None:
    assert set(entries_of(setup["good"])) >= {"manifest.json", "changesets.jsonl"}


# --- who made a change -------------------------------------------------------------------

def test_the_name_shown_is_the_trust_stores_not_the_changesets(setup, tmp_path: Path) -> None:
    """A changeset signed by alice's key that calls itself 'bob' is shown as alice's."""
    from caseapp.db.models import Changeset

    op = make_op(setup, "seizure", setup["seizure_x"], setup["x"], {"notes": "who wrote me?"})
    cs = changeset(setup["signer"], [op], site=setup["site"], name="bob")
    ws = accepted(setup, tmp_path, with_changesets(setup, cs))
    with ws.db.read() as s:
        stored = s.execute(select(Changeset.author_name).where(Changeset.id == cs["id"])
                           ).scalar_one()
    ws.close()
    assert stored == "alice"


def test_a_catalogue_op_that_is_not_the_shipped_catalogue_is_refused(setup, tmp_path) -> None:
    from caseapp.db.models import Substance

    ws = bob(setup, tmp_path)
    with ws.db.read() as s:
        npp = s.execute(select(Substance.uid).where(
            Substance.name == "N-Phenethyl-4-piperidone")).scalar_one()
    ws.close()
    op = make_op(setup, "substance", npp, None, {"name": "Vitamin C"}, site="catalogue",
                 author="catalogue")
    message = refused(setup, tmp_path, with_changesets(
        setup, changeset(setup["signer"], [op], site="catalogue")))
    assert "catalogue" in message


def test_a_merge_op_that_is_not_a_key_rename_is_refused(setup, tmp_path: Path) -> None:
    op = make_op(setup, "seizure", setup["seizure_x"], setup["x"], {"purity_percent": "99"},
                 site="merge", author="merge")
    message = refused(setup, tmp_path, with_changesets(
        setup, changeset(setup["signer"], [op], site="merge")))
    assert "reserved author 'merge'" in message


def test_an_op_on_another_site_than_its_changeset_is_refused(setup, tmp_path: Path) -> None:
    op = make_op(setup, "seizure", setup["seizure_x"], setup["x"], {"notes": "x"},
                 site="abc123")
    message = refused(setup, tmp_path, with_changesets(
        setup, changeset(setup["signer"], [op], site=setup["site"])))
    assert "another author or site" in message


def test_changes_claiming_the_receivers_own_site_are_refused(setup, tmp_path: Path) -> None:
    ws = bob(setup, tmp_path)
    own = _site_of(ws)
    ws.close()
    op = make_op(setup, "seizure", setup["seizure_x"], setup["x"], {"notes": "made here?"},
                 site=own)
    message = refused(setup, tmp_path, with_changesets(
        setup, changeset(setup["signer"], [op], site=own)))
    assert "made on this machine" in message


def test_a_site_is_bound_to_its_key(setup, tmp_path: Path) -> None:
    """carol, also trusted by bob, signs changes on alice's site: refused."""
    from tests.sync.helpers import new_signer

    carol = new_signer("carol")
    ws = bob(setup, tmp_path)
    from caseapp.db.models import TrustedKey
    with ws.db.begin() as s:
        s.execute(TrustedKey.__table__.insert().values(
            key_id=carol.key_id, public_key=carol.public_hex, name="carol",
            added_at="2026-01-01T00:00:00Z"))
    ws.close()
    op = make_op(setup, "seizure", setup["seizure_x"], setup["x"], {"notes": "as alice"},
                 author=carol.key_id)
    bundle = tmp_path / "forged.casebundle"
    bundle.write_bytes(with_changesets(setup, changeset(carol, [op], site=setup["site"])))
    db = tmp_path / "b.db"
    before = file_state(db)
    ws = Workspace(Database(db), Identity(setup["identity"].signer))
    try:
        with pytest.raises(BundleRejected) as err:
            BundleService(ws).import_bundle(bundle)
    finally:
        ws.close()
    assert file_state(db) == before
    assert "belongs to key" in err.value.message and setup["signer"].key_id in err.value.message


@pytest.mark.parametrize("made_at", ["9999-12-31T23:59:59.000Z", "<b>2026</b>",
                                     "2026-13-01T00:00:00.000Z", "1970-01-01T00:00:00.000Z"])
def test_made_at_must_be_a_plausible_utc_time(setup, tmp_path: Path, made_at: str) -> None:
    op = make_op(setup, "seizure", setup["seizure_x"], setup["x"], {"notes": "when?"})
    message = refused(setup, tmp_path, with_changesets(
        setup, changeset(setup["signer"], [op], site=setup["site"], made_at=made_at)))
    assert "not a UTC time" in message


def test_an_author_name_of_megabytes_is_refused(setup, tmp_path: Path) -> None:
    op = make_op(setup, "seizure", setup["seizure_x"], setup["x"], {"notes": "long"})
    message = refused(setup, tmp_path, with_changesets(
        setup, changeset(setup["signer"], [op], site=setup["site"], name="A" * 1_000_000)))
    assert "author name" in message


def test_a_new_key_on_a_database_gets_a_site_of_its_own(setup, tmp_path: Path) -> None:
    from tests.sync.helpers import new_signer

    ws = bob(setup, tmp_path)
    first = _site_of(ws)
    ws.close()
    other = Workspace(Database(tmp_path / "b.db"), Identity(new_signer("dave")))
    other.cases.add({"ref": "CASE-D", "title": "Dave's"})
    second = _site_of(other)
    other.close()
    assert second != first


def test_an_import_into_a_damaged_database_is_refused(setup, tmp_path: Path) -> None:
    """A page of an index overwritten: the import is refused before anything is merged."""
    ws = bob(setup, tmp_path)
    ws.close()
    db = tmp_path / "b.db"
    con = rawdb.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    (page_size,) = con.execute("PRAGMA page_size").fetchone()
    (root,) = con.execute("SELECT rootpage FROM sqlite_master WHERE name = "
                          "'ix_seizures_seized_on'").fetchone()
    con.close()
    data = bytearray(db.read_bytes())
    start = (root - 1) * int(page_size)
    data[start + 8:start + 8 + 64] = b"\xff" * 64   # cells of the index page garbled
    db.write_bytes(bytes(data))
    op = make_op(setup, "seizure", setup["seizure_x"], setup["x"], {"notes": "into a wreck"})
    bundle = tmp_path / "forged.casebundle"
    bundle.write_bytes(with_changesets(setup, changeset(setup["signer"], [op],
                                                        site=setup["site"])))
    before = db.read_bytes()
    ws = Workspace(Database(db), Identity(setup["identity"].signer))
    try:
        with pytest.raises(BundleRejected, match="This database is damaged"):
            BundleService(ws).import_bundle(bundle)
    finally:
        ws.close()
    assert db.read_bytes() == before


def test_conflicts_name_the_key_holder_from_the_trust_store(setup, tmp_path: Path) -> None:
    """Two concurrent notes on one seizure: `conflicts` shows alice's edit as alice's, though
    her changeset called itself 'bob'; bob's own edit as bob's."""
    from caseapp.services.conflicts import ConflictService

    ws = bob(setup, tmp_path)
    ws.seizures.edit(setup["seizure_x"], {"notes": "bob's note"}, case=REF)
    ws.close()
    op = make_op(setup, "seizure", setup["seizure_x"], setup["x"], {"notes": "alice's note"})
    data = with_changesets(setup, changeset(setup["signer"], [op], site=setup["site"],
                                            name="bob"))
    bundle = tmp_path / "forged.casebundle"
    bundle.write_bytes(data)
    ws = Workspace(Database(tmp_path / "b.db"), Identity(setup["identity"].signer))
    try:
        BundleService(ws).import_bundle(bundle)
        found = ConflictService(ws).list_open()
        (conflict,) = [c for c in found if c.field == "notes"]
    finally:
        ws.close()
    by_value = {v.value: v.author for v in conflict.values}
    assert by_value == {"alice's note": "alice", "bob's note": "bob"}


def test_caseapp_import_refuses_a_bundle_reaching_outside_its_case(setup, tmp_path: Path,
                                                                  capsys) -> None:
    """Through the command: exit 1, one sentence naming the other case, nothing changed."""
    from caseapp.cli.main import main

    op = make_op(setup, "seizure", setup["seizure_y"], setup["x"], {"notes": "via the CLI"})
    ws = bob(setup, tmp_path)
    ws.close()
    bundle = tmp_path / "forged.casebundle"
    bundle.write_bytes(with_changesets(setup, changeset(setup["signer"], [op],
                                                        site=setup["site"])))
    before = file_state(tmp_path / "b.db")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("caseapp.services.workspace.local_signer",
                   lambda *_a, **_k: setup["identity"].signer)
        code = main(["--db", str(tmp_path / "b.db"), "import", str(bundle)])
    err = capsys.readouterr().err
    assert code == 1 and "outside its case" in err and "CASE-B-1" in err
    assert "Traceback" not in err and "unexpected error" not in err
    assert file_state(tmp_path / "b.db") == before
