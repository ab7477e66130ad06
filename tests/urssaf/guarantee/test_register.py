"""The register of guarantees: stored privately, recorded by staff only, reminders before the
end and alerts at 80 % and 100 % of the yearly threshold, each sent once."""

import datetime as dt
import stat
from decimal import Decimal
from http import HTTPStatus
from pathlib import Path

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.services import audit_trail
from urssaf.guarantee import rules, services
from urssaf.guarantee.models import FinancialGuarantee, ThresholdAlert

pytestmark = pytest.mark.django_db


def test_a_stored_attestation_is_private_and_its_name_cannot_be_guessed(make_guarantee):
    guarantee = make_guarantee(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    path = Path(guarantee.attestation.path)

    assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0
    assert "attestation" not in path.name
    assert len(path.stem.removeprefix("garantie-")) >= 16


def test_only_the_staff_record_a_guarantee(carol):
    guarantee = FinancialGuarantee(
        issuer="Banque",
        amount=Decimal("1000"),
        valid_from=dt.date(2026, 1, 1),
        valid_to=dt.date(2026, 12, 31),
    )
    with pytest.raises(ValidationError):
        services.guarantee_record(guarantee=guarantee, by=carol.user)
    assert not FinancialGuarantee.objects.exists()


def test_a_guarantee_ending_before_it_starts_is_refused_and_nothing_saved(sam, cooperative):
    guarantee = FinancialGuarantee(
        issuer="Banque",
        amount=Decimal("1000"),
        valid_from=dt.date(2026, 6, 1),
        valid_to=dt.date(2026, 5, 31),
    )
    guarantee.attestation.save("a.pdf", SimpleUploadedFile("a.pdf", b"%PDF"), save=False)
    with pytest.raises(ValidationError) as refused:
        services.guarantee_record(guarantee=guarantee, by=sam)
    assert "La fin de validité précède son début." in refused.value.messages
    assert not FinancialGuarantee.objects.exists()


def test_the_staff_are_reminded_once_per_step_before_the_end(make_guarantee, sam):
    guarantee = make_guarantee(dt.date(2026, 1, 1), dt.date(2026, 12, 31))

    assert services.guarantee_reminders_send(today=dt.date(2026, 10, 1)) == 0
    assert services.guarantee_reminders_send(today=dt.date(2026, 11, 1)) == 1
    assert services.guarantee_reminders_send(today=dt.date(2026, 11, 2)) == 0
    assert services.guarantee_reminders_send(today=dt.date(2026, 12, 1)) == 1
    assert services.guarantee_reminders_send(today=dt.date(2026, 12, 31)) == 1
    assert services.guarantee_reminders_send(today=dt.date(2026, 12, 31)) == 0

    assert [m.to for m in mail.outbox] == [[sam.email]] * 3
    assert "31 décembre 2026" in mail.outbox[0].subject
    assert "dans 60 jours" in mail.outbox[0].body
    assert "dernier jour" in mail.outbox[2].subject
    guarantee.refresh_from_db()
    assert guarantee.reminded_days_before == 0


def test_no_reminder_when_a_later_guarantee_takes_over(make_guarantee, sam):
    make_guarantee(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    make_guarantee(dt.date(2027, 1, 1), dt.date(2027, 12, 31))

    assert services.guarantee_reminders_send(today=dt.date(2026, 12, 30)) == 0
    assert mail.outbox == []


def test_the_staff_are_alerted_once_at_80_and_once_at_100_per_cent(
    ai_alice, issue_ai_invoice, sandbox, low_threshold, sam
):
    issue_ai_invoice(ai_alice)  # 75,00 € : 50 %
    assert services.threshold_alerts_send(today=dt.date(2026, 3, 17)) == 0

    issue_ai_invoice(ai_alice)  # 150,00 € : 100 %, both levels at once
    assert services.threshold_alerts_send(today=dt.date(2026, 3, 17)) == 2
    assert services.threshold_alerts_send(today=dt.date(2026, 3, 18)) == 0

    assert sorted(ThresholdAlert.objects.values_list("level", flat=True)) == [80, 100]
    assert ThresholdAlert.objects.get(level=100).total == Decimal("150.00")
    alerts = [m for m in mail.outbox if "seuil" in m.subject]
    assert all(m.to == [sam.email] for m in alerts)
    subjects = sorted(m.subject for m in alerts)
    assert subjects == [
        "Avance immédiate 2026 : 100 % du seuil de garantie financière atteint",
        "Avance immédiate 2026 : 80 % du seuil de garantie financière atteint",
    ]
    assert "150,00" in alerts[0].body
    assert "Aucune garantie n'est en cours de validité" in alerts[0].body


def test_the_level_follows_the_total_to_the_cent(low_threshold):
    def level(total: str) -> int:
        return rules.YearStatus(2026, Decimal(total), rules.THRESHOLD, None).level

    assert [level("119.99"), level("120.00"), level("149.99"), level("150.00")] == [0, 80, 80, 100]


# --- the admin ------------------------------------------------------------------------------


def upload(name="attestation.pdf", content=b"%PDF-1.4 garantie"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def add_form(**overrides):
    data = {
        "issuer": "Banque coopérative",
        "reference": "GF-2026-01",
        "amount": "250000,00",
        "valid_from": "01/01/2026",
        "valid_to": "31/12/2026",
        "attestation": upload(),
        "sent_to_urssaf_on": "",
    }
    data.update(overrides)
    return data


def test_the_staff_add_a_guarantee_in_the_admin_and_download_its_files(client, sam, cooperative):
    client.force_login(sam)
    response = client.post(
        reverse("admin:urssaf_financialguarantee_add"),
        add_form(sent_to_urssaf_on="05/01/2026", sending_proof=upload("envoi.png", b"png")),
    )

    assert response.status_code == HTTPStatus.FOUND, response.context["adminform"].form.errors
    guarantee = FinancialGuarantee.objects.get()
    assert guarantee.amount == Decimal("250000.00")
    assert guarantee.recorded_by == sam
    assert [e.action for e in audit_trail(guarantee)] == ["urssaf.guarantee.recorded"]
    url = reverse("admin:urssaf_financialguarantee_file", args=[guarantee.pk, "attestation"])
    download = client.get(url)
    assert download.status_code == HTTPStatus.OK
    assert b"".join(download.streaming_content) == b"%PDF-1.4 garantie"
    proof = client.get(
        reverse("admin:urssaf_financialguarantee_file", args=[guarantee.pk, "preuve"])
    )
    assert proof.status_code == HTTPStatus.OK
    assert b"".join(proof.streaming_content) == b"png"


def test_an_executable_or_a_proof_without_a_date_is_refused_in_french(client, sam):
    client.force_login(sam)
    response = client.post(
        reverse("admin:urssaf_financialguarantee_add"),
        add_form(attestation=upload("virus.exe", b"MZ"), sending_proof=upload("envoi.pdf")),
    )

    assert response.status_code == HTTPStatus.OK
    errors = response.context["adminform"].form.errors
    assert errors["attestation"] == ["Fichier PDF, PNG ou JPEG attendu."]
    assert errors["sent_to_urssaf_on"] == ["Indiquez la date de transmission à l'URSSAF."]
    assert not FinancialGuarantee.objects.exists()


def test_a_provider_cannot_download_an_attestation(client, carol, make_guarantee):
    guarantee = make_guarantee(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    client.force_login(carol.user)
    url = reverse("admin:urssaf_financialguarantee_file", args=[guarantee.pk, "attestation"])

    response = client.get(url)

    assert response.status_code == HTTPStatus.FOUND
    assert "/login/" in response["Location"]


def test_the_admin_home_shows_the_year_total_against_the_threshold(
    client, sam, ai_alice, issue_ai_invoice, sandbox, low_threshold
):
    for _ in range(3):
        issue_ai_invoice(ai_alice)
    client.force_login(sam)

    page = client.get(reverse("admin:index")).content.decode()

    assert 'data-total="225.00"' in page
    assert 'data-level="100"' in page
    assert 'data-held="1"' in page
    assert "Seuil dépassé" in page
    assert "Garantie financière manquante" in page
