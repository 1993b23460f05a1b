"""Tests for caseapp.domain.substances: CAS numbers, lookup keys, the catalogue and the index."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caseapp.domain.substances import (
    SubstanceIndex,
    SubstanceSeed,
    check_cas,
    is_cas_like,
    load_catalogue,
    lookup_key,
)
from caseapp.errors import ValidationError

REFERENCE = Path(__file__).resolve().parents[2] / "resources" / "reference"
ANPP = "4-Anilino-N-phenethylpiperidine"


@pytest.fixture(scope="module")
def catalogue() -> list[SubstanceSeed]:
    return load_catalogue(REFERENCE)


@pytest.fixture(scope="module")
def index(catalogue: list[SubstanceSeed]) -> SubstanceIndex:
    return SubstanceIndex((s.name, s.name, s.synonyms, s.cas) for s in catalogue)


def by_name(catalogue: list[SubstanceSeed], name: str) -> SubstanceSeed:
    return next(s for s in catalogue if s.name == name)


def check_digit(digits: str) -> int:
    """Written out again here so the test does not trust the code it tests."""
    total = 0
    for position, digit in enumerate(reversed(digits), start=1):
        total += position * int(digit)
    return total % 10


# --- CAS numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "21409-26-7",
        " 21409 26 7",
        "21409267",
        "21409\u201326\u20137",  # en dashes
        "21409\u221226\u22127",  # minus signs
        "21409\u201126\u20117",  # non-breaking hyphens
        "\uff12\uff11\uff14\uff10\uff19\uff0d\uff12\uff16\uff0d\uff17",  # fullwidth
        "0021409-26-7",  # zero-padded, as some databases print it
    ],
)
def test_check_cas_accepts_common_spellings(text: str) -> None:
    assert check_cas(text) == "21409-26-7"


def test_check_cas_reports_the_expected_check_digit() -> None:
    with pytest.raises(ValidationError) as info:
        check_cas("21409-26-8")
    assert info.value.field == "cas"
    assert info.value.message == "CAS number 21409-26-8 fails its check digit (expected 7)"


@pytest.mark.parametrize("text", ["", "ANPP", "1-00-0", "12345678-00-0", "21409-2-67", "5-00-00"])
def test_check_cas_rejects_what_is_not_a_cas_number(text: str) -> None:
    with pytest.raises(ValidationError) as info:
        check_cas(text)
    assert info.value.field == "cas"
    assert "is not a CAS number (expected digits like 50-00-0)" in info.value.message


def test_the_known_typo_from_a_secondary_source_is_caught() -> None:
    # domain-notes.md: S5 prints norfentanyl as 1609-66-5; the right number is 1609-66-1.
    with pytest.raises(ValidationError, match=r"expected 1\)"):
        check_cas("1609-66-5")
    assert check_cas("1609-66-1") == "1609-66-1"


def test_is_cas_like_checks_the_shape_only() -> None:
    assert is_cas_like("21409-26-8")  # wrong check digit, right shape
    assert is_cas_like("21409 26 7")
    assert not is_cas_like("4-AP")
    assert not is_cas_like("ANPP")
    assert not is_cas_like("1-00-0")


cas_bodies = st.tuples(st.integers(10, 9_999_999), st.integers(0, 99)).map(
    lambda parts: (str(parts[0]), f"{parts[1]:02d}")
)


@given(cas_bodies)
def test_every_valid_cas_round_trips(body: tuple[str, str]) -> None:
    head, middle = body
    canonical = f"{head}-{middle}-{check_digit(head + middle)}"
    assert check_cas(canonical) == canonical
    assert check_cas(canonical.replace("-", "")) == canonical
    assert check_cas(canonical.replace("-", " ")) == canonical
    assert check_cas(check_cas(canonical)) == canonical


@given(cas_bodies, st.integers(1, 9))
def test_any_other_check_digit_fails(body: tuple[str, str], shift: int) -> None:
    head, middle = body
    right = check_digit(head + middle)
    wrong = (right + shift) % 10
    with pytest.raises(ValidationError, match=rf"fails its check digit \(expected {right}\)"):
        check_cas(f"{head}-{middle}-{wrong}")


# --- lookup keys -------------------------------------------------------------------------


def test_lookup_key_ignores_case_spaces_dashes_and_look_alikes() -> None:
    look_alike = "4\u2011\u0410NPP"  # non-breaking hyphen and Cyrillic capital A
    assert lookup_key("4-ANPP") == lookup_key("4 anpp") == lookup_key(look_alike) == "4anpp"
    assert lookup_key("ANPP") == "anpp"
    assert lookup_key("\u0391\u0392\u0395") == "abe"  # Greek capitals Alpha, Beta, Epsilon
    assert lookup_key("N-Phenethyl-4-piperidone") == lookup_key("n phenethyl 4 PIPERIDONE")


def test_lookup_key_spells_out_greek_prefixes_and_drops_accents() -> None:
    assert lookup_key("\u03b1-phenylacetoacetonitrile") == lookup_key(
        "alpha-Phenylacetoacetonitrile"
    )
    assert lookup_key("\u03b3-Butyrolactone") == lookup_key("gamma-butyrolactone")
    assert lookup_key("\u00c9ph\u00e9drine") == "ephedrine"


def test_lookup_key_keeps_other_scripts() -> None:
    assert lookup_key("芬太尼 (fentanyl)") == "芬太尼fentanyl"
    assert lookup_key("эфедрин") != ""


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=20))
def test_lookup_key_of_plain_text_is_its_lower_case_letters(text: str) -> None:
    assert lookup_key(text.upper()) == lookup_key(" - ".join(text)) == text


# --- the catalogue -----------------------------------------------------------------------


def test_catalogue_holds_every_reference_row_once(catalogue: list[SubstanceSeed]) -> None:
    assert len(catalogue) == 48 + 8
    cas_numbers = [s.cas for s in catalogue if s.cas is not None]
    assert len(cas_numbers) == len(catalogue)
    assert len(set(cas_numbers)) == len(cas_numbers)
    assert all(check_cas(cas) == cas for cas in cas_numbers)


def test_catalogue_kinds_and_tables(catalogue: list[SubstanceSeed]) -> None:
    anpp = by_name(catalogue, ANPP)
    assert (anpp.kind, anpp.un_table, anpp.family, anpp.hs_code) == (
        "precursor",
        "I",
        "fentanyl",
        "2933.36",
    )
    assert by_name(catalogue, "4-Piperidone").kind == "pre-precursor"  # its notes say so
    assert by_name(catalogue, "Acetone").un_table == "II"
    reagent = by_name(catalogue, "Propionyl chloride")
    assert (reagent.kind, reagent.un_table) == ("reagent", None)
    assert by_name(catalogue, "Xylazine").kind == "cutting_agent"
    fentanyl = by_name(catalogue, "Fentanyl")
    assert (fentanyl.kind, fentanyl.family) == ("drug", "fentanyl")
    assert by_name(catalogue, "Carfentanil").family == "fentanyl"
    assert by_name(catalogue, "MDMA").family == "MDMA"
    counts = {k: sum(s.kind == k for s in catalogue) for k in ("reagent", "drug", "cutting_agent")}
    assert counts == {"reagent": 10, "drug": 7, "cutting_agent": 1}


def test_catalogue_keeps_sources_and_fills_formulas(catalogue: list[SubstanceSeed]) -> None:
    anpp = by_name(catalogue, ANPP)
    assert anpp.source == "S7;S7b;S3;S5;S14"
    assert (anpp.formula, str(anpp.molar_mass)) == ("C19H24N2", "280.41")
    assert by_name(catalogue, "Norfentanyl").cas == "1609-66-1"
    chemicals = ("precursor", "pre-precursor", "reagent")
    with_formula = {s.name for s in catalogue if s.kind in chemicals and s.formula}
    assert len(with_formula) == 7  # the seven rows of fentanyl_yield.csv
    assert by_name(catalogue, "Heroin").molar_mass is not None


def test_catalogue_cleans_synonyms(catalogue: list[SubstanceSeed]) -> None:
    assert "4-piperidinone" in by_name(catalogue, "4-Piperidone").synonyms
    assert "5-allyl-1,3-benzodioxole" in by_name(catalogue, "Safrole").synonyms
    assert "ANPP" in by_name(catalogue, ANPP).synonyms
    assert by_name(catalogue, "Piperidine").synonyms == ()


def write_reference(folder: Path, precursor_rows: str) -> Path:
    header = "name,synonyms,cas,table,hs_code,drug_family,notes,source\n"
    (folder / "precursors.csv").write_text(header + precursor_rows, encoding="utf-8")
    drugs = "name,synonyms,cas,formula,molar_mass_g_mol,class,control_status\n"
    (folder / "drugs.csv").write_text(drugs, encoding="utf-8")
    yields = (
        "precursor,cas,formula,molar_mass_g_mol,mass_ratio_fentanyl_per_precursor_at_100pct,"
        "synthesis_steps_to_fentanyl,route_note\n"
    )
    (folder / "fentanyl_yield.csv").write_text(yields, encoding="utf-8")
    return folder


def test_rows_sharing_a_cas_are_merged(tmp_path: Path) -> None:
    rows = (
        "ANPP,4-ANPP,21409-26-7,I,2933.36,fentanyl,,S7\n"
        "Despropionyl fentanyl,ANPP,21409 26 7,I,,fentanyl,,S5;S7\n"
    )
    [seed] = load_catalogue(write_reference(tmp_path, rows))
    assert seed.name == "ANPP"
    assert seed.synonyms == ("4-ANPP", "Despropionyl fentanyl")
    assert seed.source == "S7;S5"


def test_a_bad_row_is_reported_with_file_and_line(tmp_path: Path) -> None:
    rows = "ANPP,,21409-26-7,I,,fentanyl,,S7\nNorfentanyl,,1609-66-5,I,,fentanyl,,S5\n"
    with pytest.raises(ValidationError) as info:
        load_catalogue(write_reference(tmp_path, rows))
    assert info.value.message.startswith("precursors.csv line 3: CAS number 1609-66-5 fails")
    assert info.value.field == "cas"


# --- the index ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "4-ANPP",
        "anpp",
        "ANPP",
        "21409-26-7",
        "21409267",
        "despropionyl fentanyl",
        "4\u2011\u0410NPP",
    ],
)
def test_index_finds_anpp_every_way(index: SubstanceIndex, text: str) -> None:
    assert index.find(text) == [ANPP]


def test_index_finds_nothing_for_unknown_text_or_a_bad_cas(index: SubstanceIndex) -> None:
    assert index.find("ANNP") == []
    assert index.find("21409-26-8") == []
    assert index.find("") == []


def test_index_suggests_near_misses(index: SubstanceIndex) -> None:
    assert index.suggest("ANNP")[0] == ANPP
    assert index.suggest("21409-26-8")[0] == ANPP
    assert index.suggest("fentanil")[0] == "Fentanyl"
    assert index.suggest("xylazin")[0] == "Xylazine"
    assert len(index.suggest("piperidone", limit=3)) == 3
    assert index.suggest("   ") == []


def test_index_returns_every_key_sharing_a_name() -> None:
    index = SubstanceIndex(
        [
            ("uid-1", "ANPP", ["4-ANPP"], "21409-26-7"),
            ("uid-2", "4-ANPP hydrochloride", ["ANPP"], None),
            ("uid-3", "Bad CAS", [], "21409-26-8"),  # left out of the CAS table, name still works
        ]
    )
    assert index.find("anpp") == ["uid-1", "uid-2"]
    assert index.find("21409-26-7") == ["uid-1"]
    assert index.find("bad cas") == ["uid-3"]
