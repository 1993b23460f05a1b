"""Time-axis ticks for the timeline view and the report's timeline page.

`ticks(start, end, max_ticks)` picks the finest calendar step (days, weeks, months, quarters,
years, decades) that gives at most `max_ticks` ticks, and labels them so a reader always sees
the year: "2026", "Jan 2026", "Mar", "14 Mar 2026", "15".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# (unit, count): the steps tried, finest first.
STEPS = (("day", 1), ("day", 2), ("week", 1), ("week", 2), ("month", 1), ("month", 2),
         ("month", 3), ("month", 6), ("year", 1), ("year", 2), ("year", 5), ("year", 10),
         ("year", 20), ("year", 50), ("year", 100))
DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Tick:
    """A tick on the axis: where, its label, and whether it starts a larger unit (a new
    month on a day axis, a new year on a month axis), drawn stronger."""

    at: dt.datetime
    label: str
    major: bool


def days_between(start: dt.datetime, end: dt.datetime) -> float:
    return (end - start) / DAY


def _first(start: dt.datetime, unit: str, count: int) -> dt.datetime:
    day = dt.datetime(start.year, start.month, start.day)
    if unit == "day":
        return day if day >= start else day + DAY
    if unit == "week":  # Mondays
        monday = day - dt.timedelta(days=day.weekday())
        return monday if monday >= start else monday + 7 * DAY
    if unit == "month":
        months = (start.year * 12 + start.month - 1)
        months -= months % count
        at = dt.datetime(months // 12, months % 12 + 1, 1)
        while at < start:
            at = _add(at, unit, count)
        return at
    year = start.year - start.year % count
    at = dt.datetime(max(year, 1), 1, 1)
    while at < start:
        at = _add(at, unit, count)
    return at


def _add(at: dt.datetime, unit: str, count: int) -> dt.datetime:
    if unit == "day":
        return at + count * DAY
    if unit == "week":
        return at + 7 * count * DAY
    if unit == "month":
        months = at.year * 12 + at.month - 1 + count
        return dt.datetime(months // 12, months % 12 + 1, 1)
    return dt.datetime(at.year + count, 1, 1)


def _count(start: dt.datetime, end: dt.datetime, unit: str, count: int) -> float:
    span = days_between(start, end)
    size = {"day": 1, "week": 7, "month": 30.44, "year": 365.25}[unit] * count
    return span / size


def step_for(start: dt.datetime, end: dt.datetime, max_ticks: int) -> tuple[str, int]:
    """The finest step giving at most `max_ticks` ticks between `start` and `end`."""
    for unit, count in STEPS:
        if _count(start, end, unit, count) <= max(max_ticks, 1):
            return unit, count
    return STEPS[-1]


def ticks(start: dt.datetime, end: dt.datetime, max_ticks: int) -> list[Tick]:
    """Ticks from `start` to `end` (at most about `max_ticks`), labelled for reading."""
    if end <= start:
        end = start + DAY
    unit, count = step_for(start, end, max_ticks)
    out: list[Tick] = []
    at = _first(start, unit, count)
    previous: dt.datetime | None = None
    while at <= end and len(out) <= max_ticks + 2:
        out.append(Tick(at, _label(at, previous, unit), _major(at, previous, unit)))
        previous = at
        at = _add(at, unit, count)
    return out


def _major(at: dt.datetime, previous: dt.datetime | None, unit: str) -> bool:
    if unit == "year":
        return at.year % 10 == 0
    if unit == "month":
        return at.month == 1
    return previous is None or previous.month != at.month


def _label(at: dt.datetime, previous: dt.datetime | None, unit: str) -> str:
    if unit == "year":
        return str(at.year)
    if unit == "month":
        new_year = previous is None or previous.year != at.year
        return f"{MONTHS[at.month - 1]} {at.year}" if new_year else MONTHS[at.month - 1]
    if previous is None or previous.year != at.year:
        return f"{at.day} {MONTHS[at.month - 1]} {at.year}"
    if previous.month != at.month:
        return f"{at.day} {MONTHS[at.month - 1]}"
    return str(at.day)


def date_text(at: dt.datetime, timed: bool = False) -> str:
    """"14 Mar 2026" (and "10:40" for a timed item): how an item's date reads in the view."""
    text = f"{at.day} {MONTHS[at.month - 1]} {at.year}"
    return f"{text} {at:%H:%M}" if timed else text
