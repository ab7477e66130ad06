"""How names and labels are written for URSSAF and compared between records."""

from clients.normalize import upper_ascii, upper_name


def test_names_are_upper_case_with_their_accents_and_single_spaces():
    assert upper_name("  Éloïse  d\u2019Arc ") == "ÉLOÏSE D'ARC"


def test_address_labels_follow_the_postal_norm_without_accents():
    assert upper_ascii("Rés. « Les Tilleuls », bât. B") == "RES LES TILLEULS BAT B"
    assert upper_ascii("Cœur-de-l\u2019Île") == "COEUR-DE-L'ILE"
