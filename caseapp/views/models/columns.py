"""Column definitions of every record table: key, header, getter, alignment, sort field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from caseapp.domain.fields import decimal_text
from caseapp.domain.records import Record

Resolve = Callable[[str, str | None], str]
RefPairs = list[tuple[str, str]]
ANY_KIND = "*"  # a column naming records of any kind (a link's subject and object)


@dataclass(frozen=True)
class Column:
    """One table column. `sort` is the field sorted on in SQL (None: not sortable);
    `ref_kinds` the kinds whose names it shows (a change to one of them reloads the table)."""

    key: str
    header: str
    text: Callable[[Record, Resolve], str]
    sort: str | None = None
    numeric: bool = False
    width: int = 120
    refs: Callable[[Record], RefPairs] | None = None
    ref_kinds: frozenset[str] = frozenset()
    # The fields `text` and `refs` read: a table reads only these (and a few more) per row.
    fields: tuple[str, ...] = ()


def show(value: Any) -> str:
    """A field value as a cell shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, tuple):
        return "; ".join(str(v) for v in value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value).replace("_", " ") if _is_code(value) else str(value)


def _is_code(value: Any) -> bool:
    return isinstance(value, str) and value.islower() and " " not in value and "_" in value


def field(name: str, header: str, *, width: int = 120, numeric: bool = False,
          sortable: bool = True) -> Column:
    return Column(name, header, lambda r, _res: show(getattr(r, name)),
                  sort=name if sortable else None, numeric=numeric, width=width,
                  fields=(name,))


def when(name: str, header: str, *, width: int = 130) -> Column:
    """A stored UTC timestamp (2026-11-02T09:14:03.512Z) shown in local time to the
    minute (2026-11-02 10:14); sorted on the stored value."""
    return Column(name, header, lambda r, _res: local_time(getattr(r, name)), sort=name,
                  width=width, fields=(name,))


def local_time(value: Any) -> str:
    if not value:
        return ""
    try:
        moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime("%Y-%m-%d %H:%M")


def ref(name: str, kind: str, header: str, *, width: int = 160) -> Column:
    def refs(r: Record) -> RefPairs:
        uid = getattr(r, name)
        return [(kind, uid)] if uid else []
    return Column(name, header, lambda r, res: res(kind, getattr(r, name)), sort=name,
                  width=width, refs=refs, ref_kinds=frozenset({kind}), fields=(name,))


def quantity() -> Column:
    return Column("quantity", "Net quantity",
                  lambda r, _res: f"{show(r.net_quantity)} {r.unit}",
                  sort="net_quantity", numeric=True, width=110,
                  fields=("net_quantity", "unit"))


def node(side: str, header: str) -> Column:
    def refs(r: Record) -> RefPairs:
        return [(getattr(r, f"{side}_kind"), getattr(r, side))]

    def text(r: Record, res: Resolve) -> str:
        kind = getattr(r, f"{side}_kind")
        return f"{res(kind, getattr(r, side))} ({kind})"
    return Column(side, header, text, sort=None, width=240, refs=refs,
                  ref_kinds=frozenset({ANY_KIND}), fields=(side, f"{side}_kind"))


COLUMNS: dict[str, tuple[Column, ...]] = {
    "case": (field("ref", "Reference", width=130), field("title", "Title", width=230),
             field("status", "Status", width=80), field("opened_on", "Opened", width=90),
             field("lead_investigator", "Lead investigator", width=140)),
    "seizure": (field("exhibit_ref", "Exhibit", width=110), field("seized_on", "Seized on", width=90),
                ref("substance", "substance", "Substance", width=200), quantity(),
                field("purity_percent", "Purity %", numeric=True, width=70),
                field("form", "Form", width=70), field("place", "Place", width=200),
                field("country", "Country", width=60),
                ref("shipment", "shipment", "Shipment", width=110),
                field("lab_confirmed", "Lab", width=40)),
    "shipment": (field("ref", "Reference", width=110), field("shipped_on", "Shipped", width=90),
                 field("mode", "Mode", width=110), ref("shipper", "company", "Shipper"),
                 ref("consignee", "company", "Consignee"), ref("carrier", "company", "Carrier"),
                 field("origin_country", "From", width=50),
                 field("destination_country", "To", width=50),
                 field("status", "Status", width=110),
                 field("gross_weight_kg", "Gross kg", numeric=True, width=80)),
    "company": (field("name", "Name", width=300), field("name_original", "Original name", width=200),
                field("country", "Country", width=60), field("city", "City", width=100),
                field("roles", "Roles", width=160), field("sanctioned", "Sanctioned", width=70)),
    "person": (field("full_name", "Name", width=200), field("aliases", "Aliases", width=160),
               field("nationality", "Nationality", width=80),
               field("date_of_birth", "Born", width=90), field("role_note", "Role", width=260)),
    "link": (node("subject", "Subject"), field("relation", "Relation", width=110),
             node("object", "Object"),
             field("source_reliability", "Source", width=55),
             field("info_credibility", "Info", width=45), field("evidence", "Evidence", width=300)),
    "note": (when("created_at", "Written", width=130), field("author", "Author", width=100),
             field("body", "Note", width=600)),
}
