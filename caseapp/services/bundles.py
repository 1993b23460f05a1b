"""Case bundles: signed export of one case, and all-or-nothing, order-free import (sync.md).

`BundleService(ws).export_case(ref, out)` writes the case, the companies, persons and
substances it references, their signed changesets and attachment blobs. `import_bundle(path)`
verifies everything (container, manifest signature, hashes, changeset signatures, op ids,
schema allow-list, trust, clock skew) before one transaction applies it. Both take
`progress(done, total, label)` and a `CancelToken`, and run from a worker thread.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from caseapp import __version__
from caseapp.db import changelog
from caseapp.db.models import BundleImport, QuarantinedOp, TrustedKey
from caseapp.domain.kinds import SHARED_KINDS
from caseapp.errors import BundleRejected, CaseAppError, UntrustedKey
from caseapp.progress import CancelToken, ProgressCallback, no_progress
from caseapp.services import bundle_heads
from caseapp.services.bundle_apply import Applier, existing_op_ids, store_blobs, store_changesets
from caseapp.services.bundle_export import collect_case
from caseapp.sync import envelope
from caseapp.sync.bundle_file import (
    CHANGESETS,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    SIGNATURE,
    BundleReader,
    Limits,
    sha256_file,
)
from caseapp.sync.canonical import canonical_json, sha256_hex
from caseapp.sync.changesets import IncomingChangeset, changeset_line, check_line
from caseapp.sync.ids import uuid7
from caseapp.sync.signing import Signer, key_id_of, verify_signature

if TYPE_CHECKING:
    from caseapp.services.workspace import Workspace

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExportResult:
    path: Path
    bundle_id: str
    case_ref: str
    changesets: int
    ops: int
    records: int
    blobs: int
    size: int
    encrypted: bool


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
               f"  {self.new_records} new records, {self.updated_fields} fields updated in "
               f"{self.updated_records} records, {self.new_ops} new changes, "
               f"{self.duplicate_ops} already here (skipped), {self.blobs_added} attachments.",
               f"  {self.conflicts_opened} conflicts opened."]
        out += [f"  Renamed: {r}" for r in self.renamed]
        out += [f"  Quarantined {q.kind} {q.uid} change {q.op_id[:12]}…: {q.reason}"
                for q in self.quarantined]
        return out


@dataclass
class _Verified:
    reader: BundleReader
    manifest: dict[str, Any]
    changesets: list[IncomingChangeset]
    file_sha256: str


def _short(key_id: str) -> str:
    return " ".join(key_id[i:i + 4] for i in range(0, len(key_id), 4))


class BundleService:
    """Export and import of `.casebundle` files."""

    def __init__(self, ws: Workspace, limits: Limits | None = None) -> None:
        self.ws = ws
        self.limits = limits or Limits()

    # --- export --------------------------------------------------------------------------
    def export_case(self, ref: str, out_path: Path | str, *,
                    progress: ProgressCallback = no_progress, cancel: CancelToken | None = None,
                    recipients: list[envelope.Recipient] | None = None,
                    passphrase: str | None = None, scrypt_cost: envelope.ScryptCost | None = None,
                    signer: Signer | None = None) -> ExportResult:
        """Write one case as a signed bundle at `out_path` (optionally encrypted)."""
        signer = signer or self.ws.identity.signer
        out_path = Path(out_path)
        cancel = cancel or CancelToken()
        progress(0, 4, "Collecting the case")
        with self.ws.db.read() as s:
            case_uid = self.ws.cases.case_uid_in(s, ref)
            content = collect_case(s, case_uid, cancel)
            site_id = changelog.read_meta(s, "site_id") or ""
            audit = bundle_heads.stated(s)
        lines = b"".join(changeset_line(cs) for cs in content.changesets)
        blob_meta = [{"sha256": sha, "size": size, "media_type": media}
                     for sha, (size, media) in sorted(content.blobs.items())]
        files = [{"path": CHANGESETS, "sha256": sha256_hex(lines), "size": len(lines)}]
        files += [{"path": f"blobs/{b['sha256']}", "sha256": b["sha256"], "size": b["size"]}
                  for b in blob_meta]
        manifest = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "bundle_id": uuid7(),
            "created_at": changelog.utc_now(), "app_version": __version__,
            "exporter": {"site_id": site_id, "key_id": signer.key_id, "name": signer.name,
                         "public_key": signer.public_hex},
            "scope": {"case_uid": case_uid, "case_ref": content.case_ref},
            "counts": {"changesets": len(content.changesets), "ops": content.op_count,
                       "records": content.record_count, "blobs": len(blob_meta)},
            "files": files, "blobs": blob_meta, "audit_head": audit["head"], "audit": audit,
        }
        manifest_bytes = canonical_json(manifest)
        progress(1, 4, "Writing the bundle")
        encrypted = bool(recipients) or passphrase is not None
        self._write_file(out_path, manifest_bytes, signer.sign(manifest_bytes).encode(),
                         lines, blob_meta, cancel,
                         (recipients or [], passphrase, scrypt_cost) if encrypted else None)
        progress(3, 4, "Recording the export")
        with self.ws.unit() as uow:
            uow.audit("export", case_uid=case_uid, changes={
                "bundle_id": manifest["bundle_id"], **bundle_heads.export_changes(audit)},
                detail=(
                f"exported case {content.case_ref} as bundle {manifest['bundle_id']} "
                f"({content.op_count} changes, {len(blob_meta)} attachments"
                f"{', encrypted' if encrypted else ''}) to {out_path.name}"))
        progress(4, 4, "Done")
        return ExportResult(out_path, str(manifest["bundle_id"]), content.case_ref,
                            len(content.changesets), content.op_count, content.record_count,
                            len(blob_meta), out_path.stat().st_size, encrypted)

    def _write_file(self, out_path: Path, manifest: bytes, sig: bytes, lines: bytes,
                    blobs: list[dict[str, Any]], cancel: CancelToken,
                    seal: tuple[list[envelope.Recipient], str | None,
                                envelope.ScryptCost | None] | None) -> None:
        from caseapp.services.bundle_export import blob_opener
        from caseapp.sync.bundle_file import write_zip

        if seal is not None:  # refuse what no reader would accept, before writing anything
            envelope.check_seal_options(*seal)
        out_path.parent.mkdir(parents=True, exist_ok=True)
        entries = [(MANIFEST, len(manifest), _bytes_opener(manifest)),
                   (SIGNATURE, len(sig), _bytes_opener(sig)),
                   (CHANGESETS, len(lines), _bytes_opener(lines))]
        entries += [(f"blobs/{b['sha256']}", b["size"], blob_opener(self.ws.db, b["sha256"],
                                                                   cancel)) for b in blobs]
        # Written beside the target and renamed into place: no half-written bundle on a
        # crash or Cancel. mkstemp makes both files 0600 (a bundle is confidential, sealed
        # or not) and never opens a name someone else created first.
        fd, tmp_name = tempfile.mkstemp(prefix=".export-", dir=out_path.parent)
        tmp, sealed = Path(tmp_name), None
        try:
            with os.fdopen(fd, "w+b") as fh:
                write_zip(fh, entries)
                if seal is not None:
                    fh.seek(0)
                    sealed_fd, sealed_name = tempfile.mkstemp(prefix=".export-",
                                                              suffix=".sealed",
                                                              dir=out_path.parent)
                    sealed = Path(sealed_name)
                    with os.fdopen(sealed_fd, "wb") as dst:
                        envelope.seal(fh, dst, recipients=seal[0], passphrase=seal[1],
                                      cost=seal[2])
            if sealed is not None:
                os.replace(sealed, tmp)
            cancel.check()
            os.replace(tmp, out_path)
        finally:
            for leftover in (tmp, sealed):
                with suppress(FileNotFoundError):
                    if leftover is not None:
                        leftover.unlink()

    # --- import --------------------------------------------------------------------------
    def import_bundle(self, path: Path | str, *, progress: ProgressCallback = no_progress,
                      cancel: CancelToken | None = None, passphrase: str | None = None,
                      key: Signer | None = None, record_rejection: bool = True
                      ) -> ImportSummary:
        """Verify the bundle completely, then apply it in one transaction.

        Raises BundleRejected or Cancelled; either way the database is unchanged. A
        rejection is written to the application log unless `record_rejection` is False.
        """
        path = Path(path)
        cancel = cancel or CancelToken()
        try:
            with self._plain_file(path, passphrase, key or self.ws.identity.signer,
                                  cancel) as plain:
                progress(0, 5, "Checking the bundle")
                verified = self._verify(plain, cancel, progress)
                try:
                    return self._apply(verified, path, cancel, progress)
                finally:
                    verified.reader.close()
        except BundleRejected as exc:
            if record_rejection:
                self._record_rejection(path, exc)
            raise

    @contextmanager
    def _plain_file(self, path: Path, passphrase: str | None, signer: Signer,
                    cancel: CancelToken) -> Iterator[Path]:
        try:
            size = path.stat().st_size
            with path.open("rb") as fh:
                sealed = envelope.is_sealed(fh.read(16))
        except OSError as exc:
            raise CaseAppError(f"Cannot read {path}: {exc.strerror}.") from None
        if size > self.limits.file:
            raise BundleRejected(f"{path.name} is larger than the bundle size limit.")
        if not sealed:
            yield path
            return
        with tempfile.TemporaryDirectory(prefix="caseapp-open-") as tmpdir:
            plain = Path(tmpdir) / "bundle.zip"
            with path.open("rb") as src, plain.open("wb") as dst:
                envelope.open_sealed(src, dst, signer=signer, passphrase=passphrase,
                                     max_size=self.limits.file, check=cancel.check)
            yield plain

    def _verify(self, path: Path, cancel: CancelToken,
                progress: ProgressCallback) -> _Verified:
        reader = BundleReader(path, self.limits)
        try:
            reader.check_directory()
            manifest = _check_manifest(reader.read_manifest())
            self._check_exporter(manifest, reader)
            progress(1, 5, "Checking file hashes")
            reader.check_files(manifest["files"], cancel.check)
            reader.check_canonical()
            progress(2, 5, "Checking signatures")
            changesets = self._check_changesets(reader, manifest, cancel)
            with path.open("rb") as fh:
                file_sha = sha256_file(fh)[0]
            return _Verified(reader, manifest, changesets, file_sha)
        except BaseException:
            reader.close()
            raise

    def _check_exporter(self, manifest: dict[str, Any], reader: BundleReader) -> None:
        exp = manifest["exporter"]
        public = bytes.fromhex(exp["public_key"])
        if len(public) != 32 or key_id_of(public) != exp["key_id"]:
            raise BundleRejected("The bundle's exporter key does not match its key id.")
        names = self._require_trusted({exp["key_id"]: (exp["public_key"],
                                                       str(exp.get("name"))[:60])})
        exp["name"] = names[exp["key_id"]]
        if not verify_signature(exp["public_key"], reader.signature, reader.manifest_bytes):
            raise BundleRejected("The bundle's manifest signature is not valid: the bundle was "
                                 "altered on the way. Nothing was imported.")

    def _require_trusted(self, keys: dict[str, tuple[str, str | None]]) -> dict[str, str]:
        """Refuse unless every key is trusted; returns each key's name in the trust store
        (the names caseapp shows: a changeset's own `author_name` is only the sender's word)."""
        with self.ws.db.read() as s:
            found = s.execute(select(TrustedKey.key_id, TrustedKey.public_key, TrustedKey.name)
                              .where(TrustedKey.key_id.in_(list(keys)))).all()
        trusted = {r[0]: r[1] for r in found}
        names = {r[0]: r[2] or f"key {_short(r[0])}" for r in found}
        bad = [(k, (n or "")[:60]) for k, (pub, n) in keys.items() if trusted.get(k) != pub]
        if bad:
            who = "; ".join(f"{n or 'unnamed'} (key {_short(k)})" for k, n in bad)
            raise UntrustedKey(
                f"This bundle holds changes signed by a key you do not trust: {who}. Nothing "
                "was imported.", keys=dict(bad))
        return names

    def _check_changesets(self, reader: BundleReader, manifest: dict[str, Any],
                          cancel: CancelToken) -> list[IncomingChangeset]:
        out: list[IncomingChangeset] = []
        op_ids: set[str] = set()
        authors: dict[str, tuple[str, str | None]] = {}
        scope = manifest["scope"]["case_uid"]
        for n, line in enumerate(reader.lines(), start=1):
            if n % 200 == 0:
                cancel.check()
            cs = check_line(line, n, self.limits)
            for op in cs.ops:
                if op["op_id"] in op_ids:
                    raise BundleRejected(f"Changeset line {n} repeats an op; the bundle is "
                                         "damaged.")
                op_ids.add(op["op_id"])
                _check_scope(op, scope, n)
            authors[cs.author_key] = (cs.doc["public_key"], cs.doc["author_name"])
            out.append(cs)
        counts = manifest["counts"]
        if len(out) != counts.get("changesets") or len(op_ids) != counts.get("ops"):
            raise BundleRejected("The bundle holds a different number of changes than its "
                                 "manifest says; it is incomplete or altered.")
        names = self._require_trusted(authors)
        for cs in out:  # stored and shown under the name this machine trusts the key as
            cs.doc["author_name"] = names[cs.author_key]
        return out

    def _apply(self, v: _Verified, path: Path, cancel: CancelToken,
               progress: ProgressCallback) -> ImportSummary:
        from caseapp.services.bundle_import import apply_verified

        try:
            return apply_verified(self.ws, v, path, cancel, progress)
        except IntegrityError as exc:
            raise BundleRejected("The bundle's records do not fit this database (" +
                                 str(exc.orig) + "); nothing was imported.") from None

    def _record_rejection(self, path: Path, exc: BundleRejected) -> None:
        """A refused bundle leaves the database byte-for-byte as it was (sync.md, promise 4):
        the refusal is written to the application log, with the file's hash and the reason."""
        file_sha = None
        with suppress(OSError), path.open("rb") as fh:
            file_sha = sha256_file(fh)[0]
        log.warning("refused bundle %s (SHA-256 %s): %s", path, file_sha, exc.message[:500])


