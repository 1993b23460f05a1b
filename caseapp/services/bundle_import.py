"""The one transaction of a bundle import, after `BundleService` has verified the bundle."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from caseapp.db import changelog
from caseapp.db.models import BundleImport, Changeset
from caseapp.errors import BundleRejected, ImportIntoDamagedDatabase
from caseapp.progress import CancelToken, ProgressCallback
from caseapp.services import bundle_heads
from caseapp.services.bundle_apply import Applier, existing_op_ids, store_blobs, store_changesets
from caseapp.services.catalogue import CATALOGUE_SITE
from caseapp.sync.changesets import SPECIAL_AUTHORS

if TYPE_CHECKING:
    from caseapp.services.bundles import ImportSummary, _Verified
    from caseapp.services.workspace import Workspace


def _split_quarantine(v: _Verified) -> tuple[list[dict[str, Any]], list[tuple[
        dict[str, Any], dict[str, Any], str]]]:
    """Ops to apply, and ops held back: a changeset stamped > 24 h ahead waits whole."""
    clock = changelog.HybridClock()  # type: ignore[attr-defined]  # patched in tests
    apply, held = [], []
    for cs in v.changesets:
        ahead = [op for op in cs.ops if clock.is_too_far_ahead(op["hlc"])]
        if ahead:
            reason = (f"stamped {ahead[0]['hlc'][:15]} ms, more than 24 h ahead of this "
                      f"machine's clock (the sender's clock is probably wrong); not applied")
            held += [(op, cs.doc, reason) for op in cs.ops]
        else:
            apply += [{**op, "changeset_id": cs.doc["id"]} for op in cs.ops]
    return apply, held


def _check_database(session: Session) -> None:
    """Refuse to merge into a damaged database: the merge reads what is stored to decide what
    to write, so a broken page could spread. `quick_check` is integrity_check without the
    index cross-check: linear in the file's size."""
    found = [str(r[0]) for r in session.execute(text("PRAGMA quick_check(5)"))]
    if found != ["ok"]:
        raise ImportIntoDamagedDatabase(
            f"This database is damaged (SQLite's check found: {found[0][:200]}); nothing was "
            "imported. Check the database, and restore the latest backup before importing.")


def _check_authorship(session: Session, v: _Verified, new_ops: list[dict[str, Any]],
                      own_site: str) -> None:
    """Reserved authors and sites bound to keys, against what this database holds.

    A `catalogue` op is caseapp's shipped seed: one this machine does not already hold is
    refused. A site belongs to the key that first wrote on it: ops on this machine's own site,
    or on a site another key wrote on, are refused (a bundle cannot pass its changes off as made
    here or by someone else)."""
    seeded = [op for op in new_ops if op["author_key"] == CATALOGUE_SITE]
    if seeded:
        raise BundleRejected(
            f"This bundle carries a change that claims to be part of caseapp's shipped substance "
            f"catalogue (substance {seeded[0]['uid']}) but is not the catalogue this caseapp "
            "ships. Nothing was imported.")
    fresh = {op["changeset_id"] for op in new_ops}
    claims: dict[str, set[str]] = defaultdict(set)
    for cs in v.changesets:
        if cs.doc["id"] in fresh and cs.doc["site_id"] not in SPECIAL_AUTHORS:
            claims[cs.doc["site_id"]].add(cs.author_key)
    if not claims:
        return
    bound: dict[str, set[str]] = defaultdict(set)
    for site, key in session.execute(select(Changeset.site_id, Changeset.author_key).where(
            Changeset.site_id.in_(list(claims))).distinct()):
        bound[site].add(key)
    for site, keys in sorted(claims.items()):
        if site == own_site:
            raise BundleRejected(f"This bundle carries changes that claim to be made on this "
                                 f"machine (site {site}), which they were not. Nothing was "
                                 "imported.")
        owners = bound[site] or {min(keys)}  # a new site: one key may claim it, not two
        strangers = sorted(keys - owners)
        if strangers:
            raise BundleRejected(f"This bundle carries changes on site {site} signed by key "
                                 f"{strangers[0]}, but that site belongs to key "
                                 f"{', '.join(sorted(owners))}: a key may not write as another's "
                                 "site. Nothing was imported.")


def apply_verified(ws: Workspace, v: _Verified, path: Path, cancel: CancelToken,
                   progress: ProgressCallback) -> ImportSummary:
    from caseapp.services.bundles import (
        ImportSummary,
        Quarantined,
        record_import,
        store_quarantine,
    )

    manifest = v.manifest
    incoming, held = _split_quarantine(v)
    progress(3, 5, "Applying changes")
    with ws.unit() as uow:
        s = uow.session
        _check_database(s)
        before = s.execute(select(BundleImport.bundle_id).where(
            BundleImport.bundle_id == manifest["bundle_id"])).first() is not None
        known = existing_op_ids(s, [op["op_id"] for op in incoming])
        new_ops = [op for op in incoming if op["op_id"] not in known]
        _check_authorship(s, v, new_ops, uow.site_id)
        bundle_heads.check_and_remember(s, manifest, uow.now)
        cancel.check()
        shas = {op["fields"]["sha256"] for op in new_ops
                if op["kind"] == "attachment" and op["fields"].get("sha256")}
        bundled = {b["sha256"] for b in manifest["blobs"]}
        added = store_blobs(s, ((sha, v.reader.blob(sha)) for sha in sorted(shas & bundled)))
        cancel.check()
        made = {cs.doc["id"]: (cs.doc["made_at"], cs.doc["author_name"])
                for cs in v.changesets}
        result = Applier(uow, made, manifest["scope"]["case_uid"]).apply(new_ops)
        cancel.check()
        store_changesets(s, [cs.doc for cs in v.changesets], new_ops)
        cancel.check()
        store_quarantine(s, manifest["bundle_id"], held, uow.now)
        if new_ops:
            uow.clock.observe(max(op["hlc"] for op in new_ops))
        exp = manifest["exporter"]
        summary = ImportSummary(
            bundle_id=manifest["bundle_id"], case_uid=manifest["scope"]["case_uid"],
            case_ref=manifest["scope"]["case_ref"], exporter=str(exp.get("name")),
            exporter_key=exp["key_id"], new_ops=len(new_ops),
            duplicate_ops=len(incoming) - len(new_ops), new_records=result.new_records,
            updated_records=result.updated_records, updated_fields=result.updated_fields,
            conflicts_opened=result.conflicts_opened, blobs_added=added,
            quarantined=tuple(Quarantined(op["op_id"], op["kind"], op["uid"], reason)
                              for op, _cs, reason in held),
            renamed=tuple(result.renamed), imported_before=before)
        counts = {k: getattr(summary, k) for k in (
            "new_ops", "duplicate_ops", "new_records", "updated_records", "updated_fields",
            "conflicts_opened", "blobs_added")}
        counts.update(quarantined=len(held), renamed=len(result.renamed))
        record_import(s, manifest, uow.now, counts)
        uow.audit("import", case_uid=summary.case_uid, changes={
            "bundle_id": summary.bundle_id, "file_sha256": v.file_sha256, **counts},
            detail=f"imported bundle {path.name} of case {summary.case_ref} from "
                   f"{summary.exporter} (key {summary.exporter_key})")
        progress(4, 5, "Committing")
    progress(5, 5, "Done")
    return summary
