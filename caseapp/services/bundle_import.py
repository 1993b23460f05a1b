"""The transaction of a bundle import, after bundle_verify has checked the file.

`BundleService.import_bundle` runs the steps inside one unit of work: `check_receiver` (the
database is sound, which ops are new, who may write them, the sender's audit history),
`apply_changes` (blobs, rebuilt records, the ops under their changesets, the quarantine, the
local clock) and `record` (the bundle in `bundle_imports` and its audit entry). A failure in
any step leaves the database as it was.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from caseapp.db.changelog import UnitOfWork
from caseapp.db.models import BundleImport, Changeset
from caseapp.domain.words import plural
from caseapp.errors import BundleRejected, ImportIntoDamagedDatabase
from caseapp.progress import CancelToken
from caseapp.services import bundle_heads, team
from caseapp.services.bundle_apply import Applier
from caseapp.services.bundle_store import (
    existing_op_ids,
    record_import,
    store_blobs,
    store_changesets,
    store_quarantine,
)
from caseapp.services.bundle_verify import VerifiedBundle
from caseapp.services.catalogue import CATALOGUE_SITE
from caseapp.sync.changesets import SPECIAL_AUTHORS, Held


@dataclass(frozen=True)
class Quarantined:
    op_id: str
    kind: str
    uid: str
    reason: str


@dataclass(frozen=True)
class ImportSummary:
    """What an import did (shown by the CLI and the window)."""

    bundle_id: str
    case_uid: str
    case_ref: str
    exporter: str
    exporter_key: str
    new_ops: int
    duplicate_ops: int
    new_records: int
    updated_records: int
    updated_fields: int
    conflicts_opened: int
    blobs_added: int
    quarantined: tuple[Quarantined, ...]
    renamed: tuple[str, ...]
    imported_before: bool = False

    def lines(self) -> list[str]:
        out = [f"Imported bundle {self.bundle_id} of case {self.case_ref} from "
               f"{self.exporter} (key {self.exporter_key})"
               + (" again; it was imported before." if self.imported_before else "."),
               f"  {plural(self.new_records, 'new record')}, "
               f"{plural(self.updated_fields, 'field')} updated in "
               f"{plural(self.updated_records, 'record')}, {plural(self.new_ops, 'new change')}, "
               f"{self.duplicate_ops:,} already here (skipped), "
               f"{plural(self.blobs_added, 'attachment')}.",
               f"  {plural(self.conflicts_opened, 'conflict')} opened."]
        out += [f"  Renamed: {r}" for r in self.renamed]
        out += [f"  Quarantined {q.kind} {q.uid} change {q.op_id[:12]}…: {q.reason}"
                for q in self.quarantined]
        return out

    def counts(self) -> dict[str, int]:
        """The figures the import's audit entry and `bundle_imports` row keep."""
        out = {k: getattr(self, k) for k in (
            "new_ops", "duplicate_ops", "new_records", "updated_records", "updated_fields",
            "conflicts_opened", "blobs_added")}
        out.update(quarantined=len(self.quarantined), renamed=len(self.renamed))
        return out


@dataclass(frozen=True)
class Pending:
    """The ops of a verified bundle as this database sees them (`check_receiver`)."""

    incoming: list[dict[str, Any]]   # every op not held back, with its changeset_id
    new_ops: list[dict[str, Any]]    # those this database does not hold yet
    held: list[Held]                 # ops quarantined with their whole changeset
    imported_before: bool


def check_receiver(uow: UnitOfWork, bundle: VerifiedBundle, incoming: list[dict[str, Any]],
                   held: list[Held]) -> Pending:
    """Step 1 of the transaction: refuse a damaged database, changes a key may not make here,
    and a sender whose audit history does not extend what earlier bundles showed."""
    s = uow.session
    _check_database(s)
    before = s.execute(select(BundleImport.bundle_id).where(
        BundleImport.bundle_id == bundle.manifest["bundle_id"])).first() is not None
    known = existing_op_ids(s, [op["op_id"] for op in incoming])
    new_ops = [op for op in incoming if op["op_id"] not in known]
    _check_authorship(s, bundle, new_ops, uow.site_id)
    team.receive_versions(s, bundle.manifest.get("team"), uow.now)
    team.check_bundle_ops(s, new_ops)
    bundle_heads.check_and_remember(s, bundle.manifest, uow.now)
    return Pending(incoming, new_ops, held, before)


