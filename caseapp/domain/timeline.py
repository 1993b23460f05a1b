"""A case's dated records as timeline items: what they are, which lane they go in, filters.

Pure logic shared by the timeline service (and so `caseapp timeline`), the window's timeline
view and the report's timeline page. Items come from a case's records (`record_items`) and,
in the service, from its history (`case_event`). Axis ticks are in `timeline_axis.py`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from caseapp.domain.records import (
    CaseRecord,
    CustodyRecord,
    LabResultRecord,
    LinkRecord,
    NoteRecord,
    SeizureRecord,
    ShipmentRecord,
)

# Timeline kinds, in lane order when lanes are per kind; "case" = case events.
TIMELINE_KINDS = ("case", "shipment", "seizure", "custody", "lab_result", "link", "note")
KIND_TITLES = {"case": "Case events", "shipment": "Shipments", "seizure": "Seizures",
               "custody": "Custody", "lab_result": "Lab results", "link": "Links",
               "note": "Notes"}
LANE_MODES = ("entity", "kind")
# One colour per kind, the same in the window and the report.
KIND_COLOURS = {"case": "#444b55", "shipment": "#d07a1f", "seizure": "#b3262d",
                "custody": "#2f5d8a", "lab_result": "#7a3f9a", "link": "#3a8a4f",
                "note": "#8a7a2f"}
NOTE_LABEL_CHARS = 48


@dataclass(frozen=True)
class TimelineItem:
    """One dated thing on the timeline: a point (`end` is None) or a span.

    `record_kind`/`uid` name the record to open; `key` is its readable key. `lane_kind` and
    `lane_uid` name the entity whose lane it goes in when lanes are per entity (`lane_title`).
    An open span (`open_end`) has started and not ended (a shipment not yet arrived).
    """

    kind: str
    record_kind: str
    uid: str
    key: str
    start: dt.datetime
    end: dt.datetime | None
    label: str
    detail: str
    lane_kind: str
    lane_uid: str
    lane_title: str
    timed: bool = False      # start/end carry a time of day (custody events, notes)
    open_end: bool = False
    short: str = ""          # the label inside its entity's lane (which names the entity)

    def label_in(self, mode: str) -> str:
        """The label to draw: shorter in a lane per entity, whose title says what it is of."""
        return (self.short or self.label) if mode == "entity" else self.label

    @property
    def last(self) -> dt.datetime:
        """Where the item ends on the axis (its start for a point or an open span)."""
        return self.end or self.start

    def json(self) -> dict[str, object]:
        """The item as `caseapp timeline --json` prints it."""
        return {"kind": self.kind, "record": {"kind": self.record_kind, "uid": self.uid,
                                              "key": self.key},
                "start": iso(self.start, self.timed),
                "end": iso(self.end, self.timed) if self.end else None,
                "open_end": self.open_end, "label": self.label, "detail": self.detail,
                "lane": {"entity": self.lane_title, "kind": KIND_TITLES[self.kind]}}


@dataclass(frozen=True)
class Lane:
    """One row group of the timeline: its title and its items (sorted by start)."""

    key: str
    title: str
    items: tuple[TimelineItem, ...]


class TimelineSource(Protocol):
    """What `record_items` reads: a case's records (`reports.data.CaseDetail` is one)."""

    @property
    def case(self) -> CaseRecord: ...
    @property
    def seizures(self) -> Sequence[SeizureRecord]: ...
    @property
    def shipments(self) -> Sequence[ShipmentRecord]: ...
    @property
    def links(self) -> Sequence[LinkRecord]: ...
    @property
    def notes(self) -> Sequence[NoteRecord]: ...
    @property
    def custody(self) -> Sequence[CustodyRecord]: ...
    @property
    def lab_results(self) -> Sequence[LabResultRecord]: ...
    def name_of(self, kind: str, uid: str | None) -> str: ...


class Names:
    """`src.name_of`, remembered, with exhibits and shipments known up front (`name_of`
    searches the case's records: once per item would be quadratic in a big case)."""

    def __init__(self, src: TimelineSource) -> None:
        self.src, self.case = src, src.case
        self.known: dict[tuple[str, str], str] = {
            **{("seizure", s.uid): s.exhibit_ref for s in src.seizures},
            **{("shipment", s.uid): s.ref for s in src.shipments}}

    def __call__(self, kind: str, uid: str | None) -> str:
        key = (kind, uid or "")
        if key not in self.known:
            self.known[key] = self.src.name_of(kind, uid)
        return self.known[key]


def iso(value: dt.datetime, timed: bool) -> str:
    """A date ("2025-09-02") or, for timed items, a minute-precise time ("2025-09-16T10:40")."""
    return value.isoformat(timespec="minutes") if timed else value.date().isoformat()


def at_day(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day)


def parse_time(text: str) -> dt.datetime:
    """A stored timestamp as the wall time it was recorded in (offset dropped: an event at
    10:40 in Mexico City stays at 10:40 on that day)."""
    return dt.datetime.fromisoformat(text.strip()).replace(tzinfo=None)


