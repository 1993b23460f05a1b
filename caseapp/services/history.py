"""A case's history for the window: its audit entries, newest first, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from caseapp.db.models import AuditEntry, table_of
from caseapp.domain.kinds import NAME_FIELDS
from caseapp.services.records import looks_like_uid

if TYPE_CHECKING:
    from caseapp.services.workspace import Workspace


@dataclass(frozen=True)
class HistoryEntry:
    """One audit entry as a person reads it."""

    seq: int
    at: str
    actor: str
    action: str
    kind: str
    record_uid: str
    summary: str
    record: str = ""   # "seizure EX-0007-01": the record's readable key when it has one


class HistoryService:
    """Audit entries of one case (by uid)."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def count(self, case_uid: str) -> int:
        with self.ws.db.read() as s:
            return int(s.execute(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.case_uid == case_uid)).scalar() or 0)

    def page(self, case_uid: str, *, before_seq: int | None = None,
             limit: int = 200) -> list[HistoryEntry]:
        """Up to `limit` entries older than `before_seq` (newest first)."""
        query = select(AuditEntry).where(AuditEntry.case_uid == case_uid)
        if before_seq is not None:
            query = query.where(AuditEntry.seq < before_seq)
        with self.ws.db.read() as s:
            rows = s.execute(query.order_by(AuditEntry.seq.desc()).limit(limit)).scalars().all()
            names = self._names(s, {(r.kind, r.record_uid) for r in rows
                                    if r.kind and r.kind in NAME_FIELDS and r.record_uid})
            labels = self._labels(s, {v for r in rows for v in _uid_values(r.changes)})
            return [HistoryEntry(r.seq, r.at, r.actor, r.action, r.kind or "",
                                 r.record_uid or "", _summary(r.changes, r.detail, labels),
                                 f"{r.kind} {names[(r.kind or '', r.record_uid or '')]}"
                                 if (r.kind or "", r.record_uid or "") in names
                                 else (r.kind or ""))
                    for r in rows]

    @staticmethod
    def _names(s: Any, keys: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
        out: dict[tuple[str, str], str] = {}
        for kind in {k for k, _u in keys}:
            table = table_of(kind)
            uids = [u for k, u in keys if k == kind]
            rows = s.execute(select(table.c.uid, table.c[NAME_FIELDS[kind]])
                             .where(table.c.uid.in_(uids)))
            out.update({(kind, str(r[0])): str(r[1]) for r in rows})
        return out


    @staticmethod
    def _labels(s: Any, uids: set[str]) -> dict[str, str]:
        """The names of the records `uids` name (a seizure's substance, a shipment's
        consignee), whatever their kind."""
        out: dict[str, str] = {}
        if not uids:
            return out
        for kind, field in NAME_FIELDS.items():
            table = table_of(kind)
            rows = s.execute(select(table.c.uid, table.c[field])
                             .where(table.c.uid.in_(list(uids))))
            out.update({str(r[0]): str(r[1]) for r in rows})
        return out


def _uid_values(changes: dict[str, object] | None) -> set[str]:
    found: set[str] = set()
    for value in (changes or {}).values():
        for v in value if isinstance(value, list | tuple) else [value]:
            if isinstance(v, str) and looks_like_uid(v):
                found.add(v)
    return found


def _summary(changes: dict[str, object] | None, detail: str | None,
             labels: dict[str, str] | None = None) -> str:
    """`detail`, else the changed fields as "field: old -> new" (shortened; records by
    name, never by uid)."""
    if detail:
        return detail
    parts = []
    for name, value in (changes or {}).items():
        if name.endswith("uid") or name in ("created_by",):
            continue
        shown = name.replace("_", " ")
        if isinstance(value, list) and len(value) == 2:
            old, new = (_short(v, labels or {}) for v in value)
            parts.append(f"{shown}: {new}" if value[0] is None
                         else f"{shown}: {old} \u2192 {new}")
        else:
            parts.append(f"{shown}: {_short(value, labels or {})}")
    return "; ".join(parts)


def _short(value: object, labels: dict[str, str], width: int = 48) -> str:
    if isinstance(value, list | tuple):
        value = "; ".join(str(v) for v in value)
    text = "" if value is None else str(value)
    if looks_like_uid(text):
        return labels.get(text, "a record no longer here")
    text = text.replace("_", " ") if text.islower() and "_" in text and " " not in text \
        else text
    return text if len(text) <= width else text[:width - 1] + "\u2026"
