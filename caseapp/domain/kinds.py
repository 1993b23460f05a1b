"""The kind registry: every fact about a record kind, in one `KindSpec` per kind.

The fields of a kind are declared on its record class (`records.py`); everything else that
the services, the command line, bundles and the window need to know about a kind is here, and
the per-kind tables they use are derived from it (see the bottom of this module). Adding a
record kind is: its record class, its table (db/models.py and a migration), its `KindSpec`
here, and a service if it needs behaviour beyond `RecordService` (docs/architecture.md,
"Adding a record kind"). `tests/test_kinds.py` walks every kind through every capability.
"""

from __future__ import annotations

from dataclasses import dataclass

from caseapp.domain.records import (
    KIND_ORDER,
    AttachmentRecord,
    CaseRecord,
    CompanyRecord,
    CustodyRecord,
    DecisionRecord,
    LabResultRecord,
    LinkRecord,
    NoteRecord,
    PartyRecord,
    PersonRecord,
    Record,
    SeizureRecord,
    ShipmentRecord,
    SubstanceRecord,
)


@dataclass(frozen=True)
class CsvTemplate:
    """A CSV template (cli.md `import-csv KIND`): its name, columns, and optional extras."""

    name: str
    columns: tuple[str, ...]
    extra: tuple[str, ...] = ()


@dataclass(frozen=True)
class KindSpec:
    """What caseapp knows about one record kind besides its fields."""

    kind: str
    record: type[Record]
    label: str                       # "seizure", in sentences and titles
    plural: str                      # "seizures"
    name_field: str                  # the field that names a record of it in lists, labels
    named: bool = False              # records are looked up and sorted by `name_field`
    key_scope: str | None = None     # for a unique readable key: None (database) or "case_uid"
    unique_key: bool = False         # `name_field` is unique (in its scope): clashes renamed
    scope: str = "case"              # "case": belongs to one case; "shared": referenced by
                                     # cases (travels with them); "self": the case itself
    service: str | None = None       # the Workspace attribute of its record service
    csv: CsvTemplate | None = None
    search_rank: int | None = None   # position in search results (None: not searched)
    short_query: bool = False        # searched by a query shorter than a trigram
    cli: bool = False                # `caseapp add/edit/delete/show KIND`
    tab: tuple[int, str] | None = None   # (position, title) of its tab in the case view
    editor: bool = False             # has a record editor in the window
    new_shortcut: str | None = None  # the window's key for "New <label>…" (Qt key text)
    link_node: bool = False          # may be a link's subject or object

    @property
    def case_scoped(self) -> bool:
        return self.scope == "case"

    @property
    def shared(self) -> bool:
        return self.scope == "shared"


def _t(name: str, columns: str, extra: str = "") -> CsvTemplate:
    return CsvTemplate(name, tuple(columns.split()), tuple(extra.split()))