def record_items(src: TimelineSource) -> list[TimelineItem]:
    """Every dated record of the case `src` holds, as items sorted by start."""
    case = src.case
    names = Names(src)
    case_lane = entity_lane(names, "case", case.uid)
    items: list[TimelineItem] = []
    for day, what in ((case.opened_on, "opened"), (case.closed_on, "closed")):
        if day is not None:
            items.append(TimelineItem("case", "case", case.uid, case.ref, at_day(day), None,
                                      f"Case {what}", f"Case {case.ref} {what} on {day}.",
                                      *case_lane))
    items += _shipments(src, names)
    for sz in src.seizures:
        what = f"{_num(sz.net_quantity)} {sz.unit} {names('substance', sz.substance)}"
        place = f" at {sz.place}" if sz.place else ""
        items.append(TimelineItem(
            "seizure", "seizure", sz.uid, sz.exhibit_ref, at_day(sz.seized_on), None,
            f"{sz.exhibit_ref} seized", f"{sz.exhibit_ref}: {what} seized{place}.",
            *entity_lane(names, "seizure", sz.uid), short=f"seized: {what}"))
    for ev in src.custody:
        ref = names("seizure", ev.exhibit)
        event = ev.event.replace("_", " ")
        hands = " \u2192 ".join(p for p in (ev.released_by, ev.received_by) if p)
        items.append(TimelineItem(
            "custody", "custody", ev.uid, ref, parse_time(ev.at), None, f"{ref} {event}",
            f"{ref}: {event}" + (f" ({hands})" if hands else "") + ".",
            *entity_lane(names, "seizure", ev.exhibit), timed=True, short=event))
    for lab in src.lab_results:
        if lab.analysed_on is None:
            continue
        ref = names("seizure", lab.exhibit)
        found = names("substance", lab.substance) if lab.substance else "analysed"
        purity = f" {_num(lab.purity_percent)} %" if lab.purity_percent is not None else ""
        items.append(TimelineItem(
            "lab_result", "lab_result", lab.uid, lab.sample_id, at_day(lab.analysed_on), None,
            f"{ref} lab: {found}{purity}",
            f"Sample {lab.sample_id} of {ref}: {found}{purity}"
            + (f" ({lab.laboratory})" if lab.laboratory else "") + ".",
            *entity_lane(names, "seizure", lab.exhibit), short=f"lab: {found}{purity}"))
    items += _links(src, names)
    items += _notes(src, names, case_lane)
    return sorted(items, key=sort_key)


def _span(begin: dt.date | None, finish: dt.date | None
          ) -> tuple[dt.date | None, dt.date | None]:
    """(start, end) of a record dated by a pair of days: a span when both are known, else a
    point at the one that is."""
    if begin is not None and finish is not None:
        return begin, finish
    return begin or finish, None


def _shipments(src: TimelineSource, names: Names) -> list[TimelineItem]:
    out = []
    for sh in src.shipments:
        first, ends = _span(sh.shipped_on, sh.arrived_on)
        if first is None:
            continue
        route = " \u2192 ".join(n for n in (names("company", sh.shipper),
                                             names("company", sh.consignee)) if n)
        if sh.shipped_on is None:
            when = f"arrived {sh.arrived_on}"
        else:
            when = f"shipped {sh.shipped_on}, " + (
                f"arrived {sh.arrived_on}" if sh.arrived_on else "not arrived")
        out.append(TimelineItem(
            "shipment", "shipment", sh.uid, sh.ref, at_day(first),
            at_day(ends) if ends else None, sh.ref,
            f"Shipment {sh.ref}" + (f" ({route})" if route else "") + f": {when}.",
            *entity_lane(names, "shipment", sh.uid),
            open_end=sh.shipped_on is not None and sh.arrived_on is None,
            short=_route(sh)))
    return out


def _route(sh: ShipmentRecord) -> str:
    """"CN → HK → MX, express courier": where a shipment went, and how."""
    stops = [c for c in (sh.origin_country, *sh.transit_countries, sh.destination_country) if c]
    how = (sh.mode or "").replace("_", " ")
    text = " → ".join(stops)
    if sh.shipped_on and not sh.arrived_on:
        text += " (not arrived)"
    return ", ".join(t for t in (text, how) if t) or sh.ref


def _links(src: TimelineSource, names: Names) -> list[TimelineItem]:
    out = []
    for link in src.links:
        first, end = _span(link.first_seen, link.last_seen)
        if first is None:
            continue
        subject = names(link.subject_kind, link.subject)
        obj = names(link.object_kind, link.object)
        relation = link.relation.replace("_", " ")
        name = f"{subject} {relation} {obj}"  # as CaseDetail.name_of names a link
        seen = (f"seen {link.first_seen} to {link.last_seen}" if end else
                f"first seen {link.first_seen}" if link.first_seen else
                f"last seen {link.last_seen}")
        out.append(TimelineItem(
            "link", "link", link.uid, name, at_day(first),
            at_day(end) if end and end != first else None,
            f"{_abbrev(subject)} {relation} {_abbrev(obj)}", f"{name}: {seen}.",
            *entity_lane(names, link.subject_kind, link.subject),
            short=f"{relation} {obj}"))
    return out