def _bytes_opener(data: bytes) -> Any:
    import io
    return lambda: io.BytesIO(data)


def _check_manifest(doc: dict[str, Any]) -> dict[str, Any]:
    try:
        exp, scope = doc["exporter"], doc["scope"]
        ok = (isinstance(exp, dict) and isinstance(exp["key_id"], str)
              and isinstance(exp["public_key"], str) and isinstance(scope, dict)
              and isinstance(scope["case_uid"], str) and isinstance(scope["case_ref"], str)
              and isinstance(doc["bundle_id"], str) and len(doc["bundle_id"]) <= 64
              and isinstance(doc["counts"], dict) and isinstance(doc["files"], list)
              and isinstance(doc["blobs"], list))
        for item in doc["files"]:
            ok = ok and isinstance(item["path"], str) and isinstance(item["sha256"], str) \
                and isinstance(item["size"], int)
        listed = {(f["path"], f["size"]) for f in doc["files"]}
        ok = ok and all(f["path"] == f"blobs/{f['sha256']}" for f in doc["files"]
                        if f["path"] != CHANGESETS)  # a blob's name is its hash
        for blob in doc["blobs"]:  # every blob is also a checked file entry
            ok = ok and (f"blobs/{blob['sha256']}", blob["size"]) in listed
        bytes.fromhex(exp["public_key"])
    except (KeyError, TypeError, ValueError):
        ok = False
    if not ok:
        raise BundleRejected("The bundle's manifest is malformed; it is damaged.")
    return doc