KINDS: tuple[KindSpec, ...] = (
    KindSpec("case", CaseRecord, "case", "cases", "ref", named=True, unique_key=True,
             scope="self", service="cases", search_rank=0, short_query=True, cli=True,
             editor=True, new_shortcut="Ctrl+Shift+C"),
    KindSpec("substance", SubstanceRecord, "substance", "substances", "name", named=True,
             scope="shared", service="substances", search_rank=5, short_query=True, cli=True,
             link_node=True),
    KindSpec("company", CompanyRecord, "company", "companies", "name", named=True,
             scope="shared", service="companies",
             csv=_t("companies", "name name_original aliases country address city "
                                 "registration_no roles website emails phones sanctioned notes",
                    "sanctions_note"),
             search_rank=1, short_query=True, cli=True, tab=(2, "Companies"), editor=True,
             new_shortcut="Ctrl+Alt+N", link_node=True),
    KindSpec("person", PersonRecord, "person", "persons", "full_name", named=True,
             scope="shared", service="persons",
             csv=_t("persons", "full_name aliases nationality date_of_birth emails phones notes",
                    "role_note"),
             search_rank=2, short_query=True, cli=True, tab=(3, "Persons"), editor=True,
             new_shortcut="Ctrl+Shift+P", link_node=True),
    KindSpec("party", PartyRecord, "party", "parties", "party_kind"),
    KindSpec("shipment", ShipmentRecord, "shipment", "shipments", "ref", named=True,
             key_scope="case_uid", unique_key=True, service="shipments",
             csv=_t("shipments", "ref tracking_no mode shipper consignee carrier origin_country "
                                 "transit_countries destination_country declared_description "
                                 "declared_hs_code shipped_on arrived_on gross_weight_kg status "
                                 "notes"),
             search_rank=3, cli=True, tab=(1, "Shipments"), editor=True,
             new_shortcut="Ctrl+Shift+N", link_node=True),
    KindSpec("seizure", SeizureRecord, "seizure", "seizures", "exhibit_ref", named=True,
             key_scope="case_uid", unique_key=True, service="seizures",
             csv=_t("seizures", "exhibit_ref seized_on place country agency substance form "
                                "net_quantity unit purity_percent shipment_ref concealment notes",
                    "gross_quantity lab_confirmed lab_ref latitude longitude density_kg_per_l "
                    "tablet_weight_mg"),
             search_rank=4, cli=True, tab=(0, "Seizures"), editor=True, new_shortcut="Ctrl+N",
             link_node=True),
    KindSpec("link", LinkRecord, "link", "links", "relation", service="links",
             csv=_t("links", "subject_kind subject relation object_kind object evidence "
                             "source_reliability info_credibility", "first_seen last_seen"),
             search_rank=7, cli=True, tab=(4, "Links"), editor=True, new_shortcut="Ctrl+Shift+L"),
    KindSpec("note", NoteRecord, "note", "notes", "body", service="notes", search_rank=6,
             cli=True, tab=(5, "Notes"), editor=True, new_shortcut="Ctrl+Shift+M"),
    KindSpec("attachment", AttachmentRecord, "attachment", "attachments", "filename",
             search_rank=8),
    KindSpec("custody", CustodyRecord, "custody event", "custody events", "event",
             service="custody",
             csv=_t("custody", "exhibit event at released_by received_by purpose location "
                               "seal_no seal_intact condition witness authority notes",
                    "sample_id")),
    KindSpec("lab_result", LabResultRecord, "lab result", "lab results", "sample_id",
             service="lab_results",
             csv=_t("lab_results", "exhibit sample_id laboratory method substance "
                                   "purity_percent uncertainty_percent analysed_on report_ref "
                                   "accepted notes")),
    KindSpec("decision", DecisionRecord, "decision", "decisions", "verdict",
             service="decisions"),
)

BY_KIND: dict[str, KindSpec] = {k.kind: k for k in KINDS}
assert tuple(BY_KIND) == KIND_ORDER, "KINDS must list every record kind, parents first"


def spec_of(kind: str) -> KindSpec:
    """The KindSpec of a kind; KeyError for an unknown one."""
    return BY_KIND[kind]


# --- tables derived from the registry (what used to be written out in each module) -----------
NAME_FIELDS: dict[str, str] = {k.kind: k.name_field for k in KINDS if k.named}
LABEL_FIELDS: dict[str, str] = {k.kind: k.name_field for k in KINDS}
UNIQUE_KEYS: dict[str, tuple[str | None, str]] = {
    k.kind: (k.key_scope, k.name_field) for k in KINDS if k.unique_key}
CASE_KINDS: tuple[str, ...] = tuple(k.kind for k in KINDS if k.case_scoped)
SHARED_KINDS: tuple[str, ...] = tuple(k.kind for k in KINDS if k.shared)
SERVICES: dict[str, str] = {k.kind: k.service for k in KINDS if k.service}
NODE_SERVICES: dict[str, str] = {k.kind: k.service for k in KINDS if k.link_node and k.service}
CLI_KINDS: tuple[str, ...] = tuple(k.kind for k in KINDS if k.cli)
HIT_KINDS: tuple[str, ...] = tuple(k.kind for k in sorted(
    (k for k in KINDS if k.search_rank is not None), key=lambda k: k.search_rank or 0))
SHORT_QUERY_KINDS: tuple[str, ...] = tuple(k for k in HIT_KINDS if BY_KIND[k].short_query)
TABS: tuple[tuple[str, str], ...] = tuple(
    (kind, title) for _pos, kind, title in sorted((k.tab[0], k.kind, k.tab[1])
                                                  for k in KINDS if k.tab))
EDITOR_KINDS: tuple[str, ...] = tuple(k.kind for k in KINDS if k.editor)
CSV_TEMPLATES: dict[str, KindSpec] = {k.csv.name: k for k in KINDS if k.csv}
