"""Saved link-chart layouts, one per case: node positions, pinned nodes, the layout used.

Local view state (table `chart_layouts`, not synced, no audit entry: arranging a chart changes
no evidence). The window restores it on reopening the chart; the report's network page draws
the nodes where the analyst left them (reports/network.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlalchemy.dialects.sqlite import insert

from caseapp.db.changelog import utc_now
from caseapp.db.models import ChartLayout
from caseapp.domain.graph_layout import LAYOUTS
from caseapp.errors import ValidationError

if TYPE_CHECKING:
    from caseapp.services.workspace import Workspace

Point = tuple[float, float]


@dataclass(frozen=True)
class SavedLayout:
    """A case's chart as the analyst left it: node id -> (x, y) in scene units."""

    case_uid: str
    layout: str
    positions: dict[str, Point]
    pinned: frozenset[str]
    saved_at: str
    saved_by: str


class ChartLayoutService:
    """Save, load and forget the layout of a case's link chart."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def save(self, case_ref: str, layout: str, positions: dict[str, Point],
             pinned: frozenset[str] = frozenset()) -> SavedLayout:
        """Keep the positions (replacing any saved before). Raises ValidationError,
        NotFoundError (case)."""
        if layout not in LAYOUTS:
            raise ValidationError(f"The layout is one of {', '.join(LAYOUTS)}, not {layout!r}.")
        clean = {str(k): [float(v[0]), float(v[1])] for k, v in positions.items()}
        with self.ws.unit() as uow:
            case_uid = self.ws.cases.case_uid_in(uow.session, case_ref)
            row = {"case_uid": case_uid, "layout": layout, "positions": clean,
                   "pinned": sorted(pinned), "saved_at": utc_now(),
                   "saved_by": self.ws.identity.actor}
            stmt = insert(ChartLayout).values(**row)
            uow.session.execute(stmt.on_conflict_do_update(
                index_elements=["case_uid"],
                set_={k: stmt.excluded[k] for k in row if k != "case_uid"}))
        return _record(row)

    def load(self, case_ref: str) -> SavedLayout | None:
        """The saved layout of the case, or None. Raises NotFoundError (case)."""
        with self.ws.db.read() as s:
            case_uid = self.ws.cases.case_uid_in(s, case_ref)
            row = s.execute(select(ChartLayout).where(ChartLayout.case_uid == case_uid)
                            ).scalar_one_or_none()
            if row is None:
                return None
            return _record({c: getattr(row, c) for c in (
                "case_uid", "layout", "positions", "pinned", "saved_at", "saved_by")})

    def forget(self, case_ref: str) -> None:
        """Drop the saved layout of the case (the chart lays itself out again)."""
        with self.ws.unit() as uow:
            case_uid = self.ws.cases.case_uid_in(uow.session, case_ref)
            uow.session.execute(delete(ChartLayout).where(ChartLayout.case_uid == case_uid))


def _record(row: Mapping[str, object]) -> SavedLayout:
    positions = row["positions"]
    pinned = row["pinned"]
    assert isinstance(positions, dict) and isinstance(pinned, list)
    return SavedLayout(str(row["case_uid"]), str(row["layout"]),
                       {k: (float(v[0]), float(v[1])) for k, v in positions.items()},
                       frozenset(str(p) for p in pinned), str(row["saved_at"]),
                       str(row["saved_by"]))
