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

from sqlalchemy import func, insert, select

from caseapp.db.audit import chain_head
from caseapp.db.models import AuditEntry, ReportPrinting, TrustedKey
from caseapp.errors import CaseAppError, ConflictError, NotFoundError, ValidationError
from caseapp.paths import check_output_folder
from caseapp.progress import CancelToken, ProgressCallback, no_progress
from caseapp.reports.data import AuditLine, CaseDetail, ReportContext, ReportResult
from caseapp.reports.fingerprint import fingerprint, record_hashes
from caseapp.reports.pdf_sign import (
    APPROVAL_FIELD,
    PRINTED_FIELD,
    SignatureInfo,
    file_sha256,
    read_signatures,
    sign_pdf,
)
from caseapp.services.conflicts import open_conflicts
from caseapp.sync.canonical import canonical_json
from caseapp.sync.signing import short_fingerprint, verify_signature

if TYPE_CHECKING:
    from caseapp.db.changelog import UnitOfWork
    from caseapp.reports.pdf_meta import PrintedReport
    from caseapp.services.workspace import Workspace

AUDIT_LINES = 300
# Actions that read or hand out data without changing it: not listed in the appendix, so two
# reports of unchanged data read the same (they stay in the audit chain).
READ_ONLY_ACTIONS = ("report", "export", "login", "verify", "approve")

__all__ = ["ReportCheck", "ReportResult", "ReportService"]


@dataclass(frozen=True)
class Answer:
    """One answer of `verify-report`: yes or no, and what it rests on."""

    ok: bool
    text: str


@dataclass(frozen=True)
class ReportCheck:
    """The outcome of `verify-report`: (a) the file, (b) its signatures, (c) the data."""

    path: str
    case_ref: str
    printed: str
    current: str
    # The audit head printed on the report, against its signature and this database's chain:
    # (True, what holds) or (False, what does not); None for a report printed without one.
    head: tuple[bool, str] | None = None
    file: Answer = Answer(True, "")
    signatures: tuple[Answer, ...] = ()
    data: Answer = Answer(True, "")
    approved_by: tuple[str, ...] = ()   # supervisors whose approval counts

    @property
    def data_matches(self) -> bool:
        return self.printed == self.current

    @property
    def matches(self) -> bool:
        return (self.file.ok and all(a.ok for a in self.signatures) and self.data.ok
                and self.data_matches and (self.head is None or self.head[0]))

    def lines(self) -> list[str]:
        """The answers as the command line prints them."""
        out = [f"File: {self.file.text}"]
        out += [f"Signature: {a.text}" for a in self.signatures]
        out.append(f"Data: {self.data.text}")
        if self.head is not None:
            out.append(f"Audit: {self.head[1]}.")
        return out


def head_payload(case_uid: str, fp: str, seq: int, head: str) -> bytes:
    """What the printing investigator signs: this case, these data, this audit head."""
    return canonical_json({"audit_hash": head, "audit_seq": seq, "case_uid": case_uid,
                           "fingerprint": fp})


def _iso(stamp: str | None) -> str | None:
    """"2026-11-30 06:00:00 UTC" as "2026-11-30T06:00:00Z"."""
    return stamp.replace(" UTC", "Z").replace(" ", "T") if stamp else None


