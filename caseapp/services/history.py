"""A case's history for the window: its audit entries, newest first, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from caseapp.db.models import AuditEntry

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
            return [HistoryEntry(r.seq, r.at, r.actor, r.action, r.kind or "",
                                 r.record_uid or "", _summary(r.changes, r.detail))
                    for r in rows]


def _summary(changes: dict[str, object] | None, detail: str | None) -> str:
    """`detail`, else the changed fields as "field: old -> new" (shortened)."""
    if detail:
        return detail
    parts = []
    for name, value in (changes or {}).items():
        if name == "case_uid":
            continue
        if isinstance(value, list) and len(value) == 2:
            old, new = (_short(v) for v in value)
            parts.append(f"{name}: {new}" if value[0] is None else f"{name}: {old} \u2192 {new}")
        else:
            parts.append(f"{name}: {_short(value)}")
    return "; ".join(parts)


def _short(value: object, width: int = 48) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= width else text[:width - 1] + "\u2026"
