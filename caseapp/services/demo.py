"""Demo data: two fictional, linked precursor-trafficking cases to explore the app with.

The cases follow the pattern of public reporting (DOJ indictments of chemical suppliers, INCB
precursor reports): a Chinese supplier advertising fentanyl precursors, a broker, a Hong Kong
freight forwarder, a courier, a Mexican front company, shipments mis-declared as harmless goods
and seizures in transit, at a mail facility, a seaport and the border. Every company, person,
phone number, address and reference is invented; web and e-mail domains use the reserved
`.example` top-level domain. The second case shares a phone number and a shipper with the
first, so search and the link graph have something to find.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from caseapp.db.changelog import UnitOfWork
from caseapp.errors import NotFoundError
from caseapp.services.demo_custody import load_custody

if TYPE_CHECKING:
    from caseapp.services.workspace import Workspace

log = logging.getLogger(__name__)

# Substances by CAS number: unambiguous whatever synonyms users add to the catalogue.
NPP = "39742-60-4"
FOUR_AP = "23056-29-3"
BOC_PIPERIDONE = "79099-07-3"
ANPP = "21409-26-7"
# Sold as the hydrochloride monohydrate; figures count it as 4-piperidone base.
PIPERIDONE = "40064-34-4"
FENTANYL = "437-38-7"
ASCORBIC_ACID = "50-81-7"

# Not a precursor: added to the catalogue (once) so a shipment can be `declared_as` vitamin C.
ASCORBIC_ACID_FIELDS = {
    "name": "Ascorbic acid", "synonyms": "vitamin C;L-ascorbic acid", "cas": ASCORBIC_ACID,
    "kind": "other", "hs_code": "2936.27", "formula": "C6H8O6", "molar_mass": "176.12",
    "source": "demo data (a common false declaration for precursor shipments)",
}

SHARED_PHONE = "+86 155 2714 0836"


class DemoLink(NamedTuple):
    """A graded link; nodes are `kind:key` (company/person handles, refs, CAS numbers)."""

    subject: str
    relation: str
    object: str
    grade: str  # Admiralty: source reliability letter + information credibility digit
    evidence: str
    first_seen: str | None = None
    last_seen: str | None = None


@dataclass(frozen=True)
class DemoCase:
    """One demo case; company and person fields that name others use the handles below."""

    case: Mapping[str, str]
    companies: Mapping[str, Mapping[str, str]]  # handle -> fields
    persons: Mapping[str, Mapping[str, str]]    # handle -> fields
    shipments: tuple[Mapping[str, str], ...]
    seizures: tuple[Mapping[str, str], ...]
    links: tuple[DemoLink, ...]
    notes: tuple[tuple[str | None, str], ...]   # (target node or None, body)


@dataclass(frozen=True)
class DemoResult:
    case_refs: tuple[str, ...]
    created: bool


# --- Case 1: a Wuhan supplier, its broker, forwarder and Mexican front company ---------------
CASE_1 = DemoCase(
    case={
        "ref": "CASE-2026-0007",
        "title": "Lanshuo Yuanheng (LSYH Chem): NPP, 4-AP and 1-boc-4-piperidone to Mexico",
        "status": "open", "opened_on": "2025-10-14",
        "lead_investigator": "SA Elena Marquardt",
        "agency": "Joint Precursor Interdiction Task Force (JPITF)",
        "handling": "LAW ENFORCEMENT SENSITIVE",
        "summary": (
            "FICTIONAL DEMONSTRATION CASE. Wuhan Lanshuo Yuanheng Chemical Technology "
            "(storefront 'LSYH Chem') advertises NPP, 4-AP and 1-boc-4-piperidone on B2B "
            "marketplaces with 'guaranteed customs clearance, door to door to Mexico' and takes "
            "payment in USDT. Orders are brokered by Yichang Zhuoheng Trading and moved through "
            "the Hong Kong forwarder Harbourline Swiftlink, which appears as shipper of record "
            "on express waybills routed via Germany and the Netherlands, declared as vitamin C, "
            "dog food or phone cases. The consignee, Distribuidora Químico-Veterinaria Arrecife "
            "del Pacífico (Culiacán), is a front company with no warehouse at its registered "
            "address. Seizures: 4-AP at the Chicago international mail facility, NPP in transit "
            "at Leipzig, NPP and 1-boc-4-piperidone in a dog-food container at Manzanillo, and "
            "fentanyl powder in a truck from the consignee at Otay Mesa."),
    },
    companies={
        "lsyh": {
            "name": "Wuhan Lanshuo Yuanheng Chemical Technology Co., Ltd.",
            "name_original": "武汉蓝硕元恒化工科技有限公司",
            "aliases": "LSYH Chem;Lanshuo Pharmatech;Yuanheng Bio-Chem Store",
            "country": "CN", "city": "Wuhan",
            "address": "Room 1508, Building 7, No. 41 Gaoxin 6th Road, East Lake High-Tech Zone",
            "registration_no": "91420100MA4F7KXW3Q", "roles": "supplier",
            "website": "https://www.lsyh-chem.example",
            "emails": "sales@lsyh-chem.example;lsyh.linda@mail.example",
            "phones": f"{SHARED_PHONE};+86 27 8755 0193",
            "notes": "Listings promise 'stealth packaging' and reshipment if seized; "
                     "USDT (TRC-20) wallet printed on pro-forma invoices.",
        },
        "zhuoheng": {
            "name": "Yichang Zhuoheng Trading Co., Ltd.",
            "name_original": "宜昌卓珩贸易有限公司",
            "country": "CN", "city": "Yichang",
            "address": "Room 302, No. 19 Dongshan Avenue, Xiling District",
            "registration_no": "91420500MA49D3LP6R", "roles": "broker",
            "emails": "zhuoheng.trade@mail.example", "phones": "+86 717 6231 0457",
        },
        "harbourline": {
            "name": "Harbourline Swiftlink Logistics Limited",
            "name_original": "港匯迅聯物流有限公司",
            "aliases": "Harbourline Logistics;HSL Express",
            "country": "HK", "city": "Hong Kong",
            "address": "Unit 1207, 12/F, Harbour Gate Industrial Building, Kwai Chung, N.T.",
            "registration_no": "CR No. 3081742", "roles": "freight_forwarder",
            "website": "https://www.harbourline-hsl.example",
            "emails": "ops@harbourline-hsl.example", "phones": "+852 5550 4182",
        },
        "velora": {
            "name": "Velora Express Logistics B.V.",
            "country": "NL", "city": "Hoofddorp", "address": "Vrachtstraat 14, Hoofddorp",
            "registration_no": "KvK 84120537", "roles": "logistics;postal_operator",
            "website": "https://www.velora-express.example",
            "emails": "compliance@velora-express.example",
            "notes": "Courier and postal consolidator; cooperative, answers records requests.",
        },
        "arrecife": {
            "name": "Distribuidora Químico-Veterinaria Arrecife del Pacífico, S.A. de C.V.",
            "aliases": "Arrecife del Pacífico;Arrecife del Pacifico;DQVAP",
            "country": "MX", "city": "Culiacán",
            "address": "Calle Río Humaya 1450, Local 3, Col. Industrial El Palmito",
            "registration_no": "RFC DQA230517KJ4",
            "roles": "consignee;importer;front_company",
            "emails": "compras.arrecife@mail.example", "phones": "+52 667 555 0148",
            "notes": "Registered May 2023 as a pet-food and veterinary-supply importer; no "
                     "warehouse at the registered address (site visit 2026-03-12).",
        },
    },
    persons={
        "ruan": {
            "full_name": "Ruan Mengyao", "aliases": "Linda;Linda Ruan;阮梦瑶",
            "nationality": "CN", "role_note": "Sales representative of LSYH Chem",
            "emails": "lsyh.linda@mail.example", "phones": SHARED_PHONE,
        },
        "tan": {
            "full_name": "Tan Haoyu", "aliases": "谭浩宇", "nationality": "CN",
            "role_note": "Legal representative and director of Yichang Zhuoheng Trading",
            "emails": "zhuoheng.trade@mail.example",
        },
        "barragan": {
            "full_name": "Héctor Iván Barragán Valdivia",
            "aliases": "Hector Ivan Barragan Valdivia;H. Barragán",
            "nationality": "MX", "role_note": "Sole administrator of the Arrecife front company",
            "phones": "+52 667 555 0172",
        },
    },
    shipments=(
        {"ref": "SH-0007-01", "tracking_no": "EV627304188CN", "mode": "postal",
         "shipper": "lsyh", "carrier": "velora", "origin_country": "CN",
         "transit_countries": "HK", "destination_country": "US",
         "declared_description": "Phone cases (silicone), 40 pcs", "declared_hs_code": "3926.90",
         "shipped_on": "2025-09-02", "arrived_on": "2025-09-15", "gross_weight_kg": "3.4",
         "status": "intercepted",
         "notes": "Addressed to a private mailbox in Laredo, TX rented as 'H. Barragán'."},
        {"ref": "SH-0007-02", "tracking_no": "VEL 3350 7184 2291", "mode": "express_courier",
         "shipper": "harbourline", "consignee": "arrecife", "carrier": "velora",
         "origin_country": "CN", "transit_countries": "HK;DE", "destination_country": "MX",
         "declared_description": "Vitamin C powder, food grade", "declared_hs_code": "2936.27",
         "shipped_on": "2025-11-03", "gross_weight_kg": "14.6", "status": "intercepted"},
        {"ref": "SH-0007-03", "tracking_no": "TWXU4817360", "mode": "sea_freight",
         "shipper": "lsyh", "consignee": "arrecife", "origin_country": "CN",
         "transit_countries": "KR", "destination_country": "MX",
         "declared_description": "Dry dog food, 20 kg bags", "declared_hs_code": "2309.10",
         "shipped_on": "2026-01-22", "arrived_on": "2026-02-27", "gross_weight_kg": "9860",
         "status": "intercepted", "notes": "B/L HLSL26SHA0117; booked by Yichang Zhuoheng."},
        {"ref": "SH-0007-04", "tracking_no": "VEL 3350 9026 4417", "mode": "express_courier",
         "shipper": "harbourline", "consignee": "arrecife", "carrier": "velora",
         "origin_country": "CN", "transit_countries": "HK;NL", "destination_country": "MX",
         "declared_description": "Cosmetic raw material (hyaluronic acid)",
         "declared_hs_code": "3913.90", "shipped_on": "2026-04-08", "arrived_on": "2026-04-15",
         "gross_weight_kg": "22.3", "status": "delivered"},
        {"ref": "SH-0007-05", "tracking_no": "CP-2026-0819-0442", "mode": "road",
         "shipper": "arrecife", "origin_country": "MX", "destination_country": "US",
         "declared_description": "Ceramic floor tiles", "declared_hs_code": "6907.21",
         "shipped_on": "2026-08-18", "arrived_on": "2026-08-19", "gross_weight_kg": "11240",
         "status": "intercepted"},
    ),
    seizures=(
        {"exhibit_ref": "EX-0007-01", "seized_on": "2025-09-16",
         "place": "International Mail Facility, Chicago O'Hare", "country": "US",
         "latitude": "41.9786", "longitude": "-87.9048",
         "agency": "U.S. Customs and Border Protection", "substance": FOUR_AP, "form": "powder",
         "net_quantity": "2.1", "unit": "kg", "gross_quantity": "3.4", "purity_percent": "98.6",
         "lab_confirmed": "yes", "lab_ref": "CBP-LAB-CHI-25-01187", "shipment": "SH-0007-01",
         "concealment": "Four foil vacuum bags inside retail boxes of silicone phone cases"},
        {"exhibit_ref": "EX-0007-02", "seized_on": "2025-11-06",
         "place": "Leipzig/Halle Airport express hub (transit)", "country": "DE",
         "latitude": "51.4239", "longitude": "12.2364", "agency": "German customs (Zoll)",
         "substance": NPP, "form": "powder", "net_quantity": "12", "unit": "kg",
         "gross_quantity": "14.6", "purity_percent": "96.4", "lab_confirmed": "yes",
         "lab_ref": "ZKA-LAB-2025-4471", "shipment": "SH-0007-02",
         "concealment": "Twelve 1 kg bags relabelled 'Vitamin C 99 %' in a fibre drum"},
        {"exhibit_ref": "EX-0007-03", "seized_on": "2026-03-02",
         "place": "Port of Manzanillo, container terminal", "country": "MX",
         "latitude": "19.0544", "longitude": "-104.3146", "agency": "SEMAR / ANAM",
         "substance": NPP, "form": "powder", "net_quantity": "250", "unit": "kg",
         "purity_percent": "97.2", "lab_confirmed": "yes", "lab_ref": "FGR-QF-2026-0312",
         "shipment": "SH-0007-03",
         "concealment": "Ten 25 kg sacks inside dog-food bags on the rear pallets"},
        {"exhibit_ref": "EX-0007-04", "seized_on": "2026-03-02",
         "place": "Port of Manzanillo, container terminal", "country": "MX",
         "latitude": "19.0544", "longitude": "-104.3146", "agency": "SEMAR / ANAM",
         "substance": BOC_PIPERIDONE, "form": "powder", "net_quantity": "180", "unit": "kg",
         "purity_percent": "99.1", "lab_confirmed": "yes", "lab_ref": "FGR-QF-2026-0313",
         "shipment": "SH-0007-03",
         "concealment": "Nine 20 kg drums labelled 'dog food additive' behind the dog-food bags"},
        {"exhibit_ref": "EX-0007-05", "seized_on": "2026-08-19",
         "place": "Otay Mesa Port of Entry, commercial lanes", "country": "US",
         "latitude": "32.5497", "longitude": "-116.9386",
         "agency": "U.S. Customs and Border Protection", "substance": FENTANYL,
         "form": "powder", "net_quantity": "480", "unit": "g", "gross_quantity": "530",
         "purity_percent": "11.5", "lab_confirmed": "yes", "lab_ref": "CBP-LAB-SD-26-04410",
         "shipment": "SH-0007-05",
         "concealment": "Two vacuum-sealed packages in a hollowed pallet of floor tiles"},
    ),
    links=(
        DemoLink("company:lsyh", "offers", f"substance:{NPP}", "B2",
                 "Marketplace listings archived 2025-06-10 to 2026-07-30 (captures 1-14)",
                 "2025-06-10", "2026-07-30"),
        DemoLink("company:lsyh", "offers", f"substance:{FOUR_AP}", "B2",
                 "Marketplace listing 'N-phenylpiperidin-4-amine, safe delivery to Mexico'",
                 "2025-06-10", "2026-07-30"),
        DemoLink("company:lsyh", "offers", f"substance:{BOC_PIPERIDONE}", "B2",
                 "Storefront 'Yuanheng Bio-Chem Store' price list, captured 2025-12-03",
                 "2025-12-03", "2026-07-30"),
        DemoLink("company:lsyh", "supplied", f"substance:{NPP}", "B2",
                 "Undercover purchase 2025-12; impurity profile matches EX-0007-03"),
        DemoLink("company:lsyh", "shipped", "shipment:SH-0007-01", "A2",
                 "Sender block of postal item EV627304188CN; payment confirmed in chat"),
        DemoLink("company:lsyh", "shipped", "shipment:SH-0007-03", "B2",
                 "Shipper on B/L HLSL26SHA0117; booking e-mail from the broker"),
        DemoLink("company:harbourline", "shipped", "shipment:SH-0007-02", "A1",
                 "Shipper of record on Velora waybill VEL 3350 7184 2291"),
        DemoLink("company:harbourline", "shipped", "shipment:SH-0007-04", "A1",
                 "Shipper of record on Velora waybill VEL 3350 9026 4417"),
        DemoLink("company:zhuoheng", "brokered", "shipment:SH-0007-03", "B2",
                 "Booking confirmation and commission invoice in Tan Haoyu's mailbox (MLAT)"),
        DemoLink("company:velora", "carried", "shipment:SH-0007-01", "A1",
                 "Velora consolidation manifest, postal bag 17"),
        DemoLink("company:velora", "carried", "shipment:SH-0007-02", "A1",
                 "Velora records response of 2025-11-20"),
        DemoLink("company:velora", "carried", "shipment:SH-0007-04", "A1",
                 "Velora records response of 2026-05-06"),
        DemoLink("shipment:SH-0007-02", "declared_as", f"substance:{ASCORBIC_ACID}", "A1",
                 "Commercial invoice: 'Vitamin C powder, food grade', HS 2936.27"),
        DemoLink("shipment:SH-0007-01", "contained", f"substance:{FOUR_AP}", "A1",
                 "Lab report CBP-LAB-CHI-25-01187"),
        DemoLink("shipment:SH-0007-02", "contained", f"substance:{NPP}", "A1",
                 "Lab report ZKA-LAB-2025-4471"),
        DemoLink("shipment:SH-0007-03", "contained", f"substance:{NPP}", "A1",
                 "Lab report FGR-QF-2026-0312"),
        DemoLink("shipment:SH-0007-03", "contained", f"substance:{BOC_PIPERIDONE}", "A1",
                 "Lab report FGR-QF-2026-0313"),
        DemoLink("shipment:SH-0007-04", "contained", f"substance:{BOC_PIPERIDONE}", "C3",
                 "Chat 2026-04-02: '20 kg boc piperidone, declare as cosmetic'; not seized"),
        DemoLink("shipment:SH-0007-05", "contained", f"substance:{FENTANYL}", "A1",
                 "Lab report CBP-LAB-SD-26-04410"),
        DemoLink("seizure:EX-0007-01", "seized_from", "shipment:SH-0007-01", "A1",
                 "CBP seizure report, IMF Chicago, 2025-09-16"),
        DemoLink("seizure:EX-0007-02", "seized_from", "shipment:SH-0007-02", "A1",
                 "Zoll seizure record shared via liaison, 2025-11-07"),
        DemoLink("seizure:EX-0007-03", "seized_from", "shipment:SH-0007-03", "A1",
                 "SEMAR inspection act, Manzanillo, 2026-03-02"),
        DemoLink("seizure:EX-0007-04", "seized_from", "shipment:SH-0007-03", "A1",
                 "SEMAR inspection act, Manzanillo, 2026-03-02"),
        DemoLink("seizure:EX-0007-05", "seized_from", "shipment:SH-0007-05", "A1",
                 "CBP seizure report, Otay Mesa, 2026-08-19"),
        DemoLink("person:ruan", "employee_of", "company:lsyh", "B2",
                 "Marketplace sales profile; same WhatsApp number as the storefront"),
        DemoLink("person:tan", "officer_of", "company:zhuoheng", "A2",
                 "Legal representative in the enterprise credit registry (open source)"),
        DemoLink("person:barragan", "officer_of", "company:arrecife", "A1",
                 "Articles of incorporation and tax registration: sole administrator"),
        DemoLink("person:barragan", "received", "shipment:SH-0007-01", "C3",
                 "Mailbox rental form in his name; ID copy not yet verified"),
        DemoLink("company:arrecife", "received", "shipment:SH-0007-04", "A2",
                 "Velora proof of delivery signed at the Culiacán address, 2026-04-15"),
        DemoLink("company:arrecife", "purchased", f"substance:{NPP}", "B2",
                 "USDT payments to the LSYH wallet traced on-chain, 2025-10 to 2026-02",
                 "2025-10-21", "2026-02-09"),
        DemoLink("company:zhuoheng", "affiliated_with", "company:lsyh", "C3",
                 "Broker's WeChat posts advertise LSYH products; same registration agent"),
        DemoLink("company:arrecife", "shipped", "shipment:SH-0007-05", "A2",
                 "Waybill (carta porte) CP-2026-0819-0442 names the company as shipper"),
    ),
    notes=(
        (None, "SH-0007-04 was delivered on 2026-04-15, before the chat naming its contents "
               "was decrypted, so no controlled delivery was possible. Request CCTV and the "
               "signed proof of delivery from Velora."),
        ("seizure:EX-0007-05", "Ask the lab for impurity profiling to compare this fentanyl "
                               "with the NPP of EX-0007-03 (same consignee)."),
    ),
)

# --- Case 2: a Shenzhen supplier sharing LSYH's phone and Harbourline as shipper -------------
CASE_2 = DemoCase(
    case={
        "ref": "CASE-2026-0011",
        "title": "Kairuo Xinda: ANPP and 4-piperidone to Mexico via Harbourline Swiftlink",
        "status": "open", "opened_on": "2026-06-02",
        "lead_investigator": "Det. Marco Ibarra",
        "agency": "Joint Precursor Interdiction Task Force (JPITF)",
        "handling": "LAW ENFORCEMENT SENSITIVE",
        "summary": (
            "FICTIONAL DEMONSTRATION CASE. Shenzhen Kairuo Xinda New Material advertises ANPP "
            "and 4-piperidone with the same WhatsApp number as LSYH Chem (CASE-2026-0007); its "
            "express shipments also leave through Harbourline Swiftlink. ANPP was seized at "
            "Mexico City airport and 4-piperidone in a container at Lázaro Cárdenas."),
    },
    companies={
        "kairuo": {
            "name": "Shenzhen Kairuo Xinda New Material Co., Ltd.",
            "name_original": "深圳凯若鑫达新材料有限公司",
            "aliases": "KRXD Chem;Kairuo Biotech",
            "country": "CN", "city": "Shenzhen",
            "address": "Room 906, Block A, No. 12 Xinhu Road, Bao'an District",
            "registration_no": "91440300MA5H2TQN43", "roles": "supplier",
            "website": "https://www.krxd-chem.example",
            "emails": "kairuo.sales@mail.example", "phones": f"{SHARED_PHONE};+86 755 8630 2417",
        },
        "tecolote": {
            "name": "Comercializadora Agropecuaria Cerro Tecolote, S.A. de C.V.",
            "country": "MX", "city": "Zapopan",
            "address": "Av. Periférico Poniente 8870, Bodega 12",
            "registration_no": "RFC CAC240909R57", "roles": "consignee;front_company",
            "phones": "+52 33 5550 1936",
        },
    },
    persons={
        "fang": {
            "full_name": "Fang Ruixue", "aliases": "Coco;方瑞雪", "nationality": "CN",
            "role_note": "Sales manager of Kairuo Xinda", "emails": "coco.fang@mail.example",
            "phones": "+86 186 2093 5571",
        },
    },
    shipments=(
        {"ref": "SH-0011-01", "tracking_no": "VEL 3351 2270 6618", "mode": "express_courier",
         "shipper": "harbourline", "consignee": "tecolote", "carrier": "velora",
         "origin_country": "CN", "transit_countries": "HK;NL", "destination_country": "MX",
         "declared_description": "Freeze-dried dog food", "declared_hs_code": "2309.10",
         "shipped_on": "2026-06-18", "gross_weight_kg": "10.2", "status": "intercepted"},
        {"ref": "SH-0011-02", "tracking_no": "TWXU6052199", "mode": "sea_freight",
         "shipper": "kairuo", "consignee": "tecolote", "origin_country": "CN",
         "transit_countries": "PA", "destination_country": "MX",
         "declared_description": "Vitamin C tablets (dietary supplement)",
         "declared_hs_code": "2106.90", "shipped_on": "2026-07-10", "arrived_on": "2026-08-14",
         "gross_weight_kg": "6420", "status": "intercepted"},
    ),
    seizures=(
        {"exhibit_ref": "EX-0011-01", "seized_on": "2026-06-24",
         "place": "Mexico City International Airport, courier terminal", "country": "MX",
         "latitude": "19.4361", "longitude": "-99.0719", "agency": "ANAM / FGR",
         "substance": ANPP, "form": "powder", "net_quantity": "8.5", "unit": "kg",
         "gross_quantity": "10.2", "purity_percent": "94.3", "lab_confirmed": "yes",
         "lab_ref": "FGR-QF-2026-0977", "shipment": "SH-0011-01",
         "concealment": "Powder in the lining of freeze-dried dog-food pouches"},
        {"exhibit_ref": "EX-0011-02", "seized_on": "2026-08-17",
         "place": "Port of Lázaro Cárdenas", "country": "MX",
         "latitude": "17.9392", "longitude": "-102.1753", "agency": "SEMAR / ANAM",
         "substance": PIPERIDONE, "form": "powder", "net_quantity": "40", "unit": "kg",
         "purity_percent": "98.0", "lab_confirmed": "yes", "lab_ref": "FGR-QF-2026-1204",
         "shipment": "SH-0011-02",
         "concealment": "Two 20 kg drums among cartons of vitamin C tablets"},
    ),
    links=(
        DemoLink("company:kairuo", "shares_contact", "company:lsyh", "B2",
                 f"Same WhatsApp number {SHARED_PHONE} on both storefronts (captured "
                 "2026-05-28)", "2026-05-28", "2026-09-30"),
        DemoLink("company:kairuo", "offers", f"substance:{ANPP}", "B2",
                 "Marketplace listing 'ANPP 99 %, Mexico door to door', captured 2026-05-28"),
        DemoLink("company:kairuo", "offers", f"substance:{PIPERIDONE}", "B2",
                 "Marketplace listing '4-piperidone HCl', captured 2026-05-28"),
        DemoLink("company:harbourline", "shipped", "shipment:SH-0011-01", "A1",
                 "Shipper of record on Velora waybill VEL 3351 2270 6618"),
        DemoLink("company:velora", "carried", "shipment:SH-0011-01", "A1",
                 "Velora records response of 2026-07-02"),
        DemoLink("company:kairuo", "shipped", "shipment:SH-0011-02", "B2",
                 "Shipper on the bill of lading for container TWXU6052199"),
        DemoLink("shipment:SH-0011-01", "contained", f"substance:{ANPP}", "A1",
                 "Lab report FGR-QF-2026-0977"),
        DemoLink("shipment:SH-0011-02", "contained", f"substance:{PIPERIDONE}", "A1",
                 "Lab report FGR-QF-2026-1204"),
        DemoLink("seizure:EX-0011-01", "seized_from", "shipment:SH-0011-01", "A1",
                 "ANAM seizure act, Mexico City airport, 2026-06-24"),
        DemoLink("seizure:EX-0011-02", "seized_from", "shipment:SH-0011-02", "A1",
                 "SEMAR inspection act, Lázaro Cárdenas, 2026-08-17"),
        DemoLink("person:fang", "employee_of", "company:kairuo", "B3",
                 "Sales profile 'Coco' on the Kairuo storefront"),
    ),
    notes=(
        (None, "The shared phone number ties Kairuo Xinda to LSYH Chem (CASE-2026-0007), and "
               "Harbourline Swiftlink is shipper of record in both cases. Coordinate with the "
               "CASE-2026-0007 team before any approach to the forwarder."),
    ),
)

DEMO_CASES = (CASE_1, CASE_2)


def load_demo(ws: Workspace) -> DemoResult:
    """Load the two demo cases in one unit of work (all or nothing).

    Returns created=False and changes nothing when the first demo case's ref already exists
    (loading twice is loading once). Raises ConflictError if only the second ref is taken.
    """
    refs = tuple(c.case["ref"] for c in DEMO_CASES)
    if _case_exists(ws, refs[0]):
        return DemoResult(refs, created=False)
    with ws.unit() as uow:
        nodes: dict[str, str] = {}
        _ensure_ascorbic_acid(ws, uow)
        for demo in DEMO_CASES:
            _load_case(ws, uow, demo, nodes)
        load_custody(ws, uow, nodes)
        _demo_decision(ws, uow, nodes)
    log.info("Loaded the demo cases %s.", ", ".join(refs))
    return DemoResult(refs, created=True)


def _demo_decision(ws: Workspace, uow: UnitOfWork, nodes: dict[str, str]) -> None:
    """An analyst's decision: LSYH and Kairuo share a phone but are two companies."""
    from caseapp.services.dedup import pair_uid

    uow.flush_rows()
    a, b = sorted((nodes["company:lsyh"], nodes["company:kairuo"]))
    ws.dedup.write_decision(uow, pair_uid("company", a, b), {
        "case_uid": ws.cases.case_uid_in(uow.session, CASE_1.case["ref"]),
        "subject_kind": "company", "a_uid": a, "b_uid": b, "verdict": "different",
        "note": "Two suppliers behind one broker's phone number, not one company."})


