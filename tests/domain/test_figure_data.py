"""The shipped tables behind the figures (resources/figures) and the number rules."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from caseapp.domain.basis import load_basis
from caseapp.domain.fields import FieldSpec, decimal_mark, number_text
from caseapp.domain.substances import cas_problem, formula_molar_mass, strip_cas_prefix
from caseapp.errors import ValidationError
from caseapp.paths import resources_dir

BASIS = load_basis(resources_dir())


def test_every_salt_molar_mass_matches_its_formula_and_its_base() -> None:
    for salt in BASIS.salts.values():
        assert abs(formula_molar_mass(salt.formula) - salt.molar_mass) <= D("0.01"), salt.name
        base = salt.formula.split("·")[0]
        assert abs(formula_molar_mass(base) - salt.base_molar_mass) <= D("0.02"), salt.name
    pip = BASIS.salts["40064-34-4"]
    assert (pip.molar_mass, pip.base_cas) == (D("153.61"), "41661-47-6")
    assert {s.cas for s in BASIS.salts.values()} >= {"40064-34-4", "1443-54-5", "990-73-8"}


def test_routes_say_their_steps_and_source_and_cover_every_yield_factor() -> None:
    assert set(BASIS.routes) == set(BASIS.yield_factors)
    assert BASIS.routes["79099-07-3"].steps == 4  # its own route note says 4 steps
    assert all(r.source and 0 < r.overall_yield <= 1 for r in BASIS.routes.values())
    assert all("caseapp assumption" in r.source for r in BASIS.routes.values())


def test_every_density_has_a_source() -> None:
    assert BASIS.densities["79-03-8"].kg_per_l == D("1.065")  # propionyl chloride
    assert all(d.source for d in BASIS.densities.values())


@pytest.mark.parametrize(("text", "mark", "value"), [
    ("1.5", "point", "1.5"), ("1,500", "point", "1500"), ("1,500.25", "point", "1500.25"),
    ("-2", "point", "-2"), ("1,5", "comma", "1.5"), ("1.500", "comma", "1500"),
    ("1.500,25", "comma", "1500.25"), ("12", "comma", "12")])
def test_numbers_in_each_convention(text: str, mark: str, value: str) -> None:
    assert D(number_text(text, mark)) == D(value)


@pytest.mark.parametrize(("text", "mark"), [("9,5", "point"), ("1,50", "point"),
                                            ("1,5000", "point"), ("9.5", "comma")])
def test_ambiguous_numbers_are_refused_with_how_to_write_them(text: str, mark: str) -> None:
    spec = FieldSpec("purity_percent", "decimal", label="Purity %")
    with decimal_mark(mark), pytest.raises(ValidationError, match="ambiguous") as err:
        spec.parse(text)
    assert "write it as in" in err.value.message
    with decimal_mark("comma"):  # canonical text (bundles, the change log) is never affected
        assert spec.from_json("9.5") == D("9.5")


def test_cas_prefixes_and_check_digits() -> None:
    assert strip_cas_prefix("CAS 21409-26-7") == "21409-26-7"
    assert strip_cas_prefix("CAS No. 21409-26-7") == "21409-26-7"
    assert strip_cas_prefix("Cassava") == "Cassava"
    assert cas_problem("21409-26-8") == ("CAS number 21409-26-8 fails its check digit "
                                         "(expected 7)")
    assert cas_problem("21409-26-7") is None and cas_problem("NPP") is None
    with pytest.raises(ValidationError, match="chemical formula"):
        formula_molar_mass("C5H9NO·Xq")
