"""Continuity of an exhibit's chain of custody, and agreement of its lab results.

Pure functions over records (no database): `effective_chain` applies corrections,
`continuity_warnings` checks the rules of docs/custody.md, `lab_warnings` compares lab results
with each other and with the seizure. Each warning names its rule, so a test, the window and the
report can all tell them apart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from caseapp.domain.records import CustodyRecord, LabResultRecord, SeizureRecord

# Events by which the exhibit changes hands: the event's `released_by` gives it up, its
# `received_by` takes it.
RELEASES = frozenset({"transferred", "sent_to_lab", "returned"})
# Events that may open the seal on purpose (so "seal intact: no" is expected there).
OPENS_SEAL = frozenset({"sampled", "destroyed"})
# Purity disagreement beyond the stated uncertainties, with this floor (percentage points).
PURITY_TOLERANCE = Decimal("2")

RULES = {
    "release_without_receipt": "a release without a matching receipt",
    "holder_mismatch": "a holder who differs from the previous receiver",
    "out_of_order": "events out of time order",
    "seal_changed": "a seal number that changes without a resealed event",
    "seal_broken": "a seal reported broken",
    "used_after_destroyed": "an exhibit destroyed and then used",
    "lab_disagreement": "lab results that disagree",
    "lab_substance": "a lab result that names another substance than the seizure",
    "lab_purity": "a seizure purity that differs from its accepted lab result",
}


@dataclass(frozen=True)
class CustodyWarning:
    """One broken rule: which exhibit, which rule, which event (or lab result), and why."""

    exhibit_uid: str
    exhibit_ref: str
    rule: str
    message: str
    record_uid: str | None = None

    def as_json(self) -> dict[str, object]:
        return {"exhibit": {"uid": self.exhibit_uid, "ref": self.exhibit_ref},
                "rule": self.rule, "message": self.message, "record": self.record_uid}


def _moment(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _same(a: str | None, b: str | None) -> bool:
    return " ".join((a or "").split()).casefold() == " ".join((b or "").split()).casefold()


def effective_chain(events: Sequence[CustodyRecord]) -> list[CustodyRecord]:
    """The events that stand, in time order: a corrected event gives way to its correction
    (a correction of a correction too). `events` come in recording order; ties in time keep it.
    """
    corrected = {e.corrects for e in events if e.corrects}
    standing = [e for e in events if e.uid not in corrected and not e.deleted]
    order = {e.uid: i for i, e in enumerate(standing)}
    return sorted(standing, key=lambda e: (_moment(e.at), order[e.uid]))


def current_holder(events: Sequence[CustodyRecord]) -> str | None:
    """Who holds the exhibit after the last standing event (None: nobody, or destroyed)."""
    holder: str | None = None
    for e in effective_chain(events):
        if e.event == "destroyed":
            return None
        if e.received_by:
            holder = e.received_by
    return holder


def current_seal(events: Sequence[CustodyRecord]) -> str | None:
    seal: str | None = None
    for e in effective_chain(events):
        if e.seal_no:
            seal = e.seal_no
    return seal


def continuity_warnings(seizure: SeizureRecord,
                        events: Sequence[CustodyRecord]) -> list[CustodyWarning]:
    """Every continuity rule the exhibit's chain breaks (events in recording order)."""
    out: list[CustodyWarning] = []

    def warn(rule: str, event: CustodyRecord, message: str) -> None:
        out.append(CustodyWarning(seizure.uid, seizure.exhibit_ref, rule, message, event.uid))

    chain = effective_chain(events)
    # The same events in recording order; a correction takes the place of what it corrects.
    place: dict[str, int] = {}
    for i, e in enumerate(events):
        place[e.uid] = place.get(e.corrects or "", i)
    recorded = sorted(chain, key=lambda e: place[e.uid])
    latest: CustodyRecord | None = None
    for e in recorded:
        if latest is not None and _moment(e.at) < _moment(latest.at):
            warn("out_of_order", e, f"The {_label(e)} was recorded after the {_label(latest)} "
                                    "but is dated before it.")
        if latest is None or _moment(e.at) >= _moment(latest.at):
            latest = e
        if _moment(e.at).date() < seizure.seized_on:
            warn("out_of_order", e, f"The {_label(e)} is dated before the seizure "
                                    f"({seizure.seized_on.isoformat()}).")
    holder: str | None = None
    seal: str | None = None
    destroyed: CustodyRecord | None = None
    for e in chain:
        if destroyed is not None:
            warn("used_after_destroyed", e, f"The {_label(e)} comes after the exhibit was "
                                            f"destroyed ({_when(destroyed)}).")
        if e.event in RELEASES and not e.received_by:
            warn("release_without_receipt", e,
                 f"The {_label(e)} releases the exhibit but names nobody who received it.")
        if e.released_by and holder and not _same(e.released_by, holder):
            warn("holder_mismatch", e, f"The {_label(e)} is released by {e.released_by}, but "
                                       f"the exhibit was last received by {holder}.")
        elif e.event in RELEASES and holder and not e.released_by:
            warn("holder_mismatch", e, f"The {_label(e)} does not say who released the "
                                       f"exhibit (last received by {holder}).")
        if e.seal_no:
            if seal and not _same(e.seal_no, seal) and e.event != "resealed":
                warn("seal_changed", e, f"The seal number changes from {seal} to {e.seal_no} "
                                        f"at the {_label(e)} without a resealed event.")
            seal = e.seal_no
        if e.seal_intact == "no" and e.event not in OPENS_SEAL:
            warn("seal_broken", e, f"The seal is reported broken at the {_label(e)}.")
        if e.received_by:
            holder = e.received_by
        if e.event == "destroyed":
            destroyed = destroyed or e
    return out


