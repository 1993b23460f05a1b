"""Substance rules: CAS numbers, lookup keys, the reference catalogue and a name index.

Pure Python, no database: `db/` seeds its substance table from `load_catalogue()` and the
services look substances up through `SubstanceIndex`, so a name, synonym, abbreviation or CAS
number typed in any common form (odd dashes, fullwidth digits, Cyrillic look-alike letters)
finds the same record.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TypeVar

from rapidfuzz import fuzz, process

from caseapp.domain.types import SUBSTANCE_KINDS, UN_TABLES
from caseapp.errors import ValidationError

T = TypeVar("T")

_CAS_EXAMPLE = "expected digits like 50-00-0"
_SEP = r"(?:\s*-\s*|\s+)?"
_CAS_SHAPE = re.compile(rf"([0-9]+){_SEP}([0-9]{{2}}){_SEP}([0-9])")
_EXTRA_DASHES = "\u2212\u2043\u02d7\ufe63"  # minus sign, hyphen bullet, modifier minus, small minus
_SOFT_HYPHEN = "\u00ad"

# Letters from other scripts that look like Latin ones, lower case (keys are casefolded first):
# Cyrillic, then Greek, then Latin variants NFKC leaves alone. Deliberately small and explicit.
_CONFUSABLES = str.maketrans(
    "авеіјкмнорстухѕԁӏһԛԝүαβεζηικμνορτυχϲϳıɑɡ",
    "abeijkmhopctyxsdlhqwyabezhikmnoptyxcjiag",
)
# Chemists write "α-phenylacetoacetonitrile" as often as "alpha-...": a Greek letter used as a
# prefix (not inside a word, followed by a hyphen) is spelled out instead of read as a look-alike.
_GREEK_NAMES = {"α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ω": "omega"}
_GREEK_PREFIX = re.compile(r"(?<![^\W\d_])([αβγδεω])-")
_ANNOTATION = re.compile(r"\s*\((?:incl\.|also\b)[^)]*\)\s*$", re.IGNORECASE)
_PRE_PRECURSOR = re.compile(r"\bpre-precursor\b", re.IGNORECASE)
# Below this WRatio score a "did you mean" list is mostly noise (checked on the catalogue).
_SUGGEST_CUTOFF = 60.0


def _is_dash(ch: str) -> bool:
    return unicodedata.category(ch) == "Pd" or ch in _EXTRA_DASHES


def _plain_cas_text(text: str) -> str:
    """NFKC, any script's digits as ASCII, every dash as '-', soft hyphens dropped."""
    out: list[str] = []
    for ch in unicodedata.normalize("NFKC", text):
        if ch.isdecimal():
            out.append(str(unicodedata.decimal(ch)))
        elif _is_dash(ch):
            out.append("-")
        elif ch != _SOFT_HYPHEN:
            out.append(ch)
    return "".join(out).strip()


def _split_cas(text: str) -> tuple[str, str, str] | None:
    """The three digit groups of a CAS-shaped text (leading zeros dropped), or None."""
    match = _CAS_SHAPE.fullmatch(_plain_cas_text(text))
    if match is None:
        return None
    head = match.group(1).lstrip("0")
    if not 2 <= len(head) <= 7:
        return None
    return head, match.group(2), match.group(3)


def cas_check_digit(digits: str) -> int:
    """The CAS check digit for the digits before it: sum of digit x position from the right, mod 10."""
    return sum(int(d) * i for i, d in enumerate(reversed(digits), start=1)) % 10


def is_cas_like(text: str) -> bool:
    """True if `text` has the shape of a CAS number (the check digit is not checked)."""
    return _split_cas(text) is not None


def check_cas(text: str) -> str:
    """Validate a CAS registry number and return it in canonical form ("21409-26-7").

    Accepts spaces or any dash between the groups, no separators at all, fullwidth or other
    scripts' digits. Raises ValidationError(field="cas") if the shape or the check digit is wrong.
    """
    parts = _split_cas(text)
    if parts is None:
        shown = text.strip()
        shown = shown if len(shown) <= 40 else shown[:40] + "…"
        raise ValidationError(f'"{shown}" is not a CAS number ({_CAS_EXAMPLE})', field="cas")
    head, middle, check = parts
    expected = cas_check_digit(head + middle)
    if int(check) != expected:
        raise ValidationError(
            f"CAS number {head}-{middle}-{check} fails its check digit (expected {expected})",
            field="cas",
        )
    return f"{head}-{middle}-{check}"


