"""A case's timeline: every dated record, plus the case's events from its history.

`TimelineService(ws).timeline(ref, kinds=..., start=..., end=...)` backs `caseapp timeline`
and the window's timeline view; the report's timeline page uses the same items from the
records (`domain.timeline.record_items`) without the history events, so two printings of
unchanged data read the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from caseapp.db.models import AuditEntry
from caseapp.domain.records import CaseRecord
from caseapp.domain.timeline import (
    TIMELINE_KINDS,
    TimelineItem,
    case_event,
    filter_items,
    record_items,
    sort_key,
)
from caseapp.errors import ValidationError

if TYPE_CHECKING:
    from caseapp.services.workspace import Workspace

# History entries that are events of the case (the records' own dates cover the rest).
EVENT_ACTIONS = {"report": "Report printed", "export": "Exported",
                 "import": "Imported", "approve": "Report approved"}


@dataclass(frozen=True)
class Timeline:
    """The items of one case (filtered as asked), sorted by start."""

    case: CaseRecord
    items: tuple[TimelineItem, ...]
    total: int   # items before the filter

    def json(self) -> dict[str, Any]:
        """`caseapp timeline --json`."""
        return {"case": {"uid": self.case.uid, "ref": self.case.ref},
                "total": self.total, "items": [i.json() for i in self.items]}


def parse_kinds(kinds: Iterable[str] | None) -> tuple[str, ...] | None:
    """Kind names as typed ("lab", "lab_result", "custody", …); raises ValidationError."""
    if kinds is None:
        return None
    aliases = {"lab": "lab_result", "event": "case", "events": "case"}
    out = []
    for kind in kinds:
        name = aliases.get(kind.strip().lower(), kind.strip().lower()).rstrip("s")
        if name not in TIMELINE_KINDS:
            raise ValidationError(f"{kind!r} is not a timeline kind; use one of "
                                  f"{', '.join(TIMELINE_KINDS)}.", field="kind")
        out.append(name)
    return tuple(out)


def parse_day(text: str | None, what: str) -> dt.date | None:
    """A date as typed on the command line (YYYY-MM-DD); raises ValidationError."""
    if text is None or not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(f"{what}: {text!r} is not a date (use YYYY-MM-DD, e.g. "
                              "2026-03-14).", field=what) from None


class TimelineService:
    """Timelines of cases."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def timeline(self, case_key: str, *, kinds: Iterable[str] | None = None,
                 start: dt.date | None = None, end: dt.date | None = None) -> Timeline:
        """Every dated record of the case `case_key` (ref or uid) and its events, of `kinds`
        (all when None) touching `start`..`end` (inclusive, either open).

        Raises NotFoundError (no such case), ValidationError (unknown kind, `end` before
        `start`).
        """
        wanted = parse_kinds(kinds)
        if start and end and end < start:
            raise ValidationError(f"The timeline ends ({end}) before it starts ({start}).",
                                  field="to")
        detail = self.ws.cases.show(case_key)
        items = record_items(detail) + self.case_events(detail.case)
        items.sort(key=sort_key)
        shown = filter_items(items, kinds=wanted, start=start, end=end)
        return Timeline(detail.case, tuple(shown), len(items))

    def case_events(self, case: CaseRecord) -> list[TimelineItem]:
        """Reports printed and approved, bundles exported, imports, status changes: from
        the case's audit entries."""
        with self.ws.db.read() as s:
            rows = s.execute(select(AuditEntry.at, AuditEntry.actor, AuditEntry.action,
                                    AuditEntry.kind, AuditEntry.changes, AuditEntry.detail)
                             .where(AuditEntry.case_uid == case.uid,
                                    AuditEntry.outcome == "ok")
                             .order_by(AuditEntry.seq)).all()
        out = []
        for r in rows:
            if r.action in EVENT_ACTIONS and r.kind in (None, "case"):
                label = EVENT_ACTIONS[r.action]
                out.append(case_event(case, r.at, label,
                                      f"{label} by {r.actor}" + (f": {r.detail}" if r.detail
                                                                 else ".")))
            elif (r.kind == "case" and r.action == "update" and r.changes
                  and "status" in r.changes):
                status = _new_value(r.changes["status"])
                out.append(case_event(case, r.at, f"Status: {status}",
                                      f"Case status set to {status} by {r.actor}."))
        return out


def _new_value(change: object) -> str:
    """The new value of an audit change ({"old", "new"} or [old, new] or the value)."""
    if isinstance(change, dict):
        return str(change.get("new", change))
    if isinstance(change, list | tuple) and len(change) == 2:
        return str(change[1])
    return str(change)
