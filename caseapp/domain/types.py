"""Controlled vocabularies of the data model (data-model.md)."""

from __future__ import annotations

CASE_STATUSES = ("open", "suspended", "closed")
SUBSTANCE_KINDS = ("precursor", "pre-precursor", "reagent", "drug", "cutting_agent", "other")
UN_TABLES = ("I", "II")
COMPANY_ROLES = (
    "manufacturer", "supplier", "broker", "freight_forwarder", "logistics",
    "postal_operator", "importer", "consignee", "front_company",
)
SHIPMENT_MODES = ("air_cargo", "express_courier", "postal", "sea_freight", "road", "rail")
SHIPMENT_STATUSES = ("in_transit", "delivered", "intercepted", "controlled_delivery", "unknown")
SEIZURE_FORMS = ("powder", "liquid", "tablets", "paste", "other")
UNITS = ("mg", "g", "kg", "lb", "oz", "mL", "L", "tablets")
SOURCE_RELIABILITY = ("A", "B", "C", "D", "E", "F")
INFO_CREDIBILITY = ("1", "2", "3", "4", "5", "6")
PARTY_KINDS = ("company", "person")
LINK_NODE_KINDS = ("company", "person", "shipment", "seizure", "substance")

# relation -> (allowed subject kinds, allowed object kinds)
RELATIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    **{r: (("company", "person"), ("substance",))
       for r in ("manufactures", "offers", "supplied", "purchased")},
    **{r: (("company", "person"), ("shipment",))
       for r in ("shipped", "received", "carried", "brokered")},
    **{r: (("shipment",), ("substance",)) for r in ("declared_as", "contained")},
    "seized_from": (("seizure",), ("shipment",)),
    **{r: (("person",), ("company",)) for r in ("officer_of", "employee_of", "owns")},
    **{r: (("company",), ("company",))
       for r in ("affiliated_with", "shares_address", "shares_contact", "same_as")},
}

AUDIT_ACTIONS = (
    "create", "update", "delete", "restore", "import", "export", "report", "login",
    "resolve", "seed", "migrate", "trust",
)

# Chain of custody (docs/custody.md): what can happen to an exhibit.
CUSTODY_EVENTS = ("received", "sealed", "transferred", "sampled", "sent_to_lab", "returned",
                  "resealed", "destroyed")
YES_NO = ("yes", "no")