_CAS_PREFIX = re.compile(r"^\s*cas(?:\s*(?:no|number|rn|reg(?:istry)?(?:\s*no)?)\.?)?\s*[:#]?\s*",
                         re.IGNORECASE)


def strip_cas_prefix(text: str) -> str:
    """"CAS 21409-26-7", "CAS No. 21409-26-7", "CAS-RN: ..." -> the number; else `text`."""
    rest = _CAS_PREFIX.sub("", text, count=1)
    return rest if rest != text and is_cas_like(rest) else text


def cas_problem(text: str) -> str | None:
    """Why a CAS-shaped `text` is not a valid CAS number (its check digit), else None."""
    text = strip_cas_prefix(text)
    if not is_cas_like(text):
        return None
    try:
        check_cas(text)
    except ValidationError as exc:
        return exc.message
    return None


def _valid_cas(text: str) -> str:
    """The canonical CAS number, or "" if `text` is not a valid one."""
    try:
        return check_cas(text) if is_cas_like(text) else ""
    except ValidationError:
        return ""


def lookup_key(text: str) -> str:
    """The normalised form used to compare names: "4-ANPP", "4 anpp" and "4‑АNPP" (with a
    non-breaking hyphen and a Cyrillic А) all give "4anpp".

    NFKC, casefold, Greek prefix letters spelled out, look-alike letters mapped to Latin, accents
    on Latin letters dropped, then only letters and digits kept (any script).
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join("-" if _is_dash(ch) else ch for ch in text)
    text = _GREEK_PREFIX.sub(lambda m: _GREEK_NAMES[m.group(1)], text)
    out: list[str] = []
    for ch in unicodedata.normalize("NFD", text).translate(_CONFUSABLES):
        category = unicodedata.category(ch)
        if category[0] == "M":
            # Accents on Latin letters go ("é" -> "e"); marks of other scripts are kept.
            if out and not out[-1].isascii():
                out.append(ch)
        elif category[0] in "LN":
            out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


@dataclass(frozen=True)
class SubstanceSeed:
    """One entry of the reference catalogue, as seeded into the database on first start."""

    name: str
    synonyms: tuple[str, ...]
    cas: str | None
    kind: str
    un_table: str | None
    hs_code: str | None
    family: str | None
    formula: str | None
    molar_mass: Decimal | None
    source: str

    def __post_init__(self) -> None:
        if self.kind not in SUBSTANCE_KINDS:
            raise ValidationError(f"Unknown substance kind {self.kind!r}", field="kind")
        if self.un_table is not None and self.un_table not in UN_TABLES:
            raise ValidationError(f"Unknown UN table {self.un_table!r}", field="un_table")
        if self.cas is not None and check_cas(self.cas) != self.cas:
            raise ValidationError(f"CAS number {self.cas} is not in canonical form", field="cas")


def read_reference_csv(path: Path, build: Callable[[dict[str, str]], T]) -> list[T]:
    """`build(row)` for each data row of a reference CSV file (values stripped of spaces).

    A ValidationError (or a missing column) raised while building a row comes back as a
    ValidationError naming the file and the line, so a bad data file is easy to fix.
    """
    result: list[T] = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            where = f"{path.name} line {reader.line_num}"
            try:
                result.append(build({k: (v or "").strip() for k, v in row.items() if k}))
            except ValidationError as exc:
                raise ValidationError(f"{where}: {exc.message}", field=exc.field) from exc
            except KeyError as exc:
                raise ValidationError(f"{where}: column {exc.args[0]!r} is missing") from exc
    return result


def decimal_cell(text: str) -> Decimal | None:
    """A reference CSV number as an exact Decimal; None for a blank cell."""
    try:
        value = Decimal(text) if text else None
    except InvalidOperation:
        value = Decimal("NaN")
    if value is not None and not value.is_finite():
        raise ValidationError(f"{text!r} is not a number")
    return value


def _synonyms(text: str, extra: Sequence[str] = (), name: str = "") -> tuple[str, ...]:
    """Split "a;b;c", drop trailing "(incl. ...)"/"(also ...)" remarks and repeats of the name."""
    seen = {lookup_key(name)}
    result: list[str] = []
    for raw in [*text.split(";"), *extra]:
        synonym = _ANNOTATION.sub("", raw).strip()
        key = lookup_key(synonym)
        if key and key not in seen:
            seen.add(key)
            result.append(synonym)
    return tuple(result)


_YieldRow = tuple[str, str, str, Decimal | None]  # CAS, short name, formula, molar mass


def _yield_row(row: dict[str, str]) -> _YieldRow:
    cas = check_cas(row["cas"])
    return cas, row["precursor"], row["formula"], decimal_cell(row["molar_mass_g_mol"])


def _precursor_seed(row: dict[str, str], yields: dict[str, _YieldRow]) -> SubstanceSeed:
    name, table = row["name"], row["table"]
    cas = check_cas(row["cas"]) if row["cas"] else None
    if table not in (*UN_TABLES, "none"):
        raise ValidationError(f"table must be I, II or none, not {table!r}", field="un_table")
    if table == "none":
        kind = "reagent"
    elif _PRE_PRECURSOR.search(row["notes"]):
        kind = "pre-precursor"
    else:
        kind = "precursor"
    _cas, short, formula, mass = yields.get(cas or "", ("", "", "", None))
    return SubstanceSeed(
        name=name,
        synonyms=_synonyms(row["synonyms"], [short] if short else [], name),
        cas=cas,
        kind=kind,
        un_table=None if table == "none" else table,
        hs_code=row["hs_code"] or None,
        family=row["drug_family"] or None,
        formula=formula or None,
        molar_mass=mass,
        source=row["source"],
    )


def _drug_family(name: str, synonyms: Sequence[str], families: set[str]) -> str | None:
    """The precursor family a drug belongs to: its own name ("Heroin"), else the longest family
    named inside its name ("Acetylfentanyl"), else inside a synonym ("4-carbomethoxyfentanyl")."""
    folded = {family.casefold(): family for family in families}
    if name.casefold() in folded:
        return folded[name.casefold()]
    longest_first = sorted(folded, key=lambda f: (-len(f), f))
    for texts in ([name], synonyms):
        for family in longest_first:
            if any(family in text.casefold() for text in texts):
                return folded[family]
    return None


def _drug_seed(row: dict[str, str], families: set[str]) -> SubstanceSeed:
    name = row["name"]
    synonyms = _synonyms(row["synonyms"], name=name)
    return SubstanceSeed(
        name=name,
        synonyms=synonyms,
        cas=check_cas(row["cas"]) if row["cas"] else None,
        kind="cutting_agent" if "adulterant" in row["class"].casefold() else "drug",
        un_table=None,
        hs_code=None,
        family=_drug_family(name, synonyms, families),
        formula=row["formula"] or None,
        molar_mass=decimal_cell(row["molar_mass_g_mol"]),
        source="",  # drugs.csv has no source column
    )


def _merge(first: SubstanceSeed, second: SubstanceSeed) -> SubstanceSeed:
    """One seed for two rows with the same CAS: the first row's fields win, names are pooled."""
    sources = [s for s in dict.fromkeys([*first.source.split(";"), *second.source.split(";")]) if s]
    return replace(
        first,
        synonyms=_synonyms(";".join(first.synonyms), [second.name, *second.synonyms], first.name),
        hs_code=first.hs_code or second.hs_code,
        family=first.family or second.family,
        formula=first.formula or second.formula,
        molar_mass=first.molar_mass if first.molar_mass is not None else second.molar_mass,
        source=";".join(sources),
    )


