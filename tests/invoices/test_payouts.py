"""The provider payout ledger: opened when an invoice is paid, due within 48 h, flagged late,
marked paid once, exported as a SEPA credit-transfer file; and its admin."""

import datetime as dt
from decimal import Decimal
from http import HTTPStatus
from xml.etree import ElementTree as ET

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from audit.services import audit_trail
from invoices.models import PaymentMode, Payout, PayoutBatch, PayoutStatus
from invoices.sepa import NAMESPACE, sepa_text
from invoices.services import payouts

from .conftest import bill, pay, work

pytestmark = pytest.mark.django_db
PAID_AT = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
NS = {"p": NAMESPACE}
COOP_IBAN = "FR1420041010050500013M02606"
COOP_BIC = "PSSTFRPPLIL"


def paid_invoice(provider, client, hours="3", day=2):
    invoice = bill(
        provider,
        client,
        [work("entretien-maison", dt.date(2026, 11, day), hours, "25")],
        issued=dt.date(2026, 11, day + 1),
    )
    pay(invoice, str(Decimal(hours) * 25), dt.date(2026, 11, 20), PaymentMode.TRANSFER)
    return invoice


def test_a_direct_payment_settling_the_invoice_makes_its_total_due_to_the_provider(carol, alice):
    invoice = paid_invoice(carol, alice)

    payout = Payout.objects.get(invoice=invoice)
    assert (payout.provider, payout.amount, payout.status) == (carol, Decimal("75.00"), "due")
    assert payout.due_at == payout.cooperative_paid_at + dt.timedelta(hours=48)
    assert [(entry.action, entry.note) for entry in audit_trail(payout)] == [
        ("payout.due", "75,00\u00a0€")  # written as the staff read amounts elsewhere
    ]


def test_a_partial_payment_owes_the_provider_nothing_yet(carol, alice):
    invoice = bill(
        carol,
        alice,
        [work("entretien-maison", dt.date(2026, 11, 2), "3", "25")],
        issued=dt.date(2026, 11, 3),
    )
    pay(invoice, "30.00", dt.date(2026, 11, 20), PaymentMode.CHEQUE)
    assert not Payout.objects.exists()


def test_a_payout_is_late_once_48_hours_have_passed(carol, alice):
    paid_invoice(carol, alice)
    payout = Payout.objects.get()

    assert not Payout.objects.late(payout.due_at - dt.timedelta(minutes=1)).exists()
    assert list(Payout.objects.late(payout.due_at + dt.timedelta(minutes=1))) == [payout]
    assert payout.is_late(payout.due_at + dt.timedelta(minutes=1))


def test_marking_paid_twice_records_one_payment_date(carol, alice, sam):
    paid_invoice(carol, alice)
    payout = Payout.objects.get()

    first = payouts.payouts_mark_paid(payouts=[payout], by=sam)
    second = payouts.payouts_mark_paid(payouts=[payout], by=sam)

    payout.refresh_from_db()
    assert (len(first), len(second)) == (1, 0)
    assert (payout.status, payout.marked_by) == (PayoutStatus.PAID, sam)
    assert [e.action for e in audit_trail(payout)] == ["payout.paid", "payout.due"]


@pytest.fixture
def two_payouts(carol, dave, alice, bob):
    dave.first_name = "Hélène"
    dave.last_name = "Lefèvre-Ünal"
    dave.payout_iban = "FR7630004000031234567890143"
    dave.payout_bic = "BNPAFRPPXXX"
    dave.save()
    paid_invoice(carol, alice)
    paid_invoice(dave, bob, hours="4", day=3)
    return list(Payout.objects.order_by("pk"))


def make_batch(payout_list, sam):
    with time_machine.travel(PAID_AT):
        return payouts.payout_batch_create(
            payouts=payout_list,
            by=sam,
            execution_date=dt.date(2026, 11, 21),
            debtor_name="Coopérative Services Solidaires",
            debtor_iban=COOP_IBAN,
            debtor_bic=COOP_BIC,
        )