def _notes(src: TimelineSource, names: Names, case_lane: tuple[str, str, str]
           ) -> list[TimelineItem]:
    out = []
    for note in src.notes:
        if not note.created_at:
            continue
        body = " ".join(note.body.split())
        short = body if len(body) <= NOTE_LABEL_CHARS else body[:NOTE_LABEL_CHARS - 1] + "\u2026"
        lane = case_lane
        if note.target_kind and note.target_uid:
            lane = entity_lane(names, note.target_kind, note.target_uid)
        out.append(TimelineItem(
            "note", "note", note.uid, short, parse_time(note.created_at), None,
            f"Note: {short}", f"Note by {note.author or 'unknown'}: {body}", *lane,
            timed=True))
    return out


def entity_lane(names: Names, kind: str, uid: str) -> tuple[str, str, str]:
    """(kind, uid, title) of the lane of an entity: "Exhibit EX-1", "Shipment SH-1", a name."""
    if kind == "case":
        return ("case", names.case.uid, f"Case {names.case.ref}")
    prefix = {"seizure": "Exhibit ", "shipment": "Shipment "}.get(kind, "")
    return (kind, uid, prefix + names(kind, uid))


def case_event(case: CaseRecord, at: str, label: str, detail: str) -> TimelineItem:
    """A case event from the case's history (a report printed, a bundle exported)."""
    return TimelineItem("case", "case", case.uid, case.ref, parse_time(at), None, label,
                        detail, "case", case.uid, f"Case {case.ref}", timed=True)


def sort_key(item: TimelineItem) -> tuple[dt.datetime, int, str]:
    return (item.start, TIMELINE_KINDS.index(item.kind), item.key)


def _abbrev(name: str, chars: int = 26) -> str:
    """A long name cut to about `chars` characters at a word ("Wuhan Lanshuo Yuanheng…")."""
    if len(name) <= chars:
        return name
    cut = name[:chars].rsplit(" ", 1)[0].rstrip(",.;:-")
    return (cut if len(cut) >= chars // 2 else name[:chars - 1]) + "\u2026"


def _num(value: object) -> str:
    text = f"{value:f}" if hasattr(value, "as_tuple") else str(value)
    return text.rstrip("0").rstrip(".") if "." in text else text


def filter_items(items: Iterable[TimelineItem], *, kinds: Iterable[str] | None = None,
                 start: dt.date | None = None, end: dt.date | None = None
                 ) -> list[TimelineItem]:
    """The items of `kinds` (all when None) that touch the days `start`..`end` (inclusive;
    either may be open). An open span reaches to the end of time."""
    wanted = set(kinds) if kinds is not None else set(TIMELINE_KINDS)
    lo = at_day(start) if start else None
    hi = at_day(end + dt.timedelta(days=1)) if end else None
    return [i for i in items if i.kind in wanted
            and (hi is None or i.start < hi)
            and (lo is None or i.open_end or i.last >= lo)]


def lanes(items: Sequence[TimelineItem], mode: str = "entity") -> list[Lane]:
    """The items grouped into lanes: per entity (the case first, then by first item) or per
    kind (in TIMELINE_KINDS order). Raises ValueError for another mode."""
    if mode not in LANE_MODES:
        raise ValueError(f"lanes are per entity or per kind, not {mode!r}")
    groups: dict[str, list[TimelineItem]] = {}
    titles: dict[str, str] = {}
    for item in sorted(items, key=sort_key):
        key = item.kind if mode == "kind" else f"{item.lane_kind}/{item.lane_uid}"
        groups.setdefault(key, []).append(item)
        titles[key] = KIND_TITLES[item.kind] if mode == "kind" else item.lane_title
    if mode == "kind":
        order = sorted(groups, key=TIMELINE_KINDS.index)
    else:
        order = sorted(groups, key=lambda k: (not k.startswith("case/"), groups[k][0].start,
                                              titles[k]))
    return [Lane(k, titles[k], tuple(groups[k])) for k in order]


def pack_rows(extents: Sequence[tuple[float, float]], gap: float = 0.0,
              max_rows: int | None = None) -> list[int]:
    """A row for each (left, right) extent so that extents in one row never overlap (greedy,
    in the order given, which should be by left edge). With `max_rows`, an extent that finds
    no room in that many rows gets row -1 (the caller draws it without its label)."""
    row_ends: list[float] = []
    rows = []
    for left, right in extents:
        for r, last in enumerate(row_ends):
            if left >= last + gap:
                row_ends[r] = right
                rows.append(r)
                break
        else:
            if max_rows is not None and len(row_ends) >= max_rows:
                rows.append(-1)
                continue
            row_ends.append(right)
            rows.append(len(row_ends) - 1)
    return rows


def span_of(items: Iterable[TimelineItem], today: Callable[[], dt.date] | None = None
            ) -> tuple[dt.datetime, dt.datetime] | None:
    """The first start and the last end of `items` (an open span reaches `today`)."""
    starts, ends = [], []
    for item in items:
        starts.append(item.start)
        ends.append(item.last)
        if item.open_end and today is not None:
            ends.append(at_day(today()))
    if not starts:
        return None
    return min(starts), max(ends)