def changed_records(printed: dict[str, object], data: CaseDetail) -> list[str]:
    """The records added, removed or changed since a printing, by name."""
    now = record_hashes(data)
    out = []
    for key in sorted(set(printed) | set(now)):
        kind, _, uid = key.partition("/")
        if key not in now:
            out.append(f"{kind} {uid}: removed from the case since")
        elif key not in printed:
            out.append(f"{kind} {data.name_of(kind, uid)}: added since")
        elif printed[key] != now[key]:
            out.append(f"{kind} {data.name_of(kind, uid)}: changed since")
    return out or ["(the records are as printed; the assumptions behind the figures changed)"]


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
            screening=screening, chart_layout=self._chart_layout(uid))

    def _chart_layout(self, case_uid: str) -> dict[str, tuple[float, float]] | None:
        saved = self.ws.chart_layouts.load(case_uid)
        return saved.positions if saved else None

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
        check_output_folder(out)
        progress(0, 1, "reading the case")
        data = self.gather(case_ref)
        ctx = self.context(data, prepared_by)
        part = out.with_name(f".{out.name}.part")
        moved = False
        try:
            result = render_case_summary(data, ctx, part, progress=progress, cancel=cancel)
            if cancel is not None:
                cancel.check()
            progress(0, 1, "signing")
            signed = sign_pdf(part.read_bytes(), self.ws.identity.signer, field=PRINTED_FIELD,
                              role=self.ws.team.role_of(self.ws.identity.signer.key_id),
                              approval_box=result.sign_off_box,
                              reason=f"Printed case summary {data.case.ref}")
            part.write_bytes(signed)
            sha = file_sha256(signed)
            progress(1, 1, "signing")
            with self.ws.unit() as uow:
                # The unit holds the write lock: nobody can change the case until it commits,
                # so this check ties the audit entry to the data as it is now.
                now = self.gather(data.case.uid)
                if fingerprint(now) != result.fingerprint:
                    raise ConflictError(f"Case {data.case.ref} changed while the report was "
                                        "being printed; print it again.")
                self._record_file(uow, "report", sha, now, result.fingerprint)
                uow.audit("report", kind="case", record_uid=data.case.uid,
                          case_uid=data.case.uid,
                          detail=(f"case summary {data.case.ref}: {result.pages} pages, "
                                  f"fingerprint {result.fingerprint}, prepared by "
                                  f"{ctx.prepared_by}, file {out.name}, "
                                  f"file sha256 {sha}"))
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
        return ReportResult(str(out), result.pages, result.fingerprint, result.sign_off_box,
                            sha)

    def _record_file(self, uow: UnitOfWork, action: str, sha: str, data: CaseDetail,
                     fp: str) -> None:
        """Keep a printed or approved file's SHA-256 with its audit entry's seq and the value
        hash of every record it was made from."""
        signer = self.ws.identity.signer
        uow.session.execute(insert(ReportPrinting).prefix_with("OR IGNORE").values(
            file_sha256=sha, audit_seq=uow.next_audit_seq(), action=action,
            case_uid=data.case.uid, fingerprint=fp, at=uow.now, actor=signer.name,
            key_id=signer.key_id, records=record_hashes(data)))

    def verify(self, pdf_path: Path | str) -> ReportCheck:
        """Is this file byte for byte a report printed here (or that plus valid signatures),
        do its signatures hold, and does the database still hold the data it was made from?

        Raises ValidationError (not a caseapp report) or NotFoundError (case not here).
        """
        from caseapp.reports.pdf_meta import read_printed_report

        path = Path(pdf_path)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise ValidationError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
        try:
            sigs: list[SignatureInfo] | None = read_signatures(raw)
        except ValidationError:
            sigs = None
        printing, file_answer = self._check_file(raw, sigs)
        try:
            printed = read_printed_report(path)
        except ValidationError as exc:
            if printing is None:
                raise ValidationError(
                    "File: CHANGED, or not a caseapp report: it matches no report printed "
                    f"here. {exc}") from None
            printed = None
        key = printing.case_uid if printing else (printed.case_uid or printed.case_ref
                                                  if printed else None)
        if key is None:
            raise NotFoundError(f"{pdf_path} does not say which case it reports on.")
        try:
            data = self.gather(key)
        except NotFoundError:
            ref = printed.case_ref if printed and printed.case_ref else key
            raise NotFoundError(f"The case {ref} that {pdf_path} reports on is not in this "
                                "database.") from None
        sig_answers, approved = self._check_signatures(sigs)
        fp_printed = printing.fingerprint if printing else printed.fingerprint if printed else ""
        current = fingerprint(data)
        return ReportCheck(
            str(pdf_path), data.case.ref, fp_printed, current,
            self._check_head(printed, data.case.uid) if printed else None,
            file=file_answer, signatures=sig_answers, approved_by=approved,
            data=self._check_data(data, fp_printed, current, printing))

    def approve(self, pdf_path: Path | str) -> ReportCheck:
        """Sign a printed report as its approving supervisor: the approval signature fills the
        sign-off block, in an incremental update (the printed bytes stay as they were).

        Refused (PermissionDenied) unless the local key is a supervisor's in the team list;
        refused (ValidationError) when the file's signatures do not hold, it was already
        approved, or the database no longer holds the data it was made from. Returns the
        check of the approved file."""
        from caseapp.services.team import PermissionDenied

        path = Path(pdf_path)
        signer = self.ws.identity.signer
        role = self.ws.team.role_of(signer.key_id)
        if role != "supervisor":
            raise PermissionDenied(
                "Only a supervisor may approve a report: " + (
                    "this database has no team list to say who is a supervisor." if not
                    self.ws.team.active() else
                    f"your key {short_fingerprint(signer.key_id)} "
                    + (f"has the role {role}" if role else "is not a member") + " in the team list.")
                + " Nothing was changed.")
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise ValidationError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
        sigs = read_signatures(raw)
        if any(x.field == APPROVAL_FIELD for x in sigs):
            raise ValidationError(f"{path} is already approved; nothing was changed.")
        check = self.verify(path)
        bad = [a.text for a in check.signatures if not a.ok]
        if bad:
            raise ValidationError(f"{path} cannot be approved: {'; '.join(bad)}")
        if sigs[-1].end != len(raw):
            raise ValidationError(f"{path} was changed after its last signature; it cannot be "
                                  "approved.")
        if not check.data.ok:
            raise ValidationError(f"{path} cannot be approved: {check.data.text}")
        data = self.gather(check.case_ref)
        signed = sign_pdf(raw, signer, field=APPROVAL_FIELD, role=role,
                          reason=f"Approved case summary {check.case_ref}")
        sha = file_sha256(signed)
        part = path.with_name(f".{path.name}.part")
        try:
            part.write_bytes(signed)
            with self.ws.unit() as uow:
                self._record_file(uow, "approve", sha, data, check.current)
                uow.audit("approve", kind="case", record_uid=data.case.uid,
                          case_uid=data.case.uid,
                          detail=(f"approved case summary {data.case.ref} as supervisor, "
                                  f"fingerprint {check.current}, file {path.name}, "
                                  f"file sha256 {sha}"))
                os.replace(part, path)
        except OSError as exc:
            raise CaseAppError(f"Cannot write {path}: {exc.strerror or exc}.") from exc
        finally:
            part.unlink(missing_ok=True)
        return self.verify(path)

    def _printing(self, sha: str) -> ReportPrinting | None:
        with self.ws.db.read() as s:
            row = s.execute(select(ReportPrinting).where(
                ReportPrinting.file_sha256 == sha)).scalar()
            if row is None:
                return None
            detail = s.execute(select(AuditEntry.detail).where(
                AuditEntry.seq == row.audit_seq)).scalar()
            s.expunge(row)
        # The audit entry (hash-chained) must carry the same SHA-256, not only this table.
        return row if detail and f"file sha256 {sha}" in detail else None

    def _check_file(self, raw: bytes, sigs: list[SignatureInfo] | None
                    ) -> tuple[ReportPrinting | None, Answer]:
        """(a): the printing this file is, or is the start of; then only valid signatures may
        follow the printed bytes (an approval adds one in an incremental update)."""
        whole = file_sha256(raw)
        ends = sorted({s.end for s in sigs or [] if s.end < len(raw)}) + [len(raw)]
        for end in ends:
            row = self._printing(whole if end == len(raw) else file_sha256(raw[:end]))
            if row is None or (row.action != "report" and end != len(raw)):
                continue
            what = "printed" if row.action == "report" else "approved"
            when = (f"{what} on {row.at[:19].replace('T', ' ')} UTC by {row.actor} (audit "
                    f"entry {row.audit_seq:,})")
            if end == len(raw):
                return row, Answer(True, f"byte for byte the report {when}.")
            after = [s for s in sigs or [] if s.end > end]
            if after and all(s.holds for s in after) and after[-1].end == len(raw):
                names = ", ".join(f"{s.field} by {s.signer_name}" for s in after)
                also = self._printing(whole)
                here = (f"; approved here by {also.actor} (audit entry {also.audit_seq:,})"
                        if also is not None else "")
                return row, Answer(True, f"the report {when}, byte for byte, plus signatures "
                                         f"added since ({names}){here}.")
            return row, Answer(False, f"CHANGED after it was {when}: bytes were added that "
                                      "are not a valid signature.")
        return None, Answer(False, f"CHANGED, or not printed from this database: its SHA-256 "
                                   f"({whole[:16]}…) matches no report printed here, nor does "
                                   "any signed part of it.")

    def _check_signatures(self, sigs: list[SignatureInfo] | None
                          ) -> tuple[tuple[Answer, ...], tuple[str, ...]]:
        """(b): each signature verifies, was made by a key this database knows, and an
        approval by a supervisor."""
        if sigs is None:
            return (Answer(False, "the file's signatures cannot be read: it was damaged."),), ()
        if not sigs:
            return (Answer(False, "the file carries no digital signature."),), ()
        answers, approved = [], []
        with self.ws.db.read() as s:
            trusted = dict(s.execute(select(TrustedKey.key_id, TrustedKey.public_key)).all())
        for sig in sigs:
            label = f"{sig.field} by {sig.signer_name}" + (
                f" at {sig.signed_at}" if sig.signed_at else "")
            if not sig.holds:
                answers.append(Answer(False, f"{label} does NOT hold: {sig.problem}."))
                continue
            member = self.ws.team.member(sig.key_id or "", _iso(sig.signed_at))
            known = (sig.key_id in trusted and trusted[sig.key_id] == sig.public_key) or (
                member is not None and member.public_key == sig.public_key)
            if not known:
                answers.append(Answer(False, f"{label} verifies, but its key {sig.key_id} is "
                                             "neither trusted here nor in the team list."))
                continue
            role = f", {member.role}" if member else ""
            if sig.field == APPROVAL_FIELD:
                if member is None or member.role != "supervisor":
                    why = ("there is no team list here to say who is a supervisor"
                           if not self.ws.team.active() else
                           f"key {sig.key_id} was not a supervisor's when it signed")
                    answers.append(Answer(False, f"{label} verifies, but the approval does "
                                                 f"not count: {why}."))
                    continue
                approved.append(sig.signer_name)
            answers.append(Answer(True, f"{label} holds (key {sig.key_id}{role})."))
        return tuple(answers), tuple(approved)

    def _check_data(self, data: CaseDetail, printed: str, current: str,
                    printing: ReportPrinting | None) -> Answer:
        """(c): the case's data as printed, or which records changed since."""
        if printed == current:
            return Answer(True, f"the database still holds the data of case {data.case.ref} "
                                f"that this report was made from ({printed}).")
        text = (f"the report (case {data.case.ref}) no longer matches the database: the "
                f"case's data changed since it was printed.\n  printed: {printed}\n  now:     "
                f"{current}")
        if printing is not None:
            text += "\n  " + "\n  ".join(changed_records(printing.records, data))
        return Answer(False, text)

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