def test_a_sepa_batch_is_a_pain_001_credit_transfer_per_provider(two_payouts, sam):
    from invoices.sepa import batch_xml

    batch = make_batch(two_payouts, sam)
    items = list(batch.payouts.select_related("provider", "invoice").order_by("due_at", "pk"))
    root = ET.fromstring(batch_xml(batch, items))  # noqa: S314 (the portal's own output)

    assert root.tag == f"{{{NAMESPACE}}}Document"
    header = root.find("p:CstmrCdtTrfInitn/p:GrpHdr", NS)
    assert header.findtext("p:MsgId", namespaces=NS) == batch.message_id
    assert header.findtext("p:NbOfTxs", namespaces=NS) == "2"
    assert header.findtext("p:CtrlSum", namespaces=NS) == "175.00"
    info = root.find("p:CstmrCdtTrfInitn/p:PmtInf", NS)
    assert info.findtext("p:ReqdExctnDt", namespaces=NS) == "2026-11-21"
    assert info.findtext("p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == COOP_IBAN
    assert info.findtext("p:PmtTpInf/p:SvcLvl/p:Cd", namespaces=NS) == "SEPA"
    transfers = info.findall("p:CdtTrfTxInf", NS)
    assert [t.findtext("p:Amt/p:InstdAmt", namespaces=NS) for t in transfers] == [
        "75.00",
        "100.00",
    ]
    second = transfers[1]
    assert second.findtext("p:Cdtr/p:Nm", namespaces=NS) == "Helene Lefevre-Unal"
    assert second.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=NS) == (
        "FR7630004000031234567890143"
    )
    assert second.findtext("p:CdtrAgt/p:FinInstnId/p:BIC", namespaces=NS) == "BNPAFRPPXXX"
    assert second.find("p:Amt/p:InstdAmt", NS).get("Ccy") == "EUR"


def test_a_payout_goes_in_one_batch_only(two_payouts, sam):
    make_batch(two_payouts, sam)
    with pytest.raises(ValidationError, match="Aucun versement"):
        make_batch(two_payouts, sam)


def test_the_sepa_text_keeps_to_the_latin_character_set():
    assert sepa_text("Façade & Cie — n°12 « été »", 70) == "Facade Cie n12 ete"


# --- admin ------------------------------------------------------------------------------------


@pytest.fixture
def staff(client, sam):
    client.force_login(sam)
    return client


def test_the_ledger_lists_what_is_due_and_flags_the_late_ones(staff, two_payouts):
    url = reverse("admin:invoices_payout_changelist")
    hour = dt.timedelta(hours=1)
    Payout.objects.filter(pk=two_payouts[0].pk).update(due_at=timezone.now() - hour)
    Payout.objects.filter(pk=two_payouts[1].pk).update(due_at=timezone.now() + hour)
    due = staff.get(url)
    late = staff.get(url, {"etat": "en_retard"})

    assert due.status_code == HTTPStatus.OK
    assert len(due.context["cl"].result_list) == 2
    assert list(late.context["cl"].result_list) == [two_payouts[0]]
    assert staff.get(url, {"etat": "verses"}).context["cl"].result_count == 0


def test_staff_mark_payouts_as_made_from_the_ledger(staff, two_payouts):
    response = staff.post(
        reverse("admin:invoices_payout_changelist"),
        {"action": "mark_paid", ACTION_CHECKBOX_NAME: [p.pk for p in two_payouts]},
    )

    assert response.status_code == HTTPStatus.FOUND
    assert set(Payout.objects.values_list("status", flat=True)) == {PayoutStatus.PAID}


def test_staff_export_a_sepa_file_after_giving_the_cooperatives_account(
    staff, two_payouts, settings
):
    settings.COOPERATIVE_PAYOUT_IBAN = COOP_IBAN
    url = reverse("admin:invoices_payout_changelist")
    chosen = {"action": "export_sepa", ACTION_CHECKBOX_NAME: [p.pk for p in two_payouts]}

    form_page = staff.post(url, chosen)
    download = staff.post(
        url,
        {
            **chosen,
            "apply": "1",
            "execution_date": timezone.localdate().isoformat(),
            "debtor_name": "Coopérative Services Solidaires",
            "debtor_iban": COOP_IBAN,
            "debtor_bic": COOP_BIC,
        },
    )

    assert form_page.status_code == HTTPStatus.OK
    assert form_page.context["form"].initial["debtor_iban"] == COOP_IBAN
    assert "175,00" in form_page.content.decode()
    assert download.status_code == HTTPStatus.OK
    assert download["Content-Type"] == "application/xml"
    batch = PayoutBatch.objects.get()
    assert batch.message_id in download["Content-Disposition"]
    assert set(Payout.objects.values_list("batch", flat=True)) == {batch.pk}
    # Exported is not paid: the staff mark them once the bank executed the transfer.
    assert set(Payout.objects.values_list("status", flat=True)) == {PayoutStatus.DUE}


