"""Printing case summaries and checking printed ones against the database.

`ReportService(ws).render(ref, out)` gathers the case's records into plain data, renders the
PDF off any session (safe in a worker thread), and records the printing as an audit entry.
`verify(pdf)` recomputes the fingerprint from the database and compares.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from caseapp.db.audit import chain_head
from caseapp.db.models import AuditEntry, TrustedKey
from caseapp.errors import CaseAppError, ConflictError, NotFoundError
from caseapp.progress import CancelToken, ProgressCallback, no_progress
from caseapp.reports.data import AuditLine, CaseDetail, ReportContext, ReportResult
from caseapp.reports.fingerprint import fingerprint
from caseapp.services.conflicts import open_conflicts
from caseapp.sync.canonical import canonical_json
from caseapp.sync.signing import verify_signature

if TYPE_CHECKING:
    from caseapp.reports.pdf_meta import PrintedReport
    from caseapp.services.workspace import Workspace

AUDIT_LINES = 300
# Actions that read or hand out data without changing it: not listed in the appendix, so two
# reports of unchanged data read the same (they stay in the audit chain).
READ_ONLY_ACTIONS = ("report", "export", "login", "verify")

__all__ = ["ReportCheck", "ReportResult", "ReportService"]


@dataclass(frozen=True)
class ReportCheck:
    """The outcome of `verify-report`."""

    path: str
    case_ref: str
    printed: str
    current: str
    # The audit head printed on the report, against its signature and this database's chain:
    # (True, what holds) or (False, what does not); None for a report printed without one.
    head: tuple[bool, str] | None = None

    @property
    def data_matches(self) -> bool:
        return self.printed == self.current

    @property
    def matches(self) -> bool:
        return self.data_matches and (self.head is None or self.head[0])


def head_payload(case_uid: str, fp: str, seq: int, head: str) -> bytes:
    """What the printing investigator signs: this case, these data, this audit head."""
    return canonical_json({"audit_hash": head, "audit_seq": seq, "case_uid": case_uid,
                           "fingerprint": fp})


def _changed_fields(action: str, changes: dict[str, object] | None) -> tuple[str, ...]:
    """What the appendix lists as changed: a new record is one line, not every field."""
    if action == "create":
        return ("(new record)",)
    return tuple(sorted(changes or {}))


class ReportService:
    """Case summary reports: render one, verify one."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def gather(self, case_ref: str) -> CaseDetail:
        """The case's records and figures as plain data (`case show`'s). Raises NotFoundError."""
        return self.ws.cases.show(case_ref)

    def context(self, data: CaseDetail, prepared_by: str | None) -> ReportContext:
        """The facts of this moment: audit head, open conflicts, the case's audit entries."""
        uid = data.case.uid
        # First: the first screening of a database loads the shipped list (an audited write),
        # which must come before the audit head this report states.
        screening = self.ws.screening.screen(uid)
        with self.ws.db.read() as s:
            head_seq, head_hash = chain_head(s)
            conflicts = len(open_conflicts(s, uid))
            where = (AuditEntry.case_uid == uid, AuditEntry.action.not_in(READ_ONLY_ACTIONS))
            total = s.execute(select(func.count()).select_from(AuditEntry).where(*where)).scalar()
            rows = s.execute(select(AuditEntry.seq, AuditEntry.at, AuditEntry.actor,
                                    AuditEntry.action, AuditEntry.kind, AuditEntry.record_uid,
                                    AuditEntry.changes, AuditEntry.detail)
                             .where(*where).order_by(AuditEntry.seq.desc())
                             .limit(AUDIT_LINES)).all()
        lines = tuple(AuditLine(seq=r.seq, at=r.at, actor=r.actor, action=r.action, kind=r.kind,
                                record=data.name_of(r.kind or "", r.record_uid),
                                fields=_changed_fields(r.action, r.changes), detail=r.detail)
                      for r in rows)
        signer = self.ws.identity.signer
        signature = signer.sign(head_payload(uid, fingerprint(data), int(head_seq),
                                             str(head_hash)))
        return ReportContext(
            generated_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
            prepared_by=(prepared_by or "").strip() or self.ws.identity.actor,
            audit_head_seq=int(head_seq), audit_head_hash=str(head_hash),
            open_conflicts=int(conflicts), audit_lines=lines, audit_total=int(total or 0),
            head_signature=f"{signer.key_id}:{signature}",
            screening=screening)

    def fingerprint(self, case_ref: str) -> str:
        """The fingerprint a report of the case would carry now."""
        return fingerprint(self.gather(case_ref))

    def render(self, case_ref: str, out_path: Path | str, *, prepared_by: str | None = None,
               progress: ProgressCallback = no_progress,
               cancel: CancelToken | None = None) -> ReportResult:
        """Print the case summary of `case_ref` to `out_path` and record it in the audit chain.

        Writes to a temporary file beside `out_path` and moves it into place only when the
        audit entry is committed: a cancelled or failed run leaves no file and no entry.
        Raises NotFoundError, Cancelled, CaseAppError (cannot write the file).
        """
        from caseapp.reports.case_summary import render_case_summary

        out = Path(out_path)
        if not out.parent.is_dir():
            raise CaseAppError(f"Cannot write {out}: the folder {out.parent} does not exist.")
        progress(0, 1, "reading the case")
        data = self.gather(case_ref)
        ctx = self.context(data, prepared_by)
        part = out.with_name(f".{out.name}.part")
        moved = False
        try:
            result = render_case_summary(data, ctx, part, progress=progress, cancel=cancel)
            if cancel is not None:
                cancel.check()
            with self.ws.unit() as uow:
                # The unit holds the write lock: nobody can change the case until it commits,
                # so this check ties the audit entry to the data as it is now.
                if fingerprint(self.gather(data.case.uid)) != result.fingerprint:
                    raise ConflictError(f"Case {data.case.ref} changed while the report was "
                                        "being printed; print it again.")
                uow.audit("report", kind="case", record_uid=data.case.uid,
                          case_uid=data.case.uid,
                          detail=(f"case summary {data.case.ref}: {result.pages} pages, "
                                  f"fingerprint {result.fingerprint}, prepared by "
                                  f"{ctx.prepared_by}, file {out.name}"))
                os.replace(part, out)
                moved = True
        except BaseException as exc:
            if moved:  # the audit entry did not commit: no report without its entry
                out.unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise CaseAppError(f"Cannot write {out}: {exc.strerror or exc}.") from exc
            raise
        finally:
            part.unlink(missing_ok=True)
        return ReportResult(str(out), result.pages, result.fingerprint)

    def verify(self, pdf_path: Path | str) -> ReportCheck:
        """Does the database still hold the data a printed report was made from?

        Raises ValidationError (not a caseapp report) or NotFoundError (case not here).
        """
        from caseapp.reports.pdf_meta import read_printed_report

        printed = read_printed_report(Path(pdf_path))
        key = printed.case_uid or printed.case_ref
        if key is None:
            raise NotFoundError(f"{pdf_path} does not say which case it reports on.")
        try:
            data = self.gather(key)
        except NotFoundError:
            raise NotFoundError(f"The case {printed.case_ref or key} that {pdf_path} reports on "
                                "is not in this database.") from None
        return ReportCheck(str(pdf_path), data.case.ref, printed.fingerprint,
                           fingerprint(data), self._check_head(printed, data.case.uid))

    def _check_head(self, printed: PrintedReport, case_uid: str) -> tuple[bool, str] | None:
        """Is the printed audit head signed, and does this database's chain still hold it?"""
        if printed.audit_seq is None or printed.audit_hash is None:
            return None
        seq, head = printed.audit_seq, printed.audit_hash
        with self.ws.db.read() as s:
            if not printed.head_signature:
                return False, "its audit head carries no signature"
            key_id, _, signature = printed.head_signature.partition(":")
            public = s.execute(select(TrustedKey.public_key, TrustedKey.name).where(
                TrustedKey.key_id == key_id)).first()
            if public is None:
                return False, (f"its audit head is signed with key {key_id}, which this "
                               "database does not trust")
            if not verify_signature(public[0], signature,
                                    head_payload(case_uid, printed.fingerprint, seq, head)):
                return False, ("the signature of its audit head does not verify: the file's "
                               "head, fingerprint or case was altered")
            found = s.execute(select(AuditEntry.hash).where(AuditEntry.seq == seq)).scalar()
            last = chain_head(s)[0]
        who = f"{public[1] or 'key ' + key_id}"
        if seq and found is None:
            return False, (f"it was printed at audit entry {seq:,} (signed by {who}), but this "
                           f"database's audit chain ends at entry {last:,}: entries were "
                           "removed since, or this is an older copy")
        if seq and found != head:
            return False, (f"audit entry {seq:,} no longer has the hash printed on it (signed "
                           f"by {who}): the audit history was rewritten since it was printed")
        return True, (f"its audit head (entry {seq:,}, signed by {who}) is still in this "
                      "database's audit chain")
