"""Case bundles: signed export of one case, and all-or-nothing, order-free import (sync.md).

Both run as a process, one named step after the other:

* export (`BundleService.export_case`): collect the case closure (bundle_export, one read
  transaction) → build and sign the manifest (sync/manifest) → write the file, sealed when
  asked (bundle_export) → record the export in the audit chain;
* import (`BundleService.import_bundle`): open the file, decrypting a sealed one → verify
  everything (bundle_verify, no write) → apply in one transaction (bundle_import: check the
  receiver, apply the changes, bundle_store) → record the import (bundle_imports and its audit
  entry, in that transaction); a refusal is recorded in the application log instead.

Both take `progress(done, total, label)` and a `CancelToken`, and run from a worker thread.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError

from caseapp import __version__
from caseapp.db import changelog
from caseapp.errors import BundleRejected, CaseAppError
from caseapp.gcpause import gc_paused
from caseapp.progress import CancelToken, ProgressCallback, no_progress
from caseapp.services import bundle_heads, bundle_import
from caseapp.services.bundle_export import CaseContent, collect_case, write_bundle_file
from caseapp.services.bundle_import import ImportSummary, Quarantined
from caseapp.services.bundle_verify import VerifiedBundle, verify_bundle
from caseapp.sync import envelope
from caseapp.sync.bundle_file import Limits, sha256_file
from caseapp.sync.canonical import canonical_json, sha256_hex
from caseapp.sync.changesets import changeset_line, split_quarantine
from caseapp.sync.hlc import wall_ms_now
from caseapp.sync.ids import uuid7
from caseapp.sync.manifest import build_manifest
from caseapp.sync.signing import Signer

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
class _Collected:
    """What the export read in its one read transaction."""

    case_uid: str
    content: CaseContent
    site_id: str
    audit: dict[str, Any]


class BundleService:
    """Export and import of `.casebundle` files.

    `clock` is this machine's wall clock in milliseconds (default the real one): an import
    quarantines changesets stamped more than 24 h ahead of it, and refuses a changeset that
    says it was made more than 24 h ahead of it.
    """

    def __init__(self, ws: Workspace, limits: Limits | None = None, *,
                 clock: Callable[[], int] = wall_ms_now) -> None:
        self.ws = ws
        self.limits = limits or Limits()
        self.clock = clock

    # --- export --------------------------------------------------------------------------
    def export_case(self, ref: str, out_path: Path | str, *,
                    progress: ProgressCallback = no_progress, cancel: CancelToken | None = None,
                    recipients: list[envelope.Recipient] | None = None,
                    passphrase: str | None = None, scrypt_cost: envelope.ScryptCost | None = None,
                    signer: Signer | None = None) -> ExportResult:
        """Write one case as a signed bundle at `out_path` (optionally encrypted).

        Raises NotFoundError for an unknown case, ValidationError for seal options no reader
        accepts, Cancelled; nothing is left at `out_path` then."""
        signer = signer or self.ws.identity.signer
        out_path = Path(out_path)
        cancel = cancel or CancelToken()
        progress(0, 4, "Collecting the case")
        got = self._collect(ref, cancel)
        lines = b"".join(changeset_line(cs) for cs in got.content.changesets)
        manifest = self._manifest(got, signer, lines)
        progress(1, 4, "Writing the bundle")
        encrypted = bool(recipients) or passphrase is not None
        manifest_bytes = canonical_json(manifest)
        write_bundle_file(self.ws.db, out_path, manifest_bytes,
                          signer.sign(manifest_bytes).encode(), lines, manifest["blobs"],
                          cancel, (recipients or [], passphrase, scrypt_cost)
                          if encrypted else None)
        progress(3, 4, "Recording the export")
        self._record_export(got, manifest, out_path, encrypted)
        progress(4, 4, "Done")
        content = got.content
        return ExportResult(out_path, str(manifest["bundle_id"]), content.case_ref,
                            len(content.changesets), content.op_count, content.record_count,
                            len(manifest["blobs"]), out_path.stat().st_size, encrypted)

    def _collect(self, ref: str, cancel: CancelToken) -> _Collected:
        """Step 1: the case closure and this database's audit head, in one read."""
        with self.ws.db.read() as s:
            case_uid = self.ws.cases.case_uid_in(s, ref)
            return _Collected(case_uid, collect_case(s, case_uid, cancel),
                              changelog.read_meta(s, "site_id") or "", bundle_heads.stated(s))

    def _manifest(self, got: _Collected, signer: Signer, lines: bytes) -> dict[str, Any]:
        """Step 2: the manifest the exporter signs."""
        content = got.content
        blobs = [{"sha256": sha, "size": size, "media_type": media}
                 for sha, (size, media) in sorted(content.blobs.items())]
        manifest = build_manifest(
            bundle_id=uuid7(), created_at=changelog.utc_now(), app_version=__version__,
            exporter={"site_id": got.site_id, "key_id": signer.key_id, "name": signer.name,
                      "public_key": signer.public_hex},
            case_uid=got.case_uid, case_ref=content.case_ref,
            counts={"changesets": len(content.changesets), "ops": content.op_count,
                    "records": content.record_count, "blobs": len(blobs)},
            changesets_sha256=sha256_hex(lines), changesets_size=len(lines), blobs=blobs,
            audit=got.audit)
        versions = self.ws.team.versions_for_bundle()
        if versions:  # the signed team list travels with every bundle (services/team.py)
            manifest["team"] = versions
        return manifest

    def _record_export(self, got: _Collected, manifest: dict[str, Any], out_path: Path,
                       encrypted: bool) -> None:
        """Step 4 (after writing the file): the `export` audit entry, which keeps the head
        this bundle states so the next bundle can state it again."""
        content = got.content
        with self.ws.unit() as uow:
            uow.audit("export", case_uid=got.case_uid, changes={
                "bundle_id": manifest["bundle_id"], **bundle_heads.export_changes(got.audit)},
                detail=(
                f"exported case {content.case_ref} as bundle {manifest['bundle_id']} "
                f"({content.op_count} changes, {len(manifest['blobs'])} attachments"
                f"{', encrypted' if encrypted else ''}) to {out_path.name}"))

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
            with gc_paused(), self._open(path, passphrase, key or self.ws.identity.signer,
                                         cancel) as plain:
                progress(0, 5, "Checking the bundle")
                with self._verify(plain, cancel, progress) as bundle:
                    return self._apply(bundle, path, cancel, progress)
        except BundleRejected as exc:
            if record_rejection:
                self._record_rejection(path, exc)
            raise

    @contextmanager
    def _open(self, path: Path, passphrase: str | None, signer: Signer,
              cancel: CancelToken) -> Iterator[Path]:
        """Step 1: the plain bundle file: `path` itself, or a sealed one decrypted (every
        chunk authenticated) to a private temporary file, removed afterwards."""
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

    def _verify(self, plain: Path, cancel: CancelToken,
                progress: ProgressCallback) -> VerifiedBundle:
        """Step 2: every check of the file, before any write (bundle_verify)."""
        return verify_bundle(self.ws.db, plain, self.limits, cancel, progress, self.clock)

    def _apply(self, bundle: VerifiedBundle, path: Path, cancel: CancelToken,
               progress: ProgressCallback) -> ImportSummary:
        """Steps 3 and 4, in one transaction: check the receiver, apply the changes, record
        the import (bundle_import). Ops stamped over 24 h ahead of `clock` are held back."""
        incoming, held = split_quarantine(bundle.changesets, self.clock)
        progress(3, 5, "Applying changes")
        try:
            with self.ws.unit() as uow:
                pending = bundle_import.check_receiver(uow, bundle, incoming, held)
                summary = bundle_import.apply_changes(uow, bundle, pending, cancel)
                bundle_import.record(uow, bundle, path, summary)
                progress(4, 5, "Committing")
        except IntegrityError as exc:
            raise BundleRejected("The bundle's records do not fit this database (" +
                                 str(exc.orig) + "); nothing was imported.") from None
        progress(5, 5, "Done")
        return summary

    def _record_rejection(self, path: Path, exc: BundleRejected) -> None:
        """A refused bundle leaves the database byte-for-byte as it was (sync.md, promise 4):
        the refusal is written to the application log, with the file's hash and the reason."""
        file_sha = None
        with suppress(OSError), path.open("rb") as fh:
            file_sha = sha256_file(fh)[0]
        log.warning("refused bundle %s (SHA-256 %s): %s", path, file_sha, exc.message[:500])


__all__ = ["BundleService", "ExportResult", "ImportSummary", "Quarantined"]
