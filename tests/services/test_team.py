"""Team roles: a signed team list decides who may write, approve and manage, offline; it
travels in bundles, and an import refuses changes by a key that was not a writing member when
it made them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from caseapp.cli.main import main
from caseapp.errors import BundleRejected, PermissionDenied, ValidationError
from caseapp.services.bundles import BundleService
from caseapp.services.demo import load_demo
from caseapp.services.identity import local_signer
from caseapp.services.workspace import Workspace
from caseapp.sync.signing import short_fingerprint
from caseapp.sync.team import TeamListInvalid, check_chain, parse
from tests import rawdb
from tests.sync.helpers import new_signer, open_ws, pub_file, trust

REF = "CASE-2026-0007"


def purity(ws: Workspace) -> str:
    seizure = next(s for s in ws.cases.show(REF).seizures if s.exhibit_ref == "EX-0007-03")
    return str(seizure.purity_percent)


def test_cli_team_init_add_revoke_show(ws, tmp_path: Path,  # type: ignore[no-untyped-def]
                                       capsys: pytest.CaptureFixture[str]) -> None:
    db = ["--db", str(ws.db.path)]
    ws.close()
    assert main([*db, "team", "show"]) == 0
    assert "No team list" in capsys.readouterr().out
    assert main([*db, "team", "init", "--name", "Precursor desk"]) == 0
    bob = new_signer("Bob Reyes")
    assert main([*db, "team", "add", str(pub_file(bob, tmp_path)), "--role", "reviewer"]) == 0
    assert main([*db, "team", "revoke", bob.key_id[:10]]) == 0
    capsys.readouterr()
    assert main([*db, "team", "show", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["name"] == "Precursor desk" and doc["version"] == 3
    roles = {(m["name"], m["role"], m["active"]) for m in doc["members"]}
    assert roles == {("tester", "admin", True), ("Bob Reyes", "reviewer", False)}
    assert doc["members"][1]["fingerprint"] == short_fingerprint(bob.key_id)
    with pytest.raises(SystemExit) as usage:
        main([*db, "team", "add", str(pub_file(bob, tmp_path)), "--role", "boss"])
    assert usage.value.code == 2
    assert main([*db, "whoami"]) == 0
    assert "tester  admin  key " in capsys.readouterr().out


def test_only_an_admin_changes_the_list_and_versions_chain(ws, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws.team.init()
    carol = new_signer("Carol")
    ws.team.add(pub_file(carol, tmp_path), "investigator")
    with Workspace.open(ws.db.path, signer=carol) as other, \
            pytest.raises(PermissionDenied, match="Only a team admin"):
        other.team.add(pub_file(new_signer("Dan"), tmp_path), "admin")
    with ws.db.read() as s:
        from caseapp.services.team import load_versions
        versions = load_versions(s)
    check_chain(versions)
    forged = parse(versions[1].document.replace('"investigator"', '"admin"'),
                   versions[1].signed_by, versions[1].signature)
    with pytest.raises(TeamListInvalid, match="does not verify"):
        check_chain([versions[0], forged])
    with pytest.raises(ValidationError, match="already has a team list"):
        ws.team.init()


def test_a_reviewer_reads_and_prints_but_cannot_write(demo_ws, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    admin = new_signer("Lt. Ana Ruiz")
    me = local_signer()  # the key demo_ws and the command line use
    with Workspace.open(demo_ws.db.path, signer=admin) as a:
        a.team.init()
        a.team.add(pub_file(me, tmp_path), "reviewer")
    before = purity(demo_ws)
    with pytest.raises(PermissionDenied, match="reviewer"):
        demo_ws.seizures.edit("EX-0007-03", {"purity_percent": "50"}, case=REF)
    db = ["--db", str(demo_ws.db.path)]
    assert main([*db, "edit", "seizure", "EX-0007-03", "purity_percent=50", "--case", REF]) == 1
    err = capsys.readouterr().err
    assert "a reviewer may not change records" in err and "nothing was changed" in err
    assert "caseapp team show" in err  # the next step
    assert purity(demo_ws) == before
    assert main([*db, "report", REF, "-o", str(tmp_path / "r.pdf")]) == 0  # printing is reading
    assert main([*db, "search", "vitamin"]) == 0


def test_revoked_keys_later_changes_are_refused_earlier_ones_stay(tmp_path: Path) -> None:
    alice, bob = open_ws(tmp_path / "a.db", "alice"), open_ws(tmp_path / "b.db", "bob")
    trust(bob, alice)
    load_demo(alice)
    alice.team.init("Precursor desk")
    alice.team.add(pub_file(bob.identity.signer, tmp_path), "investigator")
    BundleService(alice).export_case(REF, tmp_path / "a.casebundle")
    BundleService(bob).import_bundle(tmp_path / "a.casebundle")
    assert bob.team.role_of(bob.identity.signer.key_id) == "investigator"  # it travelled

    bob.seizures.edit("EX-0007-03", {"purity_percent": "50"}, case=REF)
    BundleService(bob).export_case(REF, tmp_path / "b1.casebundle")
    alice.team.revoke("bob")  # bob's laptop was lost
    bob.seizures.edit("EX-0007-01", {"lab_ref": "LAB-after-revocation"}, case=REF)
    BundleService(bob).export_case(REF, tmp_path / "b2.casebundle")

    BundleService(alice).import_bundle(tmp_path / "b1.casebundle")
    assert purity(alice) == "50"  # made while bob was a member: accepted
    with pytest.raises(BundleRejected, match="revoked in the team list"):
        BundleService(alice).import_bundle(tmp_path / "b2.casebundle")
    assert purity(alice) == "50"  # the earlier change stays
    seizure = next(s for s in alice.cases.show(REF).seizures if s.exhibit_ref == "EX-0007-01")
    assert seizure.lab_ref != "LAB-after-revocation"
    alice.close()
    bob.close()


def test_verify_checks_the_team_list(ws, tmp_path: Path,  # type: ignore[no-untyped-def]
                                     capsys: pytest.CaptureFixture[str]) -> None:

    ws.team.init()
    ws.team.add(pub_file(new_signer("Carol"), tmp_path), "investigator")
    path = ws.db.path
    ws.close()
    assert main(["--db", str(path), "verify"]) == 0
    assert "2 team list versions" in capsys.readouterr().out
    con = rawdb.connect(path)
    con.execute("UPDATE team_versions SET document = replace(document, '\"investigator\"', "
                "'\"admin\"') WHERE version = 2")
    con.commit()
    con.close()
    assert main(["--db", str(path), "verify"]) == 1
    assert "does not verify" in capsys.readouterr().out


def test_a_new_members_bundle_brings_the_list_that_vouches_for_them(tmp_path: Path) -> None:
    alice, carol = open_ws(tmp_path / "a.db", "alice"), open_ws(tmp_path / "c.db", "carol")
    bob = open_ws(tmp_path / "b.db", "bob")
    trust(carol, alice)
    trust(bob, alice)  # bob knows only the admin's key
    load_demo(alice)
    alice.team.init("Precursor desk")
    alice.team.add(pub_file(carol.identity.signer, tmp_path), "investigator")
    BundleService(alice).export_case(REF, tmp_path / "a.casebundle")
    BundleService(carol).import_bundle(tmp_path / "a.casebundle")
    carol.seizures.edit("EX-0007-03", {"purity_percent": "50"}, case=REF)
    BundleService(carol).export_case(REF, tmp_path / "c.casebundle")
    summary = BundleService(bob).import_bundle(tmp_path / "c.casebundle")
    assert summary.exporter == "carol" and purity(bob) == "50"
    assert bob.team.role_of(carol.identity.signer.key_id) == "investigator"
    for ws in (alice, bob, carol):
        ws.close()