def _check_scope(op: dict[str, Any], scope: str, n: int) -> None:
    """Ops may touch only the bundle's case closure (sync.md, Scope)."""
    kind = op["kind"]
    if kind in SHARED_KINDS:
        return
    if kind == "case":
        ok = op["uid"] == scope
    else:
        ok = op["case_uid"] == scope and op["fields"].get("case_uid", scope) == scope
    if not ok:
        raise BundleRejected(f"Changeset line {n} touches a record outside the bundle's case; "
                             "nothing was imported.")


def store_quarantine(session: Any, bundle_id: str, items: list[tuple[dict[str, Any],
                     dict[str, Any], str]], now: str) -> None:
    rows = [{"op_id": op["op_id"], "bundle_id": bundle_id, "op": op,
             "changeset": {k: v for k, v in cs.items() if k != "ops"}, "reason": reason,
             "received_at": now} for op, cs, reason in items]
    if rows:
        session.execute(insert(QuarantinedOp).prefix_with("OR IGNORE"), rows)


def record_import(session: Any, manifest: dict[str, Any], now: str,
                  summary: dict[str, Any]) -> None:
    session.execute(insert(BundleImport).prefix_with("OR IGNORE").values(
        bundle_id=manifest["bundle_id"], imported_at=now,
        exporter_key=manifest["exporter"]["key_id"], case_uid=manifest["scope"]["case_uid"],
        summary=summary))


__all__ = ["BundleService", "ExportResult", "ImportSummary", "Quarantined", "Applier",
           "existing_op_ids", "store_blobs", "store_changesets"]
