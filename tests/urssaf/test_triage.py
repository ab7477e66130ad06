"""The triage both queues share: one advice mechanism, one model base, one constraint."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.db.models import TextChoices

from urssaf.exceptions import UrssafErrorDetail
from urssaf.models import (
    AIOrigin,
    AIRegistration,
    AIRegistrationState,
    PaymentRequest,
    TriageState,
)
from urssaf.registration.triage_table import RegistrationBucket
from urssaf.triage.advice import Advice, AdviceTable, Bucket

PARIS_NOON = dt.datetime(2026, 11, 2, 11, 0, tzinfo=dt.UTC)


class Kind(TextChoices):
    DATA = "data", "Données"
    DOWN = "down", "Indisponible"
    OTHER = "other", "Autre"


TABLE = AdviceTable(
    buckets={
        Kind.DATA: Bucket("Données", "Une donnée est refusée.", "Corriger."),
        Kind.DOWN: Bucket("Indisponible", "Pas de réponse.", "Relancer.", notify_client=False),
        Kind.OTHER: Bucket("Autre", "Inconnu.", "Lire."),
    },
    priority=(Kind.DATA, Kind.OTHER, Kind.DOWN),
    advice={
        "ERR_NOM": Advice(Kind.DATA, "Le nom est refusé.", "Vérifiez votre nom."),
        "ERR_PRENOM": Advice(Kind.DATA, "Le prénom est refusé.", "Vérifiez votre nom."),
        "ERR_PANNE": Advice(Kind.DOWN, "Panne."),
    },
    unknown=Advice(Kind.OTHER, "Code inconnu."),
)


def test_an_unknown_code_gets_the_tables_unknown_advice_never_a_guess():
    assert TABLE.advice_for("ERR_JAMAIS_VU") == TABLE.unknown
    assert TABLE.bucket_for(["ERR_JAMAIS_VU"]) == Kind.OTHER
    assert TABLE.bucket_for([]) == Kind.OTHER


def test_the_first_problem_to_fix_wins_whatever_urssafs_order():
    assert TABLE.bucket_for(["ERR_PANNE", "ERR_NOM"]) == Kind.DATA
    assert TABLE.bucket_for(["ERR_PANNE", "ERR_JAMAIS_VU"]) == Kind.OTHER


def test_each_code_is_explained_once_in_urssafs_order():
    codes = [code for code, _ in TABLE.explain(["ERR_PANNE", "ERR_NOM", "ERR_PANNE"])]
    assert codes == ["ERR_PANNE", "ERR_NOM"]


def test_the_client_reads_each_advice_once_and_nothing_for_codes_without_one():
    assert TABLE.client_advice(["ERR_NOM", "ERR_PRENOM", "ERR_PANNE"]) == ["Vérifiez votre nom."]


def test_the_failure_note_names_each_code_and_what_it_means():
    assert TABLE.failure_note(["ERR_NOM", "ERR_JAMAIS_VU", "ERR_NOM"]) == (
        "ERR_NOM : Le nom est refusé.\nERR_JAMAIS_VU : Code inconnu."
    )


@pytest.mark.django_db
def test_opening_the_triage_keeps_earlier_errors_and_hands_the_case_back_to_the_queue(alice, sam):
    registration = AIRegistration(client=alice, origin=AIOrigin.CLIENT)
    registration.errors = [{"code": "ERR_CONTACT", "message": "", "description": ""}]
    registration.triaged_by, registration.triaged_at = sam, PARIS_NOON

    codes = registration.open_triage([UrssafErrorDetail("ERR_COMPTE_BLOQUE", "bloqué")], PARIS_NOON)

    assert codes == ["ERR_COMPTE_BLOQUE"]
    assert registration.error_codes == ["ERR_CONTACT", "ERR_COMPTE_BLOQUE"]
    assert registration.errors[-1]["at"] == PARIS_NOON.isoformat()
    assert registration.triage_bucket == RegistrationBucket.BANK
    assert (registration.triage_state, registration.triage_since) == (TriageState.OPEN, PARIS_NOON)
    assert (registration.triaged_by, registration.triaged_at) == (None, None)
    assert registration.is_in_triage
    assert registration.bucket_advice.label == RegistrationBucket.BANK.label


@pytest.mark.django_db
def test_closing_the_triage_signs_and_dates_the_note_and_keeps_the_earlier_ones(alice, sam):
    registration = AIRegistration(client=alice, origin=AIOrigin.CLIENT, triage_note="Avant.")

    registration.close_triage(
        state=TriageState.CONTACTED, by=sam, now=PARIS_NOON, note=" Appelée. "
    )
    registration.add_triage_note("  ", by=sam, now=PARIS_NOON)

    assert registration.triage_note == f"Avant.\n02/11/2026 12:00 — {sam.email} : Appelée."
    assert (registration.triaged_by, registration.triaged_at) == (sam, PARIS_NOON)
    assert registration.is_in_triage  # a contacted client has not answered yet


@pytest.mark.django_db
def test_both_kinds_of_record_refuse_a_bucket_without_a_triage_state(alice, alice_invoice):
    records = [
        AIRegistration(client=alice, origin=AIOrigin.CLIENT),
        PaymentRequest(invoice=alice_invoice, invoice_number=alice_invoice.number),
    ]
    for record in records:
        record.triage_bucket = "other"
        with pytest.raises(IntegrityError, match="bucket_has_triage_state"), transaction.atomic():
            record.save()


@pytest.mark.django_db
def test_the_queue_counts_per_bucket_what_waits_contacted_clients_included(alice, bob):
    for client, state in (
        (alice, TriageState.OPEN),
        (bob, TriageState.CONTACTED),
        (alice, TriageState.RESOLVED),
    ):
        AIRegistration.objects.create(
            client=client,
            origin=AIOrigin.CLIENT,
            state=AIRegistrationState.FAILED,
            triage_bucket=RegistrationBucket.BANK,
            triage_state=state,
        )

    assert AIRegistration.objects.bucket_counts() == {"bank": 2}
    assert AIRegistration.objects.in_triage().count() == 2
