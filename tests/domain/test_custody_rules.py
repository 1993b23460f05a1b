"""Every continuity rule (docs/custody.md) with an example that breaks it and one that keeps it,
and the lab-result rules likewise. Pure functions: no database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from caseapp.domain.custody import (
    accepted_result,
    continuity_warnings,
    current_holder,
    effective_chain,
    lab_warnings,
)
from caseapp.domain.records import CustodyRecord, LabResultRecord, SeizureRecord

SEIZURE = SeizureRecord(uid="s1", case_uid="c", exhibit_ref="EX-1", seized_on=dt.date(2026, 3, 2),
                        substance="npp", net_quantity=Decimal(1), unit="kg",
                        purity_percent=Decimal("97.2"))
_n = 0


def ev(event: str, at: str, frm: str | None = None, to: str | None = None,
       **more: Any) -> CustodyRecord:
    global _n
    _n += 1
    return CustodyRecord(uid=more.pop("uid", f"e{_n}"), case_uid="c", exhibit="s1", event=event,
                         at=f"2026-03-{at}:00+00:00", released_by=frm, received_by=to, **more)


def start() -> list[CustodyRecord]:
    return [ev("received", "02T10:00", None, "Ann"),
            ev("sealed", "02T11:00", None, "Ann", seal_no="S-1", seal_intact="yes")]


def rules(events: list[CustodyRecord]) -> list[str]:
    return [w.rule for w in continuity_warnings(SEIZURE, events)]


# (rule, a chain that breaks it, a chain that keeps it)
CASES = {
    "release_without_receipt": (
        [*start(), ev("transferred", "03T09:00", "Ann", None, seal_no="S-1")],
        [*start(), ev("transferred", "03T09:00", "Ann", "Bob", seal_no="S-1")]),
    "holder_mismatch": (
        [*start(), ev("transferred", "03T09:00", "Ann", "Bob"),
         ev("sent_to_lab", "04T09:00", "Carl", "Lab")],
        [*start(), ev("transferred", "03T09:00", "Ann", "Bob"),
         ev("sent_to_lab", "04T09:00", "bob ", "Lab")]),
    "out_of_order": (
        [*start(), ev("transferred", "05T09:00", "Ann", "Bob"),
         ev("transferred", "04T09:00", "Bob", "Carl")],
        [*start(), ev("transferred", "04T09:00", "Ann", "Bob"),
         ev("transferred", "05T09:00", "Bob", "Carl")]),
    "seal_changed": (
        [*start(), ev("transferred", "03T09:00", "Ann", "Bob", seal_no="S-2")],
        [*start(), ev("resealed", "03T09:00", None, "Ann", seal_no="S-2"),
         ev("transferred", "03T10:00", "Ann", "Bob", seal_no="S-2")]),
    "seal_broken": (
        [*start(), ev("transferred", "03T09:00", "Ann", "Bob", seal_no="S-1",
                      seal_intact="no")],
        [*start(), ev("sampled", "03T09:00", "Ann", "Ann", seal_no="S-1", seal_intact="no"),
         ev("resealed", "03T10:00", None, "Ann", seal_no="S-2", seal_intact="yes")]),
    "used_after_destroyed": (
        [*start(), ev("destroyed", "03T09:00", "Ann", None, authority="Court order 1"),
         ev("transferred", "04T09:00", "Ann", "Bob")],
        [*start(), ev("transferred", "03T09:00", "Ann", "Bob"),
         ev("destroyed", "04T09:00", "Bob", None, authority="Court order 1")]),
}


@pytest.mark.parametrize("rule", list(CASES))
def test_each_rule_has_a_failing_and_a_passing_chain(rule: str) -> None:
    broken, kept = CASES[rule]
    assert rule in rules(broken)
    assert rules(kept) == []


def test_an_event_dated_before_the_seizure_is_out_of_order() -> None:
    early = CustodyRecord(uid="x", case_uid="c", exhibit="s1", event="received",
                          at="2026-03-01T23:00:00+00:00", received_by="Ann")
    assert rules([early]) == ["out_of_order"]


def test_a_correction_replaces_the_event_it_names_and_keeps_its_place() -> None:
    chain = start()
    wrong = ev("transferred", "03T09:00", "Ann", "Bob", seal_no="S-9", uid="wrong")
    later = ev("transferred", "04T09:00", "Bob", "Carl", seal_no="S-1")
    fixed = ev("transferred", "03T09:00", "Ann", "Bob", seal_no="S-1", corrects="wrong")
    assert "seal_changed" in rules([*chain, wrong, later])
    events = [*chain, wrong, later, fixed]
    assert [e.uid for e in effective_chain(events)] == [chain[0].uid, chain[1].uid, fixed.uid,
                                                        later.uid]
    assert rules(events) == []   # recorded after `later` but in the place of `wrong`
    assert current_holder(events) == "Carl"


def result(sample: str, purity: str, unc: str = "0.5", substance: str = "npp",
           accepted: bool = False) -> LabResultRecord:
    return LabResultRecord(uid=sample, case_uid="c", exhibit="s1", sample_id=sample,
                           substance=substance, purity_percent=Decimal(purity),
                           uncertainty_percent=Decimal(unc), accepted=accepted)


NAMES = {"npp": "NPP", "anpp": "4-ANPP"}


def lab_rules(results: list[LabResultRecord], seizure: SeizureRecord = SEIZURE) -> list[str]:
    return [w.rule for w in lab_warnings(seizure, results, NAMES)]


def test_lab_results_that_disagree_are_a_warning() -> None:
    assert lab_rules([result("A", "97.2", accepted=True), result("B", "80.0")]) == [
        "lab_disagreement"]
    assert lab_rules([result("A", "97.2", accepted=True), result("B", "96.0")]) == []
    # within their (wide) stated uncertainties
    assert lab_rules([result("A", "97.2", "3", accepted=True), result("B", "92.5", "2")]) == []


def test_a_lab_result_naming_another_substance_is_a_warning() -> None:
    assert "lab_substance" in lab_rules([result("A", "97.2", substance="anpp", accepted=True)])
    assert lab_rules([result("A", "97.2", substance="npp", accepted=True)]) == []


def test_a_seizure_purity_other_than_the_accepted_result_is_a_warning() -> None:
    assert lab_rules([result("A", "90.0", accepted=True)]) == ["lab_purity"]
    assert lab_rules([result("A", "90.0")]) == []   # not accepted: the seizure keeps its own
    assert accepted_result([result("A", "90.0"), result("B", "97.2", accepted=True)]).uid == "B"
