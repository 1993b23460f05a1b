"""The report fingerprint: SHA-256 over the canonical JSON of the data a report is built from.

It covers the field values of every record the report shows (by uid, meta such as `updated_at`
left out, so re-saving an unchanged record changes nothing), the substances they refer to, and
the assumptions behind the computed figures (lethal dose, route yield, yield factors). The same
data gives the same fingerprint; any change to a printed value gives another.
"""

from __future__ import annotations

from typing import Any

from caseapp.domain.basis import salt_key
from caseapp.domain.records import Record, field_specs
from caseapp.reports.data import CaseDetail
from caseapp.sync.canonical import canonical_hash

FORMAT = "caseapp-report-1"
PREFIX = "sha256:"


def record_values(record: Record) -> dict[str, Any]:
    """A record's syncable field values in canonical JSON form."""
    return {s.name: s.to_json(getattr(record, s.name)) for s in field_specs(record.KIND)}


def _by_uid(records: tuple[Record, ...]) -> dict[str, dict[str, Any]]:
    return {r.uid: record_values(r) for r in records}


def fingerprint_document(data: CaseDetail) -> dict[str, Any]:
    """The canonical document the fingerprint is the hash of."""
    fig = data.figures
    cas_numbers = {s.cas for s in data.substances.values() if s.cas}
    doc = {
        "format": FORMAT,
        "case": {data.case.uid: record_values(data.case)},
        "seizures": _by_uid(data.seizures),
        "shipments": _by_uid(data.shipments),
        "companies": _by_uid(data.companies),
        "persons": _by_uid(data.persons),
        "links": _by_uid(data.links),
        "substances": _by_uid(tuple(data.substances.values())),
        "assumptions": {"lethal_dose_mg": str(fig.lethal_dose_mg),
                        "route_yield": str(fig.route_yield)},
        "yield_factors": {cas: {"mass_ratio": str(f.mass_ratio),
                                "molar_mass": str(f.molar_mass)}
                          for cas, f in data.yield_factors.items() if cas in cas_numbers},
    }
    # Exhibits (custody, lab results, attachments): covered when the case has any, so the
    # fingerprint of a case without them is what it was before they existed.
    for name, records in (("custody", data.custody), ("lab_results", data.lab_results),
                          ("attachments", data.attachments)):
        if records:
            doc[name] = _by_uid(records)
    # The other assumptions behind the figures, only where the case uses them (so the
    # fingerprint of a case without salts, liquids or per-route yields keeps its form).
    basis = data.basis
    salts = {s.key: {"base_cas": s.base_cas, "molar_mass": str(s.molar_mass),
                     "base_molar_mass": str(s.base_molar_mass)}
             for s in basis.salts.values()
             if salt_key(s.cas, s.name) in {salt_key(x.cas, x.name)
                                             for x in data.substances.values()}}
    densities = {cas: str(d.kg_per_l) for cas, d in basis.densities.items()
                 if cas in cas_numbers}
    routes = {f.cas or f.substance_uid: str(f.route_yield) for f in fig.substances
              if f.route_yield is not None and f.route_yield != fig.route_yield}
    for key, value in (("salts", salts), ("densities", densities), ("route_yields", routes)):
        if value:
            doc[key] = value
    return doc


def fingerprint(data: CaseDetail) -> str:
    """`sha256:<64 hex digits>` over `fingerprint_document(data)`."""
    return PREFIX + canonical_hash(fingerprint_document(data))


_KINDS = {"case": "case", "seizures": "seizure", "shipments": "shipment",
          "companies": "company", "persons": "person", "links": "link",
          "substances": "substance"}


def record_hashes(data: CaseDetail) -> dict[str, str]:
    """`{"KIND/UID": hash of its values}` for every record the fingerprint covers: kept with a
    printing so verify-report can name the records that changed since."""
    doc = fingerprint_document(data)
    return {f"{kind}/{uid}": canonical_hash(values)
            for section, kind in _KINDS.items() for uid, values in doc[section].items()}
