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
            return [HistoryEntry(r.seq, r.at, r.actor, r.action, r.kind or "",
                                 r.record_uid or "", _summary(r.changes, r.detail),
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


def _summary(changes: dict[str, object] | None, detail: str | None) -> str:
    """`detail`, else the changed fields as "field: old -> new" (shortened, no uids)."""
    if detail:
        return detail
    parts = []
    for name, value in (changes or {}).items():
        if name.endswith("uid") or name in ("created_by",):
            continue
        if isinstance(value, list) and len(value) == 2:
            old, new = (_short(v) for v in value)
            parts.append(f"{name}: {new}" if value[0] is None else f"{name}: {old} \u2192 {new}")
        else:
            parts.append(f"{name}: {_short(value)}")
    return "; ".join(parts)


def _short(value: object, width: int = 48) -> str:
    if isinstance(value, list | tuple):
        value = "; ".join(str(v) for v in value)
    text = "" if value is None else str(value)
    if looks_like_uid(text):
        return text[:8] + "\u2026"
    return text if len(text) <= width else text[:width - 1] + "\u2026"