def sepa_export_post(staff, payouts, **fields):
    data = {
        "action": "export_sepa",
        ACTION_CHECKBOX_NAME: [p.pk for p in payouts],
        "apply": "1",
        "execution_date": timezone.localdate().isoformat(),
        "debtor_name": "Coopérative Services Solidaires",
        "debtor_iban": COOP_IBAN,
        "debtor_bic": COOP_BIC,
        **fields,
    }
    return staff.post(reverse("admin:invoices_payout_changelist"), data)


def test_the_export_form_shows_todays_date_in_iso_for_the_date_input(staff, two_payouts):
    chosen = {"action": "export_sepa", ACTION_CHECKBOX_NAME: [p.pk for p in two_payouts]}

    page = staff.post(reverse("admin:invoices_payout_changelist"), chosen).content.decode()

    assert f'type="date" name="execution_date" value="{timezone.localdate().isoformat()}"' in page


def test_the_debtor_bic_is_derived_from_the_iban_when_left_empty(staff, two_payouts):
    response = sepa_export_post(staff, two_payouts, debtor_bic="")

    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "application/xml"
    assert PayoutBatch.objects.get().debtor_bic == "PSSTFRPP"


def test_an_empty_bic_that_cannot_be_derived_is_asked_for(staff, two_payouts):
    # A valid Monaco IBAN: schwifty's registry knows no bank behind it.
    response = sepa_export_post(
        staff, two_payouts, debtor_iban="MC5811222000010123456789030", debtor_bic=""
    )

    assert response.status_code == HTTPStatus.OK
    assert "Le BIC ne se déduit pas de cet IBAN" in response.content.decode()
    assert not PayoutBatch.objects.exists()


def test_a_double_click_on_export_downloads_the_same_file_twice(staff, two_payouts):
    first = sepa_export_post(staff, two_payouts)
    second = sepa_export_post(staff, two_payouts)

    assert second.status_code == HTTPStatus.OK
    assert second["Content-Type"] == "application/xml"
    assert second["Content-Disposition"] == first["Content-Disposition"]
    assert PayoutBatch.objects.count() == 1


def test_a_bad_debtor_iban_is_refused_on_the_export_form(staff, two_payouts):
    response = staff.post(
        reverse("admin:invoices_payout_changelist"),
        {
            "action": "export_sepa",
            ACTION_CHECKBOX_NAME: [p.pk for p in two_payouts],
            "apply": "1",
            "execution_date": timezone.localdate().isoformat(),
            "debtor_name": "Coop",
            "debtor_iban": "FR00123",
            "debtor_bic": COOP_BIC,
        },
    )

    assert response.status_code == HTTPStatus.OK
    assert "IBAN invalide" in response.content.decode()
    assert not PayoutBatch.objects.exists()


def test_the_ledger_is_for_staff_only(client, carol, two_payouts):
    client.force_login(carol.user)
    response = client.get(reverse("admin:invoices_payout_changelist"))
    assert response.status_code == HTTPStatus.FOUND
    assert response.url.startswith(reverse("admin:login"))


def test_a_batch_file_can_be_downloaded_again_from_its_admin(staff, two_payouts, sam):
    batch = make_batch(two_payouts, sam)

    response = staff.post(
        reverse("admin:invoices_payoutbatch_changelist"),
        {"action": "download", ACTION_CHECKBOX_NAME: [batch.pk]},
    )

    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "application/xml"
    assert f"<MsgId>{batch.message_id}</MsgId>" in response.content.decode()