def lab_warnings(seizure: SeizureRecord, results: Sequence[LabResultRecord],
                 name_of: dict[str, str]) -> list[CustodyWarning]:
    """Lab results that disagree with each other, with the seizure's substance, or (for the
    accepted one) with the seizure's purity. `name_of` names substances by uid."""
    out: list[CustodyWarning] = []
    live = [r for r in results if not r.deleted]

    def warn(rule: str, r: LabResultRecord, message: str) -> None:
        out.append(CustodyWarning(seizure.uid, seizure.exhibit_ref, rule, message, r.uid))

    for r in live:
        if r.substance and r.substance != seizure.substance:
            warn("lab_substance", r, f"Sample {r.sample_id} ({r.laboratory or 'lab'}) identified "
                                     f"{name_of.get(r.substance, r.substance)}; the seizure "
                                     f"records {name_of.get(seizure.substance, 'another')}.")
    for i, a in enumerate(live):
        for b in live[i + 1:]:
            if a.substance and b.substance and a.substance != b.substance:
                warn("lab_disagreement", b, f"Samples {a.sample_id} and {b.sample_id} identify "
                                            "different substances.")
            elif a.purity_percent is not None and b.purity_percent is not None:
                allowed = max(PURITY_TOLERANCE, (a.uncertainty_percent or Decimal(0))
                              + (b.uncertainty_percent or Decimal(0)))
                gap = abs(a.purity_percent - b.purity_percent)
                if gap > allowed:
                    warn("lab_disagreement", b,
                         f"Samples {a.sample_id} ({a.purity_percent} %) and {b.sample_id} "
                         f"({b.purity_percent} %) differ by {gap} points, more than their "
                         f"uncertainty allows ({allowed}).")
    accepted = accepted_result(live)
    if accepted is not None and accepted.purity_percent is not None \
            and seizure.purity_percent != accepted.purity_percent:
        warn("lab_purity", accepted,
             f"The seizure's purity ({seizure.purity_percent} %) is not that of the accepted "
             f"result {accepted.sample_id} ({accepted.purity_percent} %).")
    return out


def accepted_result(results: Sequence[LabResultRecord]) -> LabResultRecord | None:
    """The accepted lab result (the latest accepted one if several are)."""
    accepted = [r for r in results if r.accepted and not r.deleted]
    return accepted[-1] if accepted else None


def _label(e: CustodyRecord) -> str:
    return f"{e.event.replace('_', ' ')} event of {_when(e)}"


def _when(e: CustodyRecord) -> str:
    return _moment(e.at).strftime("%Y-%m-%d %H:%M")