def apply_changes(uow: UnitOfWork, bundle: VerifiedBundle, pending: Pending,
                  cancel: CancelToken) -> ImportSummary:
    """Step 2: store the blobs, rebuild the touched records, store the new ops under their
    changesets and the held ones in the quarantine, move the clock; returns the summary."""
    s, manifest, new_ops = uow.session, bundle.manifest, pending.new_ops
    cancel.check()
    shas = {op["fields"]["sha256"] for op in new_ops
            if op["kind"] == "attachment" and op["fields"].get("sha256")}
    bundled = {b["sha256"] for b in manifest["blobs"]}
    added = store_blobs(s, ((sha, bundle.reader.blob(sha)) for sha in sorted(shas & bundled)))
    cancel.check()
    made = {cs.doc["id"]: (cs.doc["made_at"], cs.doc["author_name"])
            for cs in bundle.changesets}
    result = Applier(uow, made, manifest["scope"]["case_uid"]).apply(new_ops)
    cancel.check()
    store_changesets(s, [cs.doc for cs in bundle.changesets], new_ops)
    cancel.check()
    store_quarantine(s, manifest["bundle_id"], pending.held, uow.now)
    if new_ops:
        uow.clock.observe(max(op["hlc"] for op in new_ops))
    exp = manifest["exporter"]
    return ImportSummary(
        bundle_id=manifest["bundle_id"], case_uid=manifest["scope"]["case_uid"],
        case_ref=manifest["scope"]["case_ref"], exporter=str(exp.get("name")),
        exporter_key=exp["key_id"], new_ops=len(new_ops),
        duplicate_ops=len(pending.incoming) - len(new_ops), new_records=result.new_records,
        updated_records=result.updated_records, updated_fields=result.updated_fields,
        conflicts_opened=result.conflicts_opened, blobs_added=added,
        quarantined=tuple(Quarantined(op["op_id"], op["kind"], op["uid"], reason)
                          for op, _cs, reason in pending.held),
        renamed=tuple(result.renamed), imported_before=pending.imported_before)


def record(uow: UnitOfWork, bundle: VerifiedBundle, path: Path,
           summary: ImportSummary) -> None:
    """Step 3: the bundle in `bundle_imports` and one `import` audit entry."""
    counts = summary.counts()
    record_import(uow.session, bundle.manifest, uow.now, counts)
    uow.audit("import", case_uid=summary.case_uid, changes={
        "bundle_id": summary.bundle_id, "file_sha256": bundle.file_sha256, **counts},
        detail=f"imported bundle {path.name} of case {summary.case_ref} from "
               f"{summary.exporter} (key {summary.exporter_key})")


def _check_database(session: Session) -> None:
    """Refuse to merge into a damaged database: the merge reads what is stored to decide what
    to write, so a broken page could spread. `quick_check` is integrity_check without the
    index cross-check: linear in the file's size."""
    found = [str(r[0]) for r in session.execute(text("PRAGMA quick_check(5)"))]
    if found != ["ok"]:
        raise ImportIntoDamagedDatabase(
            f"This database is damaged (SQLite's check found: {found[0][:200]}); nothing was "
            "imported. Check the database, and restore the latest backup before importing.")


def _check_authorship(session: Session, bundle: VerifiedBundle, new_ops: list[dict[str, Any]],
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
    for cs in bundle.changesets:
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


__all__ = ["ImportSummary", "Pending", "Quarantined", "apply_changes", "check_receiver",
           "record"]
