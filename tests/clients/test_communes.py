import datetime as dt

from clients.communes import (
    birth_commune_candidates,
    commune_on,
    normalize_name,
    search_communes,
)


def test_a_merged_commune_resolves_to_its_code_at_the_birth_date():
    # Annecy-le-Vieux merged into Annecy on 1 January 2017.
    before = commune_on("74011", dt.date(1980, 5, 4))
    assert before is not None
    assert before.name == "Annecy-le-Vieux"
    assert commune_on("74011", dt.date(2018, 1, 1)) is None


def test_todays_commune_nouvelle_lists_the_communes_it_covered_at_birth():
    # Annecy 2017 absorbed Annecy-le-Vieux, Meythet, Cran-Gevrier, Pringy, Seynod...
    names = {c.name for c in birth_commune_candidates("74010", dt.date(1980, 5, 4))}
    assert names == {"Annecy"}  # 74010 itself existed then: no ambiguity
    covered = search_communes("Meythet", dt.date(1980, 5, 4))
    assert [c.code for c in covered] == ["74182"]


def test_a_code_created_after_the_birth_leads_back_to_the_code_of_that_day():
    # Ajaccio was 20004 until Corsica was split into 2A/2B on 1 January 1976.
    assert [c.code for c in birth_commune_candidates("2A004", dt.date(1970, 6, 1))] == ["20004"]


def test_a_code_changed_by_the_1968_department_reform_resolves_by_date():
    # Argenteuil moved from Seine-et-Oise (78) to Val-d'Oise (95) in 1968.
    found = search_communes("Argenteuil", dt.date(1960, 3, 1), department="078")
    assert [c.code for c in found] == ["78018"]
    assert [c.code for c in birth_commune_candidates("95018", dt.date(1960, 3, 1))] == ["78018"]


def test_corsican_codes_before_1976_are_those_of_the_single_department():
    assert commune_on("2A004", dt.date(1970, 6, 1)) is None
    assert commune_on("20004", dt.date(1970, 6, 1)).name == "Ajaccio"
    assert commune_on("2A004", dt.date(1983, 8, 11)).department == "2A"


def test_search_folds_accents_case_hyphens_and_saint_abbreviations():
    assert normalize_name("St-Étienne") == normalize_name("SAINT ETIENNE")
    found = search_communes("st etienne", dt.date(1990, 1, 1), department="042")
    assert [c.code for c in found] == ["42218"]


def test_search_by_department_filters_homonyms():
    everywhere = search_communes("Saint-Denis", dt.date(1979, 10, 19))
    assert len(everywhere) > 1
    reunion = search_communes("Saint-Denis", dt.date(1979, 10, 19), department="974")
    assert [(c.code, c.department) for c in reunion] == [("97411", "974")]


def test_paris_arrondissements_are_known():
    assert commune_on("75115", dt.date(1960, 1, 1)).name.startswith("Paris 15")


def test_an_unknown_code_has_no_candidate():
    assert birth_commune_candidates("99999", dt.date(1980, 1, 1)) == []