def load_catalogue(reference_dir: Path) -> list[SubstanceSeed]:
    """The reference catalogue from precursors.csv, drugs.csv and fentanyl_yield.csv.

    Every CAS is canonical and unique (rows sharing a CAS are merged, first row first).
    Raises ValidationError naming the file and line of a bad row.
    """
    yields = {r[0]: r for r in read_reference_csv(reference_dir / "fentanyl_yield.csv", _yield_row)}
    seeds = read_reference_csv(
        reference_dir / "precursors.csv", lambda row: _precursor_seed(row, yields)
    )
    families = {s.family for s in seeds if s.family and s.family != "other"}
    seeds += read_reference_csv(reference_dir / "drugs.csv", lambda row: _drug_seed(row, families))
    merged: dict[str, SubstanceSeed] = {}  # keeps the order in which each CAS first appears
    for seed in seeds:
        slot = seed.cas or "name:" + lookup_key(seed.name)
        merged[slot] = _merge(merged[slot], seed) if slot in merged else seed
    return list(merged.values())


class SubstanceIndex:
    """Finds substances by name, synonym or CAS number, and suggests near misses.

    Built from (key, name, synonyms, cas) tuples; `key` is opaque to the index (e.g. a uid) and
    is what `find` returns. A CAS that fails its check digit is not indexed (the name still is).
    """

    def __init__(self, entries: Iterable[tuple[str, str, Sequence[str], str | None]],
                 extra_names: Mapping[str, Sequence[str]] | None = None) -> None:
        """`extra_names`: more names by CAS (look-up only, e.g. figures/synonyms.csv)."""
        self._names: dict[str, str] = {}
        self._by_lookup: dict[str, list[str]] = {}
        self._by_cas: dict[str, list[str]] = {}
        # Fuzzy choices, name keys and CAS digits apart (digits never suggest a name and back).
        self._choices: dict[bool, tuple[list[str], list[str]]] = {False: ([], []), True: ([], [])}
        for key, name, synonyms, cas in entries:
            if isinstance(synonyms, str):
                raise TypeError(f"synonyms of {name!r} must be a sequence of names, not a str")
            self._names.setdefault(key, name)
            for text in (name, *synonyms):
                self._add(lookup_key(text), key, cas=False)
            # A bad CAS is left out rather than raised: it must not make every other
            # substance unfindable.
            canonical = _valid_cas(cas or "")
            self._add(canonical, key, cas=True)
            for text in (extra_names or {}).get(canonical, ()) if canonical else ():
                self._add(lookup_key(text), key, cas=False)

    def _add(self, exact: str, key: str, *, cas: bool) -> None:
        """Index `key` under a lookup key or canonical CAS, and offer it to `suggest`."""
        if not exact:
            return
        keys = (self._by_cas if cas else self._by_lookup).setdefault(exact, [])
        if key not in keys:
            keys.append(key)
            choices, owners = self._choices[cas]
            choices.append(exact.replace("-", ""))  # CAS as bare digits; name keys have no "-"
            owners.append(key)

    def find(self, text: str) -> list[str]:
        """Keys of the substances whose name, a synonym or the CAS number match `text` exactly
        (after `lookup_key` normalisation; CAS numbers compared in canonical form)."""
        found = self._by_lookup.get(lookup_key(text), [])
        # A mistyped CAS finds nothing; suggest() offers the near misses.
        found = found + self._by_cas.get(_valid_cas(strip_cas_prefix(text)), [])
        return list(dict.fromkeys(found))

    def suggest(self, text: str, limit: int = 5) -> list[str]:
        """Display names of the closest matches to `text`, best first (for "did you mean …")."""
        text = strip_cas_prefix(text)
        query = lookup_key(text)
        if not query or limit <= 0:
            return []
        cas = is_cas_like(text)
        choices, owners = self._choices[cas]
        # Plain edit similarity for CAS digits; WRatio also rewards a name containing the query.
        scorer = fuzz.ratio if cas else fuzz.WRatio
        matches = process.extract(
            query,
            choices,
            scorer=scorer,
            processor=None,
            limit=None,
            score_cutoff=_SUGGEST_CUTOFF,
        )
        names: list[str] = []
        for _choice, _score, index in matches:
            name = self._names[owners[index]]
            if name not in names:
                names.append(name)
            if len(names) == limit:
                break
        return names


# Molar masses computed from a formula are rounded to this (g/mol), as the catalogue gives them.
_MOLAR_MASS_STEP = Decimal("0.01")
MOLAR_MASS_TOLERANCE = Decimal("0.1")


def formula_molar_mass(formula: str) -> Decimal:
    """The molar mass (g/mol, 2 decimals) of a formula such as "C5H9NO·HCl·H2O" (molmass).

    Raises ValidationError(field="formula") for a formula molmass cannot read.
    """
    from molmass import Formula, FormulaError

    text = formula.strip().replace("·", ".").replace("•", ".").replace("∙", ".")
    try:
        mass = Formula(text).mass
    except (FormulaError, ValueError, KeyError, IndexError) as exc:
        raise ValidationError(f"{formula!r} is not a chemical formula caseapp can read "
                              "(write it like C5H9NO·HCl·H2O).", field="formula") from exc
    return Decimal(repr(mass)).quantize(_MOLAR_MASS_STEP)