def _case_exists(ws: Workspace, ref: str) -> bool:
    with ws.db.read() as s:
        try:
            ws.cases.case_uid_in(s, ref)
        except NotFoundError:
            return False
    return True


def _ensure_ascorbic_acid(ws: Workspace, uow: UnitOfWork) -> None:
    """Add ascorbic acid (vitamin C) to the catalogue unless a user already has."""
    try:
        ws.substances.resolve_in(uow.session, ASCORBIC_ACID)
    except NotFoundError:
        ws.substances.add_in(uow, ASCORBIC_ACID_FIELDS)


def _load_case(ws: Workspace, uow: UnitOfWork, demo: DemoCase, nodes: dict[str, str]) -> None:
    """Create one case and its records; `nodes` maps `kind:key` to uids across cases."""
    case_uid = ws.cases.add_in(uow, demo.case)
    for handle, fields in demo.companies.items():
        nodes[f"company:{handle}"] = ws.companies.add_in(uow, fields, case_uid=case_uid)
    for handle, fields in demo.persons.items():
        nodes[f"person:{handle}"] = ws.persons.add_in(uow, fields, case_uid=case_uid)
    for fields in demo.shipments:
        named = {k: nodes[f"company:{v}"] if k in ("shipper", "consignee", "carrier") else v
                 for k, v in fields.items()}
        nodes[f"shipment:{fields['ref']}"] = ws.shipments.add_in(uow, named, case_uid=case_uid)
    for fields in demo.seizures:
        named = {**fields, "shipment": nodes[f"shipment:{fields['shipment']}"]}
        nodes[f"seizure:{fields['exhibit_ref']}"] = ws.seizures.add_in(uow, named,
                                                                       case_uid=case_uid)
    for link in demo.links:
        ws.links.add_in(uow, _link_fields(link, nodes), case_uid=case_uid)
    for target, body in demo.notes:
        note: dict[str, str] = {"body": body}
        if target:
            note["target_kind"], note["target_uid"] = _node(target, nodes)
        ws.notes.add_in(uow, note, case_uid=case_uid)


def _node(token: str, nodes: Mapping[str, str]) -> tuple[str, str]:
    """(kind, uid or catalogue key) of a `kind:key` token."""
    kind, key = token.split(":", 1)
    return kind, nodes.get(token, key)


def _link_fields(link: DemoLink, nodes: Mapping[str, str]) -> dict[str, str | None]:
    subject_kind, subject = _node(link.subject, nodes)
    object_kind, obj = _node(link.object, nodes)
    return {
        "subject_kind": subject_kind, "subject": subject, "relation": link.relation,
        "object_kind": object_kind, "object": obj, "evidence": link.evidence,
        "source_reliability": link.grade[0], "info_credibility": link.grade[1],
        "first_seen": link.first_seen, "last_seen": link.last_seen,
    }
