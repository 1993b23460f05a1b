"""Sanctions lists read as their publishers publish them (pure parsing, no database).

* OFAC's legacy CSV files: `sdn.csv` (ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign,
  Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks), `add.csv` (ent_num, Add_num,
  Address, City/State/Province/Postal Code, Country, Add_remarks) and `alt.csv` (ent_num,
  alt_num, alt_type, alt_name, alt_remarks): no header, `-0-` for empty. A header row (as in
  the extract shipped in resources/sanctions/) is skipped. The file kind is told by its width.
* The UN Security Council consolidated list XML (`CONSOLIDATED_LIST`, INDIVIDUAL / ENTITY).

The Remarks field is mined for what matching uses: a.k.a./f.k.a. names, nationality, websites,
e-mail addresses, phone numbers and registration numbers (a Chinese USCC among them).
"""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from caseapp.domain.matching import identifier_keys

EMPTY = "-0-"
_AKA = re.compile(r"\b(?:a\.k\.a\.|f\.k\.a\.|n\.k\.a\.)\s*'([^']+)'", re.I)
_FIELD = re.compile(
    r"(?:alt\. )?(Website|Email Address|Phone Number|nationality|"
    r"Unified Social Credit Code \(USCC\)|Registration Number|Company Number|"
    r"Business Registration Number|Tax ID No\.|RFC|C\.U\.R\.P\.)\s+([^;]+)", re.I)
_DATE_IN_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})")


@dataclass
class ListEntry:
    """One entry of a sanctions list, as matching needs it."""

    entry_id: str
    kind: str                      # person | company | other (vessel, aircraft)
    name: str
    program: str | None = None
    names: list[str] = field(default_factory=list)     # the name and its aliases
    country: str | None = None
    keys: set[tuple[str, str]] = field(default_factory=set)
    remarks: str | None = None


def _cell(value: str | None) -> str | None:
    text = (value or "").strip()
    return None if not text or text == EMPTY else text


def country_code(name: str | None) -> str | None:
    """ISO alpha-2 of a country name as lists write it ("China", "Mexico"); None if unknown."""
    text = (name or "").strip().rstrip(".")
    if not text:
        return None
    if len(text) == 2 and text.isalpha():
        return text.upper()
    import pycountry
    try:
        return str(pycountry.countries.lookup(text).alpha_2)
    except LookupError:
        try:
            found = pycountry.countries.search_fuzzy(text)
        except LookupError:
            return None
        return str(found[0].alpha_2) if found else None


def _remark_phone(value: str) -> str:
    digits = value.strip()
    return "+" + digits if digits.isdigit() and not digits.startswith("0") else digits


def mine_remarks(entry: ListEntry, remarks: str) -> None:
    """Add the aliases, country and identifiers written in OFAC's Remarks to an entry."""
    for alias in _AKA.findall(remarks):
        if alias.strip() and alias.strip() not in entry.names:
            entry.names.append(alias.strip())
    phones, emails, sites, regs = [], [], [], []
    for label, value in _FIELD.findall(remarks):
        label, value = label.lower(), value.strip().rstrip(".")
        if label == "nationality" and entry.country is None:
            entry.country = country_code(value)
        elif label == "website":
            sites.append(value)
        elif label == "email address":
            emails.append(value)
        elif label == "phone number":
            phones.append(_remark_phone(value))
        else:
            regs.append(value.split(" (")[0])
    entry.keys |= identifier_keys(entry.country, phones=phones, emails=emails,
                                  websites=sites, registrations=regs)


def _rows(text: str) -> list[list[str]]:
    rows = [r for r in csv.reader(io.StringIO(text)) if len(r) > 1]
    if rows and rows[0] and rows[0][0].strip().lower() == "ent_num":
        rows = rows[1:]
    return rows


def ofac_file_kind(text: str) -> str | None:
    """"sdn", "add" or "alt" by the width of the file's rows; None if it is none of them."""
    rows = _rows(text[:20000])
    widths = {len(r) for r in rows[:50]}
    return {12: "sdn", 6: "add", 5: "alt"}.get(widths.pop()) if len(widths) == 1 else None


def parse_ofac(files: dict[str, str]) -> list[ListEntry]:
    """Entries from OFAC legacy CSV texts keyed by kind ("sdn" required, "add", "alt")."""
    entries: dict[str, ListEntry] = {}
    for row in _rows(files["sdn"]):
        ent, name, sdn_type, program = (c.strip() for c in row[:4])
        kind = ("person" if sdn_type.lower() == "individual" else
                "company" if sdn_type in (EMPTY, "") else "other")
        entry = ListEntry(ent, kind, name, _cell(program.replace("] [", "; ")), [name])
        remarks = _cell(row[11])
        if remarks:
            entry.remarks = remarks
            mine_remarks(entry, remarks)
        entries[ent] = entry
    for row in _rows(files.get("alt", "")):
        known = entries.get(row[0].strip())
        alias = _cell(row[3])
        if known and alias and alias not in known.names:
            known.names.append(alias)
    for row in _rows(files.get("add", "")):
        known = entries.get(row[0].strip())
        country = country_code(_cell(row[4]))
        if known and country and known.country is None:
            known.country = country
    return list(entries.values())


def _text(node: ET.Element | None, tag: str) -> str | None:
    found = node.find(tag) if node is not None else None
    return (found.text or "").strip() or None if found is not None else None


def parse_un_xml(data: bytes) -> tuple[str | None, list[ListEntry]]:
    """(date generated, entries) of the UN Security Council consolidated list XML."""
    root = ET.fromstring(data)  # noqa: S314 - the official file; entities are not expanded
    if root.tag != "CONSOLIDATED_LIST":
        raise ValueError("not a UN consolidated list (root element CONSOLIDATED_LIST)")
    published = (root.get("dateGenerated") or "")[:10] or None
    entries = []
    for kind, group, item in (("person", "INDIVIDUALS", "INDIVIDUAL"),
                              ("company", "ENTITIES", "ENTITY")):
        for node in root.iterfind(f"{group}/{item}"):
            parts = [_text(node, t) for t in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME",
                                               "FOURTH_NAME")]
            name = " ".join(p for p in parts if p)
            if not name:
                continue
            entry = ListEntry(_text(node, "REFERENCE_NUMBER") or _text(node, "DATAID") or name,
                              kind, name, _text(node, "UN_LIST_TYPE"), [name])
            for alias in node.iterfind(f"{item}_ALIAS/ALIAS_NAME"):
                if alias.text and alias.text.strip() and alias.text.strip() not in entry.names:
                    entry.names.append(alias.text.strip())
            entry.country = (country_code(_text(node.find("NATIONALITY"), "VALUE"))
                             or country_code(_text(node.find(f"{item}_ADDRESS"), "COUNTRY")))
            entry.remarks = _text(node, "COMMENTS1")
            entries.append(entry)
    return published, entries


def date_in_name(filename: str) -> str | None:
    match = _DATE_IN_NAME.search(filename)
    return match.group(1) if match else None
