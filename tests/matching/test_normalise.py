"""Normalised identifiers and names (pure domain code)."""

from __future__ import annotations

import pytest

from caseapp.domain import identifiers as ids
from caseapp.domain.matching import Entity, compare, name_similarity, record_keys
from caseapp.domain.names import company_parts, person_key


@pytest.mark.parametrize("raw,country", [
    ("+86 27 8765 4321", None), ("0086-27-87654321", None), ("027 8765 4321", "CN"),
    ("(027) 87654321", "cn")])
def test_phone_written_many_ways_is_one_e164(raw: str, country: str | None) -> None:
    assert ids.phone(raw, country) == "+862787654321"


def test_phone_rejects_text_and_short_numbers() -> None:
    assert ids.phone("call me", "CN") is None
    assert ids.phone("123", "CN") is None


def test_email_website_tracking_registration() -> None:
    assert ids.email("  Sales@Example.CN ") == "sales@example.cn"
    assert ids.email("not an address") is None
    assert ids.web_host("https://WWW.Example.cn/about?x=1") == "example.cn"
    assert ids.web_host("example.cn") == "example.cn"
    # S10: RR 123 456 78? CN; the check digit of 12345678 is 5.
    assert ids.s10_check_digit("12345678") == 5
    assert ids.tracking("rr 123 456 785 cn") == "RR123456785CN"
    assert ids.tracking("RR123456784CN") is None            # wrong check digit
    assert ids.tracking("MAEU-1234567") == "MAEU1234567"    # not S10: kept as written
    valid = "91110000600037341L"
    assert ids.uscc_valid(valid)
    assert ids.registration("9111 0000 6000 3734 1L", "CN") == "USCC:" + valid
    assert not ids.uscc_valid("91110000600037341X")
    assert ids.registration("91110000600037341X", "CN") == "91110000600037341X"


@pytest.mark.parametrize("a,b", [
    ("HARBOURLINE SWIFTLINK LOGISTICS LTD", "Harbourline Swiftlink Logistics Limited"),
    ("湖北精奥生物科技有限公司", "Hubei Jingao Biotechnology Co Ltd"),
    ("湖北精奧生物科技有限公司", "湖北精奥生物科技有限公司"),
    ("Jingao Bio-Tech Co., Ltd.", "Jingao Biotech Company Limited"),
    ("Grupo Quimico Del Norte S.A. de C.V.", "GRUPO QUIMICO DEL NORTE SA DE CV"),
    ("Velora Express GmbH", "Velora Express B.V."),
    ("Sunrise Pharma Pvt. Ltd.", "SUNRISE PHARMACEUTICALS LLC"),
])
def test_company_names_that_are_one(a: str, b: str) -> None:
    assert company_parts(a).key == company_parts(b).key
    assert name_similarity("company", a, b)[0] == 1.0


def test_hard_negative_same_city_and_industry() -> None:
    score, why = name_similarity("company", "Wuhan Jinhe Biotech Co., Ltd.",
                                 "Wuhan Jinhua Biotechnology Co., Ltd.")
    assert score < 0.8, why


def test_legal_form_only_name_does_not_match_everything() -> None:
    assert company_parts("11420 CORP.").key == "11420"
    assert name_similarity("company", "11420 CORP.", "CORP")[0] < 0.5


def test_chinese_person_names_across_scripts() -> None:
    assert person_key("王伟") == person_key("Wang Wei") == person_key("王偉") == \
        person_key("WEI, Wang")


def test_compare_explains_each_feature() -> None:
    a = Entity("company", ("湖北精奥生物科技有限公司",), "CN",
               frozenset({("phone", "+862787654321")}))
    b = Entity("company", ("Hubei Jingao Biotechnology Co Ltd",), "CN",
               frozenset({("phone", "+862787654321")}))
    match = compare(a, b)
    assert match.score == 1.0
    features = {f.feature for f in match.explanation}
    assert {"name", "phone", "country"} <= features
    other = compare(a, Entity("company", ("Hubei Jingao Biotechnology",), "MX"))
    assert other.score == pytest.approx(0.8)
    assert any("countries differ" in f.detail for f in other.explanation)


def test_record_keys_use_the_country_for_phones() -> None:
    keys = record_keys("company", {"name": "Jingao", "country": "CN",
                                   "phones": ("027 8765 4321",), "emails": (),
                                   "aliases": (), "website": "www.jingao.cn"})
    assert ("phone", "+862787654321") in keys
    assert ("website", "jingao.cn") in keys
    assert ("name", "jingao") in keys
