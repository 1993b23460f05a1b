"""Records as JSON documents with the field names of data-model.md (for `--json`)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from caseapp.domain.display import ROUNDING_RULE, mass_text
from caseapp.domain.figure_text import doses_line, fentanyl_pure_line, pure_text, yield_line
from caseapp.domain.figures import CaseFigures, SubstanceFigure
from caseapp.domain.records import Record, field_specs
from caseapp.services.cases import CaseDetail

Namer = Callable[[str, str | None], str]


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def record_json(record: Record, namer: Namer | None = None) -> dict[str, Any]:
    """A record as a JSON object: dates ISO, quantities numbers, links as {uid, name}."""
    out: dict[str, Any] = {"uid": record.uid}
    for spec in field_specs(record.KIND):
        value = getattr(record, spec.name)
        if spec.name == "case_uid":
            continue
        if spec.type == "decimal":
            out[spec.name] = None if value is None else _number(value)
        elif spec.type == "ref" and value is not None:
            out[spec.name] = {"uid": value, "name": namer(spec.ref or "", value) if namer
                              else value}
        else:
            out[spec.name] = spec.to_json(value)
    if record.KIND == "link" and namer:
        for side in ("subject", "object"):
            uid = getattr(record, side)
            out[side] = {"kind": getattr(record, f"{side}_kind"), "uid": uid,
                         "name": namer(getattr(record, f"{side}_kind"), uid)}
    out.update(created_at=record.created_at, updated_at=record.updated_at,
               created_by=record.created_by)
    return out


def _substance_json(f: SubstanceFigure) -> dict[str, Any]:
    return {"substance": f.substance, "cas": f.cas, "kind": f.kind, "seizures": f.seizures,
            "net_kg": _number(f.net_kg), "net_display": mass_text(f.net_kg),
            "pure_kg": _number(f.pure_kg), "pure_display": pure_text(f),
            "pure_basis": "base" if f.base_factor is not None else "as seized",
            "base_cas": f.base_cas,
            "base_factor": None if f.base_factor is None else _number(f.base_factor),
            "purity_known": f.purity_known, "purity_unknown": f.purity_unknown,
            "net_purity_unknown_kg": _number(f.net_purity_unknown_kg),
            "mass_unknown": f.mass_unknown, "conversions": f.conversions,
            "yield_kg": _number(f.yield_kg) if f.route_yield is not None else None,
            "yield_unknown_purity_kg": (_number(f.yield_unknown_kg)
                                        if f.route_yield is not None else None),
            "route_yield": None if f.route_yield is None else _number(f.route_yield),
            "exhibits": f.exhibits}


def figures_json(fig: CaseFigures) -> dict[str, Any]:
    """The figures with their exact values (numbers) and, beside each, the display string."""
    return {
        "substances": [_substance_json(f) for f in fig.substances],
        "fentanyl_pure_kg": _number(fig.fentanyl_pure_kg),
        "fentanyl_pure_display": fentanyl_pure_line(fig),
        "fentanyl_purity_unknown": fig.fentanyl_purity_unknown,
        "fentanyl_purity_unknown_net_kg": _number(fig.fentanyl_unknown_net_kg),
        "fentanyl_lethal_doses": fig.fentanyl_lethal_doses,
        "fentanyl_lethal_doses_display": doses_line(fig),
        "fentanyl_yield_kg": _number(fig.fentanyl_yield_kg),
        "fentanyl_yield_display": yield_line(fig),
        "fentanyl_yield_unknown_purity_kg": _number(fig.yield_unknown_kg),
        "assumptions": {"lethal_dose_mg": _number(fig.lethal_dose_mg),
                        "lethal_dose_source": fig.basis.lethal_dose_source,
                        "route_yield": _number(fig.route_yield),
                        "route_yield_source": fig.route_yield_source,
                        "yield_formula": fig.yield_note,
                        "rounding": ROUNDING_RULE},
        "sources": {"fentanyl_lethal_doses": fig.fentanyl_exhibits,
                    "fentanyl_yield_kg": fig.yield_exhibits},
    }


def _seen(doc: dict[str, Any], detail: CaseDetail) -> dict[str, Any]:
    doc["seen_in"] = list(detail.seen_in.get(doc["uid"], ()))
    return doc


def case_detail_json(detail: CaseDetail) -> dict[str, Any]:
    """`case show --json`: the case, its records under their kinds, and `figures`."""
    namer = detail.name_of
    doc = record_json(detail.case)
    doc.update(
        seizures=[record_json(r, namer) for r in detail.seizures],
        shipments=[_seen(record_json(r, namer), detail) for r in detail.shipments],
        companies=[_seen(record_json(r, namer), detail) for r in detail.companies],
        persons=[_seen(record_json(r, namer), detail) for r in detail.persons],
        links=[record_json(r, namer) for r in detail.links],
        notes=[record_json(r, namer) for r in detail.notes],
        figures=figures_json(detail.figures),
        lab_results=[record_json(r, namer) for r in detail.lab_results],
        custody_warnings=[w.as_json() for w in detail.custody_warnings],
    )
    return doc
