"""The error-code table: every registration code has a bucket, an explanation and advice."""

import pytest

from urssaf.registration import triage_table as ai_triage
from urssaf.registration.triage_table import RegistrationBucket

# Every code shared/urssaf/API.md §6 lists for POST /particulier (P), GET /particulier (G),
# both endpoints (P/D) or any endpoint, and the link statuses of §4 that end a registration.
REGISTRATION_CODES = [
    "ERR_DGFIP_R2P_INCONNU",
    "ERR_DGFIP_IMPOTPART_INCONNU",
    "ERR_ECV_PARTICULIERS_EXISTENT",
    "ERREUR_REFERENCE_PARTICULIER_EXISTANTE_TYPE",
    "ERR_DATE_NAISSANCE_FUTUR",
    "ERR_LIEU_NAISSANCE_OBLIGATOIRE",
    "ERREUR_LIEU_NAISSANCE_DEPT",
    "ERREUR_LIEU_NAISSANCE_DEPT_FORMAT",
    "ERR_LIEU_NAISSANCE_COMN",
    "ERREUR_LIEU_NAISSANCE_PAYS",
    "ERREUR_LIEU_NAISSANCE_OBLIGATOIRE",
    "ERREUR_LIEU_NAISSANCE_INVALIDE",
    "ERR_CONTACT",
    "ERR_CONTACT_ADRESSE_TYPE_VOIE",
    "ERR_CONTACT_ADRESSE_TYPEVOIE",
    "ERR_CONTACT_ADRESSE_LETTRE_VOIE",
    "ERR_CONTACT_ADRESSE_LIBELLEVOIE",
    "ERR_CONTACT_ADRESSE_INFORMATION_SUPPLEMENTAIRE",
    "ERR_CONTACT_ADRESSE_COMMUNE",
    "ERR_COORDONNEES_BANCAIRES",
    "ERR_APPEL_BACB",
    "ERR_COMPTE_BLOQUE",
    "ERR_LIEN_TIERS_PRESTATION_PARTICULIER_EXISTE",
    "ERR_LIEN_TIERS_PRESTATION_PARTICULIER",
    "ERR_RECHERCHE_PARTICULIER",
    "ERR_MANDAT_ECHU",
    "ERREUR_VALIDATION",
    "ERREUR_TECHNIQUE",
    "APPAREILLAGE_NF",
    "PARTICULIER_BLOQUE",
    "MANDAT_ECHU",
    ai_triage.ACTIVATION_EXPIRED,
    ai_triage.URSSAF_UNAVAILABLE,
    ai_triage.DUPLICATE_ID_CLIENT,
]


@pytest.mark.parametrize("code", REGISTRATION_CODES)
def test_every_registration_code_has_its_own_advice(code):
    advice = ai_triage.ADVICE[code]
    assert advice.bucket in RegistrationBucket
    assert advice.explanation.strip()
    assert advice.client_advice.strip()


@pytest.mark.parametrize(
    ("code", "bucket"),
    [
        ("ERR_DGFIP_R2P_INCONNU", RegistrationBucket.IDENTITY),
        ("ERR_CONTACT", RegistrationBucket.IDENTITY),
        ("ERREUR_REFERENCE_PARTICULIER_EXISTANTE_TYPE", RegistrationBucket.IDENTITY),
        ("ERR_DGFIP_IMPOTPART_INCONNU", RegistrationBucket.TAX_OFFICE),
        ("ERR_ECV_PARTICULIERS_EXISTENT", RegistrationBucket.TAX_OFFICE),
        ("ERR_COORDONNEES_BANCAIRES", RegistrationBucket.BANK),
        ("ERR_APPEL_BACB", RegistrationBucket.BANK),
        (ai_triage.ACTIVATION_EXPIRED, RegistrationBucket.ACTIVATION),
        ("APPAREILLAGE_NF", RegistrationBucket.ACTIVATION),
        (ai_triage.URSSAF_UNAVAILABLE, RegistrationBucket.RETRY),
        ("ERREUR_TECHNIQUE", RegistrationBucket.RETRY),
    ],
)
def test_each_cause_lands_in_the_issues_bucket(code, bucket):
    assert ai_triage.TABLE.bucket_for([code]) == bucket


def test_an_unknown_code_is_left_to_a_human_not_guessed():
    assert ai_triage.TABLE.bucket_for(["ERR_JAMAIS_VU"]) == RegistrationBucket.OTHER
    assert ai_triage.TABLE.advice_for("ERR_JAMAIS_VU") is ai_triage.TABLE.unknown


def test_the_first_problem_to_fix_wins_when_urssaf_gives_several():
    assert ai_triage.TABLE.bucket_for(["ERR_COORDONNEES_BANCAIRES", "ERR_DGFIP_R2P_INCONNU"]) == (
        RegistrationBucket.IDENTITY
    )
    assert (
        ai_triage.TABLE.bucket_for(["ERREUR_TECHNIQUE", "ERR_APPEL_BACB"])
        == RegistrationBucket.BANK
    )


def test_every_bucket_explains_itself_and_says_what_to_do_next():
    for bucket in RegistrationBucket:
        presentation = ai_triage.BUCKETS[bucket]
        assert presentation.label == bucket.label
        assert presentation.explanation.strip()
        assert presentation.next_action.strip()


def test_only_urssaf_being_down_spares_the_client_an_email():
    silent = [bucket for bucket, shown in ai_triage.BUCKETS.items() if not shown.notify_client]
    assert silent == [RegistrationBucket.RETRY]


def test_explain_keeps_urssafs_order_and_each_code_once():
    codes = [code for code, _ in ai_triage.TABLE.explain(["B_CODE", "ERR_CONTACT", "B_CODE"])]
    assert codes == ["B_CODE", "ERR_CONTACT"]
