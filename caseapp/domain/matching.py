"""Matching keys and pair scores for companies, persons and shipments.

`record_keys` lists the normalised identifiers of a record, each as (feature, value): what the
seen-before index stores and what blocking looks up. `compare` scores two entities 0-1 with an
explanation per feature: the best strong feature (name, registration number, phone, e-mail,
website) lowered by a country disagreement and raised a little when a name and an identifier
agree. docs/matching.md gives the weights and the measured precision and recall.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from caseapp.domain import identifiers as ids
from caseapp.domain.names import NameParts, company_parts, person_key, person_parts

THRESHOLD = 0.80          # a pair at or above this is proposed / a screening hit
NAME_KEY_SCORE = 0.95     # two names with one trade-name key (seen before)
# Strong identifier features and what an agreement on one scores.
ID_WEIGHTS: dict[str, float] = {
    "registration": 0.98, "tracking": 0.98, "email": 0.92, "phone": 0.90, "website": 0.80,
}
COUNTRY_MISMATCH = 0.20
INDUSTRY_MISMATCH = 0.15
PLACE_MISMATCH = 0.10
BOTH_BONUS = 0.05
SHORT_TRADE_NAME = 12     # letters: trade names this short compare more strictly
FEATURE_LABELS = {"name": "name", "registration": "registration no.", "tracking":
                  "tracking no.", "email": "e-mail", "phone": "phone", "website": "website"}

Key = tuple[str, str]


@dataclass(frozen=True)
class Entity:
    """What matching knows of a company or person (or a sanctions-list entry)."""

    kind: str                      # company | person
    names: tuple[str, ...]
    country: str | None = None
    keys: frozenset[Key] = field(default_factory=frozenset)   # identifier keys (no names)


def _texts(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value.strip() else []
    return [str(v) for v in value if v and str(v).strip()]


def name_key(kind: str, name: str) -> str | None:
    """The exact-match key of a name (companies: the trade name; persons: sorted words)."""
    key = company_parts(name).key if kind == "company" else person_key(name)
    return key if len(key) >= 3 else None


def identifier_keys(country: str | None, *, phones: Iterable[str] = (),
                    emails: Iterable[str] = (), websites: Iterable[str] = (),
                    registrations: Iterable[str] = (),
                    trackings: Iterable[str] = ()) -> set[Key]:
    """Normalised identifier keys; values that cannot be read are left out."""
    out: set[Key] = set()
    for feature, values, norm in (
            ("phone", phones, lambda v: ids.phone(v, country)),
            ("email", emails, ids.email),
            ("website", websites, ids.web_host),
            ("registration", registrations, lambda v: ids.registration(v, country)),
            ("tracking", trackings, ids.tracking)):
        for value in values:
            key = norm(value)
            if key:
                out.add((feature, key))
    return out


def record_names(kind: str, row: Mapping[str, Any]) -> list[str]:
    if kind == "company":
        return _texts(row.get("name")) + _texts(row.get("name_original")) + _texts(
            row.get("aliases"))
    if kind == "person":
        return _texts(row.get("full_name")) + _texts(row.get("aliases"))
    return []


def record_country(kind: str, row: Mapping[str, Any]) -> str | None:
    value = row.get("country") if kind == "company" else row.get("nationality")
    return str(value).upper() if value else None


def record_keys(kind: str, row: Mapping[str, Any]) -> set[Key]:
    """Every (feature, value) key of a company, person or shipment row (for the index)."""
    if kind == "shipment":
        return identifier_keys(None, trackings=_texts(row.get("tracking_no")))
    if kind not in ("company", "person"):
        return set()
    country = record_country(kind, row)
    out = identifier_keys(country, phones=_texts(row.get("phones")),
                          emails=_texts(row.get("emails")),
                          websites=_texts(row.get("website")),
                          registrations=_texts(row.get("registration_no")))
    for name in record_names(kind, row):
        key = name_key(kind, name)
        if key:
            out.add(("name", key))
    return out


def entity_of(kind: str, row: Mapping[str, Any]) -> Entity:
    keys = frozenset(k for k in record_keys(kind, row) if k[0] != "name")
    return Entity(kind, tuple(record_names(kind, row)), record_country(kind, row), keys)


@dataclass(frozen=True)
class Feature:
    feature: str
    score: float
    detail: str

    def as_json(self) -> dict[str, Any]:
        return {"feature": self.feature, "score": round(self.score, 3), "detail": self.detail}


@dataclass(frozen=True)
class Match:
    score: float
    explanation: tuple[Feature, ...]

    def explanation_json(self) -> list[dict[str, Any]]:
        return [f.as_json() for f in self.explanation]


def _company_similarity(a: NameParts, b: NameParts) -> tuple[float, str]:
    if a.key == b.key:
        why = f"trade name {' '.join(a.trade) or a.key!r} is the same"
        score = 1.0
    elif a.core and b.core:
        score = fuzz.ratio(a.core, b.core) / 100
        if min(len(a.core), len(b.core)) <= SHORT_TRADE_NAME:
            # Short trade names (two or three pinyin syllables): one letter is a lot
            # ("tianyu" / "tianfu" are two companies), so the similarity counts squared.
            score *= score
        why = f"trade names {' '.join(a.trade)!r} / {' '.join(b.trade)!r} {score:.0%} alike"
    else:
        return 0.0, "no trade name to compare"
    notes = []
    if a.industry and b.industry and not a.industry & b.industry:
        score -= INDUSTRY_MISMATCH
        notes.append(f"industries differ ({', '.join(sorted(a.industry))} / "
                     f"{', '.join(sorted(b.industry))})")
    elif a.industry & b.industry:
        notes.append(f"industry {', '.join(sorted(a.industry & b.industry))}")
    if a.places and b.places and not a.places & b.places:
        score -= PLACE_MISMATCH
        notes.append(f"places differ ({', '.join(sorted(a.places))} / "
                     f"{', '.join(sorted(b.places))})")
    return max(score, 0.0), "; ".join([why, *notes])


def _person_similarity(a: NameParts, b: NameParts) -> tuple[float, str]:
    if not a.trade or not b.trade:
        return 0.0, "no name to compare"
    sa, sb = "".join(sorted(a.trade)), "".join(sorted(b.trade))
    ordered = fuzz.ratio(sa, sb) / 100
    if min(len(sa), len(sb)) <= SHORT_TRADE_NAME:
        ordered *= ordered  # "Wang Wei" / "Wang Wen": short names, one letter is a lot    # Tokens aligned pairwise: "Ismael Zambada" inside "ZAMBADA GARCIA, Ismael".
    common = set(a.trade) & set(b.trade)
    subset = 0.0
    if len(common) >= 2:
        subset = 0.9 * fuzz.token_set_ratio(" ".join(a.trade), " ".join(b.trade)) / 100
    score = max(ordered, subset)
    return score, (f"name parts {' '.join(sorted(a.trade))!r} / {' '.join(sorted(b.trade))!r} "
                   f"{score:.0%} alike")


def name_similarity(kind: str, a: str, b: str) -> tuple[float, str]:
    """How alike two names are (0-1), and why."""
    if kind == "company":
        return _company_similarity(company_parts(a), company_parts(b))
    return _person_similarity(person_parts(a), person_parts(b))


def compare(a: Entity, b: Entity) -> Match:
    """Score two entities of one kind, with a readable explanation per feature."""
    feats: list[Feature] = []
    best_name, detail = 0.0, ""
    pair = ("", "")
    for na in a.names:
        for nb in b.names:
            score, why = name_similarity(a.kind, na, nb)
            if score > best_name:
                best_name, detail, pair = score, why, (na, nb)
            if best_name >= 1.0:
                break
    if best_name > 0:
        feats.append(Feature("name", best_name, f"{pair[0]!r} ~ {pair[1]!r}: {detail}"))
    best_id = 0.0
    for feature, value in sorted(a.keys & b.keys):
        weight = ID_WEIGHTS.get(feature, 0.0)
        feats.append(Feature(feature, weight, f"same {FEATURE_LABELS[feature]} {value}"))
        best_id = max(best_id, weight)
    score = max(best_name, best_id)
    if best_name >= 0.7 and best_id > 0:
        score = min(1.0, score + BOTH_BONUS)
    if a.country and b.country and a.country != b.country:
        score -= COUNTRY_MISMATCH
        feats.append(Feature("country", -COUNTRY_MISMATCH, f"countries differ: {a.country} / "
                                                          f"{b.country}"))
    elif a.country and a.country == b.country:
        feats.append(Feature("country", 0.0, f"same country {a.country}"))
    return Match(round(max(0.0, min(1.0, score)), 3), tuple(feats))


def seen_line(entries: list[dict[str, Any]], limit: int = 3) -> str:
    """"also seen in CASE-2, matched on phone +8627…" for a report or a tooltip."""
    parts = []
    for e in entries[:limit]:
        how = ("the same record" if e["matched_on"] == "record" else
               "an analyst's decision (same entity)" if e["matched_on"] == "decision" else
               f"{FEATURE_LABELS.get(e['matched_on'], e['matched_on'])} {e['value']}")
        parts.append(f"{e['case']} ({e['name']}), matched on {how}")
    more = f" and {len(entries) - limit} more" if len(entries) > limit else ""
    return "also seen in " + "; ".join(parts) + more if parts else ""
