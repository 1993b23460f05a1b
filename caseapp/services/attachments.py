"""Attachments: files kept with a case, content stored once per SHA-256 (the `blobs` table)."""

from __future__ import annotations

import hashlib
import mimetypes
from pathlib import Path

from sqlalchemy import insert, select

from caseapp.db.models import Blob
from caseapp.domain.records import AttachmentRecord
from caseapp.errors import CaseAppError, IntegrityProblem, ValidationError
from caseapp.services.records import RecordService

MAX_ATTACHMENT = 512 << 20


class AttachmentService(RecordService[AttachmentRecord]):
    kind = "attachment"
    key_field = "filename"
    case_scoped = True
    text_fields = ("filename", "media_type")
    default_sort = "created_at"

    def add_file(self, case: str, path: Path | str, *, target_kind: str | None = None,
                 target_uid: str | None = None) -> AttachmentRecord:
        """Attach a file to a case (blob and record in one unit of work); returns the record."""
        path = Path(path)
        try:
            if path.stat().st_size > MAX_ATTACHMENT:
                raise ValidationError(f"{path.name} is larger than 512 MB.")
            data = path.read_bytes()
        except OSError as exc:
            raise CaseAppError(f"Cannot read {path}: {exc.strerror}.") from None
        sha = hashlib.sha256(data).hexdigest()
        with self.ws.unit() as uow:
            case_uid = self.ws.cases.case_uid_in(uow.session, case)
            known = uow.session.execute(select(Blob.sha256).where(Blob.sha256 == sha)).first()
            if known is None:
                uow.session.execute(insert(Blob).values(sha256=sha, size=len(data), data=data))
            media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            uid = uow.create("attachment", {
                "case_uid": case_uid, "target_kind": target_kind, "target_uid": target_uid,
                "filename": path.name, "media_type": media, "size": len(data),
                "sha256": sha})
        record = self.get(uid)
        assert isinstance(record, AttachmentRecord)
        return record

    def read(self, uid: str) -> bytes:
        """The attachment's bytes, checked against its SHA-256 (IntegrityProblem if not)."""
        record = self.get(uid)
        assert isinstance(record, AttachmentRecord)
        with self.ws.db.read() as s:
            data = s.execute(select(Blob.data).where(Blob.sha256 == record.sha256)).scalar()
        if data is None or hashlib.sha256(data).hexdigest() != record.sha256:
            raise IntegrityProblem(f"The content of attachment {record.filename} is missing or "
                                   "damaged (its SHA-256 does not match).")
        return bytes(data)
