"""Staff export the books and the e-reporting files from the admin; nobody else can."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from books.fec import read_fec
from books.models import AccountingExport, AccountMapping, EReport

from ..invoices.conftest import PARIS


@pytest.fixture(autouse=True)
def in_2026():
    with time_machine.travel(dt.datetime(2026, 1, 15, 12, tzinfo=PARIS), tick=False):
        yield


def test_staff_export_last_year_from_the_admin_and_download_the_fec(client, sam, year_2025):
    client.force_login(sam)
    form = client.get(reverse("admin:books_accountingexport_add"))
    assert form.status_code == 200
    assert 'value="2025-01-01"' in form.content.decode()  # last year by default

    answer = client.post(
        reverse("admin:books_accountingexport_add"), {"start": "2025-01-01", "end": "2025-12-31"}
    )
    assert answer.status_code == 302
    export = AccountingExport.objects.get()
    listing = client.get(reverse("admin:books_accountingexport_changelist")).content.decode()
    assert "fichier FEC" in listing

    download = client.get(reverse("admin:books_accountingexport_download", args=[export.pk, "fec"]))
    assert download["Content-Disposition"] == 'attachment; filename="732829320FEC20251231.txt"'
    assert read_fec(b"".join(download.streaming_content))


def test_a_second_export_of_the_period_asks_for_a_reason_in_french(client, sam, year_2025):
    client.force_login(sam)
    url = reverse("admin:books_accountingexport_add")
    client.post(url, {"start": "2025-01-01", "end": "2025-12-31"})
    again = client.post(url, {"start": "2025-01-01", "end": "2025-12-31"})

    assert again.status_code == 200
    assert "indiquez pourquoi" in again.content.decode()
    assert AccountingExport.objects.count() == 1


def test_the_end_before_the_start_is_refused(client, sam, cooperative):
    client.force_login(sam)
    answer = client.post(
        reverse("admin:books_accountingexport_add"), {"start": "2025-12-31", "end": "2025-01-01"}
    )
    assert "La fin de la période précède son début." in answer.content.decode()
    assert not AccountingExport.objects.exists()


def test_a_provider_can_neither_export_nor_download(client, carol, sam, year_2025):
    client.force_login(sam)
    client.post(
        reverse("admin:books_accountingexport_add"), {"start": "2025-01-01", "end": "2025-12-31"}
    )
    export = AccountingExport.objects.get()
    client.force_login(carol.user)
    for url in (
        reverse("admin:books_accountingexport_add"),
        reverse("admin:books_accountingexport_download", args=[export.pk, "fec"]),
    ):
        assert client.get(url).status_code == 302  # to the admin log-in


def test_the_chart_lists_every_default_and_staff_change_an_account(client, sam, cooperative):
    client.force_login(sam)
    page = client.get(reverse("admin:books_accountmapping_changelist")).content.decode()
    assert "Encaissements : Chèque" in page
    assert "Ventes au taux de TVA de 10,00 %" in page
    bank = AccountMapping.objects.get(key="bank")
    answer = client.post(
        reverse("admin:books_accountmapping_change", args=[bank.pk]),
        {"key": "bank", "number": "51x", "label": "Banque"},
    )
    assert "Un numéro de compte du plan comptable" in answer.content.decode()


def test_staff_produce_the_e_reporting_of_a_quarter(client, sam, year_2025):
    client.force_login(sam)
    form = client.get(reverse("admin:books_ereport_add")).content.decode()
    assert "du 01/07/2025 au 30/09/2025" in form
    client.post(reverse("admin:books_ereport_add"), {"period": "2025-07-01"})

    report = EReport.objects.get()
    download = client.get(reverse("admin:books_ereport_download", args=[report.pk, "payments"]))
    assert b"date_encaissement" in b"".join(download.streaming_content)


def test_without_vat_the_e_reporting_page_says_there_is_nothing_to_do(client, sam, cooperative):
    client.force_login(sam)
    answer = client.get(reverse("admin:books_ereport_add"), follow=True)
    assert "pas assujettie à la TVA" in answer.content.decode()
