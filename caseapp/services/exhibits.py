"""Exhibits as JSON documents: an exhibit's chain of custody, and the attachments list
(`caseapp custody show --json`, `caseapp attachments list --json`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from caseapp.db.models import Case, Seizure
from caseapp.domain.custody import (
    continuity_warnings,
    current_holder,
    current_seal,
    effective_chain,
    lab_warnings,
)
from caseapp.domain.records import AttachmentRecord, CustodyRecord, LabResultRecord
from caseapp.errors import CaseAppError
from caseapp.services.json_out import record_json
from caseapp.services.records import ListQuery

if TYPE_CHECKING:
    from caseapp.services.workspace import Workspace


def chain_json(ws: Workspace, case: str, exhibit: str) -> dict[str, Any]:
    """{exhibit, holder, seal, events [..., standing], lab_results, warnings}."""
    seizure, events = ws.custody.chain(case, exhibit)
    results = [r for r in ws.lab_results.case_results(seizure.case_uid)
               if r.exhibit == seizure.uid]
    standing = {e.uid for e in effective_chain(events)}
    names = ws.lab_results.substance_names({seizure.substance}
                                           | {r.substance for r in results if r.substance})

    def namer(kind: str, uid: str | None) -> str:
        if kind == "seizure":
            return seizure.exhibit_ref
        if kind == "substance" and uid:
            return names.get(uid, uid)
        return uid or ""

    warnings = continuity_warnings(seizure, events) + lab_warnings(seizure, results, names)
    return {
        "exhibit": {"uid": seizure.uid, "ref": seizure.exhibit_ref,
                    "purity_percent": None if seizure.purity_percent is None
                    else float(seizure.purity_percent),
                    "lab_confirmed": seizure.lab_confirmed, "lab_ref": seizure.lab_ref},
        "holder": current_holder(events),
        "seal": current_seal(events),
        "events": [{**record_json(e, namer), "standing": e.uid in standing} for e in events],
        "lab_results": [record_json(r, namer) for r in results],
        "warnings": [w.as_json() for w in warnings],
    }


def exhibit_record_json(ws: Workspace, record: CustodyRecord | LabResultRecord
                        ) -> dict[str, Any]:
    """A custody event or lab result as JSON, its exhibit and substance by name."""
    exhibit = ws.seizures.get(record.exhibit)
    substance = getattr(record, "substance", None)
    names = ws.lab_results.substance_names({substance}) if substance else {}

    def namer(kind: str, uid: str | None) -> str:
        if kind == "seizure":
            return exhibit.exhibit_ref
        if kind == "substance" and uid:
            return names.get(uid, uid)
        return uid or ""

    return record_json(record, namer)


def attachments_json(ws: Workspace, case: str | None) -> list[dict[str, Any]]:
    """Attachments of one case (or all cases), with their case and the record they are on."""
    with ws.db.read() as s:
        case_uid = ws.cases.case_uid_in(s, case) if case else None
        refs = {str(u): str(r) for u, r in s.execute(select(Case.uid, Case.ref))}
        exhibits = {str(u): str(r) for u, r in s.execute(select(Seizure.uid, Seizure.exhibit_ref))}
    out = []
    for a in ws.attachments.list_all(ListQuery(case_uid=case_uid, sort="created_at")):
        assert isinstance(a, AttachmentRecord)
        target = None
        if a.target_uid:
            name = exhibits.get(a.target_uid, a.target_uid) if a.target_kind == "seizure" \
                else a.target_uid
            target = {"kind": a.target_kind, "uid": a.target_uid, "name": name}
        out.append({"uid": a.uid, "case": {"uid": a.case_uid, "ref": refs.get(a.case_uid)},
                    "filename": a.filename, "media_type": a.media_type, "size": a.size,
                    "sha256": a.sha256, "target": target, "created_at": a.created_at,
                    "created_by": a.created_by})
    return out


def custody_form(ws: Workspace, case: str, exhibit: str, path: Path | str, *,
                 prepared_by: str | None = None) -> int:
    """Print the custody form of one exhibit to `path` (audited as a report); returns pages."""
    from caseapp.reports.custody import render_custody_form

    seizure, events = ws.custody.chain(case, exhibit)
    case_record = ws.cases.get(seizure.case_uid)
    results = [r for r in ws.lab_results.case_results(seizure.case_uid)
               if r.exhibit == seizure.uid]
    names = ws.lab_results.substance_names({seizure.substance})
    warnings = continuity_warnings(seizure, events) + lab_warnings(seizure, results, names)
    out = Path(path)
    try:
        pages = render_custody_form(case_record.ref, case_record.handling, seizure,
                                    names.get(seizure.substance, seizure.substance), events,
                                    warnings, out, prepared_by=prepared_by or ws.identity.actor)
    except OSError as exc:
        raise CaseAppError(f"Cannot write {out}: {exc.strerror}.") from None
    with ws.unit() as uow:
        uow.audit("report", kind="seizure", record_uid=seizure.uid, case_uid=seizure.case_uid,
                  detail=f"custody form of {seizure.exhibit_ref} ({pages} pages)")
    return pages
