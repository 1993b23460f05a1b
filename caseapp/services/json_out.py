"""Records as JSON documents with the field names of data-model.md (for `--json`)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from caseapp.domain.figures import CaseFigures
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


def figures_json(fig: CaseFigures) -> dict[str, Any]:
    return {
        "substances": [
            {"substance": f.substance, "cas": f.cas, "seizures": f.seizures,
             "net_kg": _number(f.net_kg), "pure_kg": _number(f.pure_kg),
             "purity_known": f.purity_known, "mass_unknown": f.mass_unknown,
             "exhibits": f.exhibits}
            for f in fig.substances
        ],
        "fentanyl_pure_kg": _number(fig.fentanyl_pure_kg),
        "fentanyl_lethal_doses": fig.fentanyl_lethal_doses,
        "fentanyl_yield_kg": _number(fig.fentanyl_yield_kg),
        "assumptions": {"lethal_dose_mg": _number(fig.lethal_dose_mg),
                        "route_yield": _number(fig.route_yield),
                        "yield_formula": fig.yield_note},
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
    )
    return doc
