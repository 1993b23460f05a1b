"""What every export to a partner's format shares: the file written beside its target and
moved into place, and the `export` audit entry (what, to which file, how many records).

The exports themselves are `table_export.py` (spreadsheets), `stix_export.py` (STIX 2.1)
and `ftm_export.py` (FollowTheMoney); docs/interchange.md gives their mappings.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from caseapp.errors import CaseAppError, NotFoundError
from caseapp.progress import CancelToken
from caseapp.reports.data import CaseDetail

if TYPE_CHECKING:
    from caseapp.services.workspace import Workspace


@dataclass(frozen=True)
class ExportResult:
    """A written export: the file, its format, how many records (objects, entities, rows)
    it holds, and what they are in words ("5 seizures of CASE-2026-0007")."""

    path: str
    format: str
    records: int
    what: str


def json_lines(objects: list[dict[str, Any]]) -> bytes:
    """One JSON object per line, keys sorted: the same objects always give the same bytes."""
    return b"".join(json.dumps(o, ensure_ascii=False, sort_keys=True,
                               separators=(",", ":")).encode("utf-8") + b"\n"
                    for o in objects)


def json_document(doc: dict[str, Any]) -> bytes:
    """A JSON document, indented, keys sorted: the same document always gives the same bytes."""
    return (json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8")


def bytes_writer(data: bytes, records: int) -> Callable[[Path], int]:
    """A `write` for `write_export` that writes `data`, which holds `records` records."""
    def write(path: Path) -> int:
        path.write_bytes(data)
        return records
    return write


def case_with_link_ends(ws: Workspace, detail: CaseDetail) -> CaseDetail:
    """The case with the companies and persons its links and shipments name that it does
    not list itself (live ones only), so that every exported reference has its target."""
    have = {r.uid for r in (*detail.companies, *detail.persons)}
    extra: dict[str, list[Any]] = {"company": [], "person": []}
    named = [pair for link in detail.links
             for pair in ((link.subject_kind, link.subject), (link.object_kind, link.object))]
    named += [("company", uid) for s in detail.shipments
              for uid in (s.shipper, s.consignee, s.carrier) if uid]
    for kind, uid in named:
        if kind in extra and uid not in have:
            have.add(uid)
            try:
                record = ws.service(kind).get(uid)
            except NotFoundError:
                continue
            if not record.deleted:
                extra[kind].append(record)
    if not extra["company"] and not extra["person"]:
        return detail
    return dataclasses.replace(detail, companies=(*detail.companies, *extra["company"]),
                               persons=(*detail.persons, *extra["person"]))


def write_export(ws: Workspace, out: Path | str, *, fmt: str, what: Callable[[int], str],
                 case_uid: str | None, kind: str | None,
                 write: Callable[[Path], int], cancel: CancelToken | None = None
                 ) -> ExportResult:
    """Write an export with `write(part)` (which returns how many records it wrote) to a file
    beside `out`, record the `export` audit entry (`what(records)` says what was exported),
    then move the file into place: a failed or cancelled export leaves neither a file nor an
    entry. Raises CaseAppError (the folder is missing, the file cannot be written)."""
    out = Path(out)
    if not out.parent.is_dir():
        raise CaseAppError(f"Cannot write {out}: the folder {out.parent} does not exist.")
    part = out.with_name(f".{out.name}.part")
    try:
        try:
            records = write(part)
        except OSError as exc:
            raise CaseAppError(f"Cannot write {out}: {exc.strerror or exc}.") from None
        if cancel is not None:
            cancel.check()
        with ws.unit() as uow:
            uow.audit("export", kind=kind, case_uid=case_uid,
                      changes={"format": fmt, "file": str(out.resolve()), "records": records},
                      detail=f"exported {what(records)} as {fmt} to {out.name}")
            try:
                os.replace(part, out)  # inside the unit: no entry without the file
            except OSError as exc:
                raise CaseAppError(f"Cannot write {out}: {exc.strerror or exc}.") from None
    finally:
        with suppress(OSError):
            part.unlink()
    return ExportResult(str(out), fmt, records, what(records))
