import datetime as dt
from decimal import Decimal
from http import HTTPStatus

import pytest
import time_machine
from celery.schedules import crontab
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from invoices import attestations, tasks
from invoices.attestations import generation
from invoices.models import (
    Attestation,
    AttestationBatch,
    AttestationBatchItem,
    BatchItemStatus,
    BatchStatus,
    PaymentMode,
)

from .conftest import PARIS, housework_month, pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_clients_paid_in_2025(carol, dave, alice, bob):
    pay(housework_month(carol, alice, 2025, 3, 4, "30"), "120.00", dt.date(2025, 3, 27), "virement")
    pay(housework_month(dave, bob, 2025, 4, 8, "25"), "200.00", dt.date(2025, 4, 28), "cheque")
    return alice, bob


@pytest.fixture
def bob_fails(monkeypatch, bob):
    """Make the rendering of Bob's attestation crash, as a broken font or disk would."""
    render = generation.render_attestation_pdf

    def flaky(*, figures, reference, issued_on):
        if figures.client_name == bob.full_name:
            raise OSError("disque plein")
        return render(figures=figures, reference=reference, issued_on=issued_on)

    monkeypatch.setattr(generation, "render_attestation_pdf", flaky)
    return monkeypatch


def start(year: int, by=None) -> AttestationBatch:
    batch = attestations.batch_start(year=year, by=by)
    batch.refresh_from_db()
    return batch


# --- The batch -------------------------------------------------------------------------------


def test_the_batch_generates_every_paying_clients_attestation_and_counts_progress(
    two_clients_paid_in_2025, sam, django_capture_on_commit_callbacks, mailoutbox
):
    alice, bob = two_clients_paid_in_2025

    with django_capture_on_commit_callbacks(execute=True):
        batch = start(2025, by=sam)
    batch.refresh_from_db()

    assert (batch.total, batch.done, batch.failed, batch.created) == (2, 2, 0, 2)
    assert batch.status == BatchStatus.DONE
    assert batch.finished_at is not None
    assert set(Attestation.objects.values_list("client_id", "year", "batch_id")) == {
        (alice.pk, 2025, batch.pk),
        (bob.pk, 2025, batch.pk),
    }
    assert sorted(mail.to[0] for mail in mailoutbox) == sorted([alice.email, bob.email])


