"""Demo chains of custody and lab results for the demo cases (services/demo.py).

Invented people and seal numbers, following the NIST/UNODC custody forms: every exhibit is
received, sealed, handed on with a receipt, sampled and resealed. One chain has a gap (the
fentanyl exhibit EX-0007-05 leaves an agent's hands and is next released by an evidence
technician who never signed for it), so the continuity warning has something to show; one
event in the second case is corrected (a mistyped seal number), so a correction shows too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from caseapp.db.changelog import UnitOfWork

if TYPE_CHECKING:
    from caseapp.services.workspace import Workspace

FOUR_AP, NPP, BOC, ANPP, PIPERIDONE, FENTANYL = (
    "23056-29-3", "39742-60-4", "79099-07-3", "21409-26-7", "41661-47-6", "437-38-7")


def _ev(event: str, at: str, frm: str | None, to: str | None, **more: str) -> dict[str, str]:
    fields = {"event": event, "at": at, **more}
    if frm:
        fields["released_by"] = frm
    if to:
        fields["received_by"] = to
    return fields


MARSH, NOVAK, DOYLE = ("CBPO J. Marsh (CBP, IMF O'Hare)", "A. Novak, chemist (CBP LSSD Chicago)",
                       "K. Doyle, seized property custodian (CBP Chicago)")
IBARRA, OROZCO, SALINAS = ("Tte. R. Ibarra (SEMAR)", "Lic. P. Orozco, evidence custodian (FGR "
                           "Colima)", "Dr. M. Salinas (FGR chemistry laboratory)")
RUIZ, WHITFIELD, PRYOR, LEE = ("CBPO D. Ruiz (CBP Otay Mesa)", "SA T. Whitfield (HSI San Diego)",
                               "M. Pryor, evidence technician (HSI San Diego)",
                               "C. Lee, chemist (CBP LSSD San Diego)")
VEGA, TORRES = "Agente S. Vega (ANAM, AICM)", "Lic. H. Torres, evidence custodian (FGR CDMX)"

CUSTODY: Mapping[str, tuple[dict[str, str], ...]] = {
    "EX-0007-01": (
        _ev("received", "2025-09-16T10:40:00-05:00", None, MARSH,
            location="International Mail Facility, Chicago O'Hare",
            condition="Four foil vacuum bags in retail boxes, undamaged",
            witness="CBPO L. Grant"),
        _ev("sealed", "2025-09-16T11:15:00-05:00", None, MARSH, seal_no="CBP-IMF-20931",
            seal_intact="yes", witness="CBPO L. Grant"),
        _ev("sent_to_lab", "2025-09-17T08:30:00-05:00", MARSH, NOVAK,
            purpose="Identification and purity", seal_no="CBP-IMF-20931", seal_intact="yes",
            location="CBP LSSD Chicago"),
        _ev("sampled", "2025-09-18T13:00:00-05:00", NOVAK, NOVAK, seal_no="CBP-IMF-20931",
            seal_intact="no", sample_id="CHI-25-01187-A", notes="Seal cut to sample; 2 g"),
        _ev("resealed", "2025-09-18T13:20:00-05:00", None, NOVAK, seal_no="LSSD-CHI-77310",
            seal_intact="yes"),
        _ev("returned", "2025-09-24T09:10:00-05:00", NOVAK, DOYLE, purpose="Storage",
            seal_no="LSSD-CHI-77310", seal_intact="yes",
            location="CBP Chicago seized property vault"),
    ),
    "EX-0007-03": (
        _ev("received", "2026-03-02T14:20:00-06:00", None, IBARRA,
            location="Port of Manzanillo, inspection yard", condition="Ten 25 kg sacks, closed",
            witness="Agente L. Campos (ANAM)"),
        _ev("sealed", "2026-03-02T16:05:00-06:00", None, IBARRA, seal_no="SEMAR-MZO-118204",
            seal_intact="yes", witness="Agente L. Campos (ANAM)"),
        _ev("transferred", "2026-03-03T09:30:00-06:00", IBARRA, OROZCO,
            purpose="Evidence storage", location="FGR Colima evidence room",
            seal_no="SEMAR-MZO-118204", seal_intact="yes"),
        _ev("sampled", "2026-03-05T11:00:00-06:00", OROZCO, OROZCO, seal_no="SEMAR-MZO-118204",
            seal_intact="no", sample_id="FGR-QF-2026-0312-M1", witness=SALINAS,
            notes="Ten sub-samples of 5 g, one per sack, to the FGR laboratory"),
        _ev("resealed", "2026-03-05T11:45:00-06:00", None, OROZCO, seal_no="FGR-COL-55012",
            seal_intact="yes", witness=SALINAS),
    ),
    "EX-0007-05": (
        _ev("received", "2026-08-19T15:10:00-07:00", None, RUIZ,
            location="Otay Mesa Port of Entry, secondary inspection",
            condition="Two vacuum-sealed packages", witness="CBPO A. Nunez"),
        _ev("sealed", "2026-08-19T15:55:00-07:00", None, RUIZ, seal_no="CBP-OTM-44817",
            seal_intact="yes", witness="CBPO A. Nunez"),
        _ev("transferred", "2026-08-20T10:00:00-07:00", RUIZ, WHITFIELD,
            purpose="Investigation (controlled delivery follow-up)", seal_no="CBP-OTM-44817",
            seal_intact="yes", location="HSI San Diego"),
        # The gap: Pryor never signed for the exhibit, yet releases it to the lab.
        _ev("sent_to_lab", "2026-08-24T08:45:00-07:00", PRYOR, LEE,
            purpose="Identification and purity", seal_no="CBP-OTM-44817", seal_intact="yes",
            location="CBP LSSD San Diego"),
        _ev("sampled", "2026-08-25T10:30:00-07:00", LEE, LEE, seal_no="CBP-OTM-44817",
            seal_intact="no", sample_id="SD-26-04410-A"),
        _ev("resealed", "2026-08-25T10:50:00-07:00", None, LEE, seal_no="LSSD-SD-90155",
            seal_intact="yes"),
    ),
    "EX-0011-01": (
        _ev("received", "2026-06-24T07:50:00-06:00", None, VEGA,
            location="AICM courier terminal", condition="Dog-food pouches, lining cut",
            witness="Agente J. Ríos (ANAM)"),
        _ev("sealed", "2026-06-24T08:30:00-06:00", None, VEGA, seal_no="ANAM-AICM-3301",
            seal_intact="yes", witness="Agente J. Ríos (ANAM)"),
        _ev("transferred", "2026-06-24T18:00:00-06:00", VEGA, TORRES,
            purpose="Evidence storage", location="FGR CDMX evidence room",
            seal_no="ANAM-AICM-3301", seal_intact="yes"),
    ),
}
# Corrections, after the chains: (exhibit, index of the corrected event, the correction). The
# seal of EX-0011-01 is ANAM-AICM-3310: misread as 3301 at sealing and on the handover.
CORRECTIONS = (
    ("EX-0011-01", 1, _ev("sealed", "2026-06-24T08:30:00-06:00", None, VEGA,
                          seal_no="ANAM-AICM-3310", seal_intact="yes",
                          witness="Agente J. Ríos (ANAM)",
                          notes="Correction: seal number misread as 3301")),
    ("EX-0011-01", 2, _ev("transferred", "2026-06-24T18:00:00-06:00", VEGA, TORRES,
                          purpose="Evidence storage", location="FGR CDMX evidence room",
                          seal_no="ANAM-AICM-3310", seal_intact="yes",
                          notes="Correction: seal number misread as 3301")),
)


def _lab(exhibit: str, sample: str, lab: str, method: str, substance: str, purity: str,
         uncertainty: str, on: str, report: str, accepted: bool = True) -> dict[str, str]:
    return {"exhibit": exhibit, "sample_id": sample, "laboratory": lab, "method": method,
            "substance": substance, "purity_percent": purity, "uncertainty_percent": uncertainty,
            "analysed_on": on, "report_ref": report, "accepted": "yes" if accepted else "no"}


LAB_RESULTS = (
    _lab("EX-0007-01", "CHI-25-01187-A", "CBP LSSD Chicago", "GC-MS; FTIR", FOUR_AP, "98.6",
         "0.8", "2025-09-22", "CBP-LAB-CHI-25-01187"),
    _lab("EX-0007-02", "ZKA-2025-4471-1", "Zollkriminalamt laboratory, Cologne", "GC-MS",
         NPP, "96.4", "1.1", "2025-11-14", "ZKA-LAB-2025-4471"),
    _lab("EX-0007-03", "FGR-QF-2026-0312-M1", "FGR chemistry laboratory, Mexico City",
         "GC-MS; HPLC-UV", NPP, "97.2", "1.0", "2026-03-11", "FGR-QF-2026-0312"),
    _lab("EX-0007-04", "FGR-QF-2026-0313-M1", "FGR chemistry laboratory, Mexico City",
         "GC-MS; FTIR", BOC, "99.1", "0.6", "2026-03-11", "FGR-QF-2026-0313"),
    _lab("EX-0007-05", "SD-26-04410-A", "CBP LSSD San Diego", "GC-MS; LC-MS/MS (quant)",
         FENTANYL, "11.5", "0.6", "2026-08-28", "CBP-LAB-SD-26-04410"),
    _lab("EX-0007-05", "DEA-SW-26-1872", "DEA Southwest Laboratory (confirmatory)", "GC-MS",
         FENTANYL, "11.9", "0.7", "2026-09-09", "DEA-SWL-26-1872", accepted=False),
    _lab("EX-0011-01", "FGR-QF-2026-0977-M1", "FGR chemistry laboratory, Mexico City",
         "GC-MS", ANPP, "94.3", "1.2", "2026-07-01", "FGR-QF-2026-0977"),
    _lab("EX-0011-02", "FGR-QF-2026-1204-M1", "FGR chemistry laboratory, Mexico City",
         "FTIR; GC-MS", PIPERIDONE, "98.0", "0.9", "2026-08-26", "FGR-QF-2026-1204"),
)


def load_custody(ws: Workspace, uow: UnitOfWork, nodes: Mapping[str, str]) -> None:
    """Add the demo chains, corrections and lab results (seizures named in `nodes`)."""
    uids: dict[str, list[str]] = {}
    for exhibit, events in CUSTODY.items():
        seizure = nodes.get(f"seizure:{exhibit}")
        if seizure is None:
            continue
        case_uid = uow.row("seizure", seizure)["case_uid"]
        uids[exhibit] = [ws.custody.add_in(uow, {**e, "exhibit": seizure}, case_uid=case_uid)
                         for e in events]
    for exhibit, index, event in CORRECTIONS:
        if exhibit in uids:
            seizure = nodes[f"seizure:{exhibit}"]
            case_uid = uow.row("seizure", seizure)["case_uid"]
            ws.custody.add_in(uow, {**event, "exhibit": seizure,
                                    "corrects": uids[exhibit][index]}, case_uid=case_uid)
    for result in LAB_RESULTS:
        seizure = nodes.get(f"seizure:{result['exhibit']}")
        if seizure is not None:
            case_uid = uow.row("seizure", seizure)["case_uid"]
            ws.lab_results.add_in(uow, {**result, "exhibit": seizure}, case_uid=case_uid)