def test_running_the_batch_again_creates_no_new_version_and_sends_no_mail(
    two_clients_paid_in_2025, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        start(2025)
    with django_capture_on_commit_callbacks(execute=True):
        second = start(2025)
    second.refresh_from_db()

    assert (second.total, second.done, second.created) == (2, 2, 0)
    assert Attestation.objects.count() == 2
    assert len(mailoutbox) == 2


def test_one_failure_does_not_stop_the_others_and_is_listed_with_its_reason(
    two_clients_paid_in_2025, bob_fails, django_capture_on_commit_callbacks
):
    alice, bob = two_clients_paid_in_2025

    with django_capture_on_commit_callbacks(execute=True):
        batch = start(2025)
    batch.refresh_from_db()

    assert (batch.total, batch.done, batch.failed) == (2, 1, 1)
    assert batch.status == BatchStatus.DONE
    assert Attestation.objects.get().client == alice
    failure = batch.items.get(status=BatchItemStatus.FAILED)
    assert failure.client == bob
    assert failure.reason == "OSError : disque plein"
    assert not attestations.year_is_complete(2025)


def test_retrying_the_failures_completes_the_batch(
    two_clients_paid_in_2025, bob_fails, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        batch = start(2025)
    bob_fails.undo()

    with django_capture_on_commit_callbacks(execute=True):
        queued = attestations.batch_retry_failures(batch=batch)
    batch.refresh_from_db()

    assert queued == 1
    assert (batch.total, batch.done, batch.failed, batch.created) == (2, 2, 0, 2)
    assert Attestation.objects.count() == 2
    assert attestations.year_is_complete(2025)


def test_a_failure_that_fails_again_counts_once_and_records_the_attempts(
    two_clients_paid_in_2025, bob_fails, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        batch = start(2025)
    with django_capture_on_commit_callbacks(execute=True):
        attestations.batch_retry_failures(batch=batch)
    batch.refresh_from_db()

    assert (batch.done, batch.failed) == (1, 1)
    assert batch.items.get(status=BatchItemStatus.FAILED).attempts == 2


def test_a_redelivered_task_does_not_count_twice(two_clients_paid_in_2025):
    alice, _ = two_clients_paid_in_2025
    batch = attestations.batch_create(year=2025, by=None)

    tasks.generate_client_attestation(batch.pk, alice.pk)
    tasks.generate_client_attestation(batch.pk, alice.pk)
    batch.refresh_from_db()

    assert (batch.done, batch.failed, batch.created) == (1, 0, 1)
    assert batch.status == BatchStatus.RUNNING  # Bob is still pending


def test_clients_who_paid_only_in_cash_or_in_another_year_are_not_in_the_batch(
    carol, dave, alice, bob
):
    pay(housework_month(carol, alice, 2025, 3, 4, "30"), "120.00", dt.date(2025, 3, 27), "especes")
    pay(housework_month(dave, bob, 2025, 12, 4, "30"), "120.00", dt.date(2026, 1, 3), "virement")

    batch = attestations.batch_create(year=2025, by=None)

    assert batch.total == 0
    assert batch.status == BatchStatus.DONE


def test_a_second_batch_for_a_year_still_running_is_refused(two_clients_paid_in_2025):
    attestations.batch_create(year=2025, by=None)

    with pytest.raises(ValidationError, match="déjà en cours"):
        attestations.batch_create(year=2025, by=None)


# --- The command -----------------------------------------------------------------------------


def test_the_command_runs_the_batch_with_progress_and_a_summary(two_clients_paid_in_2025, capsys):
    call_command("generate_attestations", "--year", "2025", "--every", "1")
    output = capsys.readouterr().out

    assert "Attestations 2025: batch" in output
    assert "1/2 processed, 0 failed" in output
    assert "2/2 processed, 0 failed" in output
    assert "2 new version(s), 0 unchanged, 0 failed." in output
    assert Attestation.objects.count() == 2


def test_the_command_reports_failures_and_exits_with_an_error(
    two_clients_paid_in_2025, bob_fails, capsys
):
    with pytest.raises(CommandError, match="1 attestation"):
        call_command("generate_attestations", "--year", "2025")

    assert "disque plein" in capsys.readouterr().err
    assert AttestationBatchItem.objects.filter(status=BatchItemStatus.DONE).count() == 1


# --- The March reminder ----------------------------------------------------------------------


def test_the_beat_schedule_reminds_in_early_march():
    entry = settings.CELERY_BEAT_SCHEDULE["attestations-march-reminder"]

    assert entry["task"] == "invoices.tasks.remind_missing_attestations"
    assert entry["schedule"] == crontab(minute=0, hour=8, day_of_month="1,8,15", month_of_year="3")


def test_staff_are_reminded_in_march_when_last_year_is_not_generated(sam, alice, mailoutbox):
    with time_machine.travel(dt.datetime(2026, 3, 1, 8, tzinfo=PARIS), tick=False):
        reminded = tasks.remind_missing_attestations()

    assert reminded == 1
    assert mailoutbox[0].to == [sam.email]
    assert "2025" in mailoutbox[0].subject
    assert "31 mars 2026" in mailoutbox[0].subject
    assert "Aucune génération n'a encore été lancée pour 2025" in mailoutbox[0].body


def test_staff_are_not_reminded_once_the_year_is_complete(
    sam, two_clients_paid_in_2025, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        start(2025)
    mailoutbox.clear()

    with time_machine.travel(dt.datetime(2026, 3, 8, 8, tzinfo=PARIS), tick=False):
        reminded = tasks.remind_missing_attestations()

    assert reminded == 0
    assert mailoutbox == []


# --- The admin -------------------------------------------------------------------------------


def test_staff_start_a_year_from_the_admin_and_see_its_progress(
    client, sam, two_clients_paid_in_2025, django_capture_on_commit_callbacks
):
    client.force_login(sam)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:invoices_attestationbatch_start"), {"year": 2025})

    assert response.status_code == HTTPStatus.FOUND
    batch = AttestationBatch.objects.get()
    assert (batch.year, batch.started_by, batch.done) == (2025, sam, 2)
    changelist = client.get(reverse("admin:invoices_attestationbatch_changelist"))
    assert "2 / 2 réussis" in changelist.content.decode()


def test_the_start_page_explains_the_generation_and_offers_last_year(client, sam):
    client.force_login(sam)

    with time_machine.travel(dt.datetime(2026, 3, 1, 8, tzinfo=PARIS), tick=False):
        response = client.get(reverse("admin:invoices_attestationbatch_start"))

    page = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "Les attestations sont dues avant le 31 mars." in page
    assert 'value="Lancer la génération"' in page
    assert 'name="year" value="2025"' in page


def test_the_admin_refuses_to_start_the_current_year(client, sam):
    client.force_login(sam)

    with time_machine.travel(dt.datetime(2026, 3, 1, 8, tzinfo=PARIS), tick=False):
        response = client.post(reverse("admin:invoices_attestationbatch_start"), {"year": 2026})

    assert response.status_code == HTTPStatus.OK
    assert "doit être terminée pour établir ses attestations" in response.content.decode()
    assert not AttestationBatch.objects.exists()


def test_a_batch_with_failures_is_never_shown_as_done(
    client, sam, two_clients_paid_in_2025, bob_fails, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        batch = start(2025)
    client.force_login(sam)

    page = client.get(reverse("admin:invoices_attestationbatch_changelist")).content.decode()

    batch.refresh_from_db()
    assert (batch.status, batch.done, batch.failed) == (BatchStatus.DONE, 1, 1)
    assert "Incomplet : 1 échec(s) à relancer" in page
    assert '<progress max="2" value="1"></progress> 1 / 2 réussis' in page
    assert 'field-outcome">Terminé' not in page


def test_the_admin_retry_action_requeues_failures(
    client, sam, two_clients_paid_in_2025, bob_fails, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        batch = start(2025)
    bob_fails.undo()
    client.force_login(sam)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:invoices_attestationbatch_changelist"),
            {"action": "retry_failures", "_selected_action": [batch.pk]},
        )
    batch.refresh_from_db()

    assert (batch.done, batch.failed) == (2, 0)


def test_staff_download_an_attestation_from_the_admin(client, sam, two_clients_paid_in_2025):
    alice, _ = two_clients_paid_in_2025
    attestation, _ = attestations.attestation_generate(client=alice, year=2025)
    client.force_login(sam)

    response = client.get(reverse("admin:invoices_attestation_download", args=[attestation.pk]))

    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_the_admin_regenerate_action_keeps_unchanged_attestations(
    client, sam, two_clients_paid_in_2025
):
    alice, _ = two_clients_paid_in_2025
    attestation, _ = attestations.attestation_generate(client=alice, year=2025)
    invoice = housework_month(
        alice.providers.get(), alice, 2025, 6, 4, "10"
    )  # a payment booked late
    pay(invoice, "40.00", dt.date(2025, 6, 27), PaymentMode.TRANSFER)
    client.force_login(sam)

    client.post(
        reverse("admin:invoices_attestation_changelist"),
        {"action": "regenerate", "_selected_action": [attestation.pk]},
    )

    versions = list(Attestation.objects.filter(client=alice).order_by("version"))
    assert [(a.version, a.total_paid) for a in versions] == [
        (1, Decimal("120.00")),
        (2, Decimal("160.00")),
    ]
