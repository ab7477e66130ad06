"""No double debit when a client switches to the avance immédiate: their mandates are flagged
to stop, services before the activation are split off, and an invoice outside the avance
immédiate needs a reason, recorded."""

import datetime as dt
from decimal import Decimal
from http import HTTPStatus

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from audit.services import audit_trail
from clients.models import AIStatus
from invoices.models import InvoiceStatus, MandateKind, MandateStatus, PaymentMandate, PaymentMode
from invoices.services import LineData
from urssaf.models import PaymentRequest
from urssaf.nomenclature import ClientLinkStatus
from urssaf.payloads import ClientStatus
from urssaf.payments import services
from urssaf.registration.services.common import mark_active

from ...factories import nature
from ...reading import as_read

pytestmark = pytest.mark.django_db


def mandate(client, kind=MandateKind.DIRECT_DEBIT, reference="RUM-001", **fields):
    return PaymentMandate.objects.create(client=client, kind=kind, reference=reference, **fields)


def activate(client, since="02/03/2026 10:15"):
    client.ai_status = AIStatus.AWAITING_ACTIVATION
    client.urssaf_id_client = "id-" + str(client.pk)
    client.ai_awaiting_since = timezone.now()
    client.save()
    status = ClientStatus(
        id_client=client.urssaf_id_client,
        code=ClientLinkStatus.ACTIVE,
        state="",
        description=f"Appareillage validé le {since}",
    )
    mark_active(client, status)
    client.refresh_from_db()
    return client


# --- mandates ---------------------------------------------------------------------------------


def test_activation_flags_every_mandate_in_force_to_stop_and_only_those(alice, bob):
    debit = mandate(alice)
    card = mandate(alice, kind=MandateKind.CARD, reference="CB-9")
    stopped = mandate(
        alice, reference="RUM-OLD", status=MandateStatus.STOPPED, stopped_at=timezone.now()
    )
    other = mandate(bob, reference="RUM-BOB")

    activate(alice)

    assert alice.ai_status == AIStatus.ACTIVE
    for flagged in (debit, card):
        flagged.refresh_from_db()
        assert flagged.status == MandateStatus.TO_STOP
        assert flagged.flagged_at is not None
        assert "l'URSSAF prélève" in flagged.stop_reason
        assert [e.action for e in audit_trail(flagged)] == ["invoices.mandate.to_stop"]
    stopped.refresh_from_db()
    other.refresh_from_db()
    assert (stopped.status, other.status) == (MandateStatus.STOPPED, MandateStatus.ACTIVE)


def test_the_staff_see_the_mandates_to_stop_and_confirm_each_once(client, sam, alice):
    debit = mandate(alice)
    activate(alice)
    client.force_login(sam)

    home = client.get(reverse("admin:index")).content.decode()
    todo = client.get(reverse("admin:invoices_paymentmandate_changelist"))
    response = client.post(
        reverse("admin:invoices_paymentmandate_changelist"),
        {"action": "confirm_stopped", "_selected_action": [debit.pk]},
    )
    client.post(
        reverse("admin:invoices_paymentmandate_changelist"),
        {"action": "confirm_stopped", "_selected_action": [debit.pk], "etat": "tout"},
    )

    assert 'data-mandates="1"' in home
    assert "RUM-001" in todo.content.decode()
    assert response.status_code == HTTPStatus.FOUND
    debit.refresh_from_db()
    assert (debit.status, debit.stopped_by) == (MandateStatus.STOPPED, sam)
    assert [e.action for e in audit_trail(debit)].count("invoices.mandate.stopped") == 1


def test_a_mandate_recorded_after_the_switch_is_flagged_at_once(client, sam, alice):
    activate(alice)
    client.force_login(sam)

    client.post(
        reverse("admin:invoices_paymentmandate_add"),
        {"client": alice.pk, "kind": MandateKind.CARD, "reference": "CB-LATE", "signed_on": ""},
    )

    assert PaymentMandate.objects.get(reference="CB-LATE").status == MandateStatus.TO_STOP


# --- an invoice outside the avance immédiate --------------------------------------------------


def test_an_invoice_outside_the_avance_immediate_needs_a_reason_and_nothing_is_saved_without(
    alice, carol, make_draft
):
    activate(alice)
    draft = make_draft(carol, alice)

    with pytest.raises(ValidationError) as refused:
        services.invoice_issue_outside_ai(invoice=draft, by=carol.user, reason="   ")

    assert "Indiquez pourquoi" in refused.value.messages[0]
    draft.refresh_from_db()
    assert (draft.status, draft.number, draft.outside_ai_reason) == (InvoiceStatus.DRAFT, None, "")


def test_the_reason_is_recorded_no_request_is_made_and_the_client_pays_directly(
    alice, carol, make_draft
):
    activate(alice)
    draft = make_draft(carol, alice)

    invoice = services.invoice_issue_outside_ai(
        invoice=draft, by=carol.user, reason="Prestation  ponctuelle réglée par chèque."
    )
    payment = services.payment_record_unless_at_urssaf(
        invoice=invoice,
        mode=PaymentMode.CHEQUE,
        amount=Decimal("75.00"),
        paid_on=dt.date(2026, 11, 21),
        by=carol.user,
    )

    assert invoice.status == InvoiceStatus.ISSUED
    assert invoice.outside_ai_reason == "Prestation ponctuelle réglée par chèque."
    assert not PaymentRequest.objects.filter(invoice=invoice).exists()
    [entry] = [e for e in audit_trail(invoice) if e.action == "invoices.invoice.issued_outside_ai"]
    assert (entry.actor, entry.note) == (carol.user, invoice.outside_ai_reason)
    assert payment.amount == Decimal("75.00")


def test_a_client_without_the_avance_immediate_is_billed_normally(alice, carol, make_draft):
    with pytest.raises(ValidationError) as refused:
        services.invoice_issue_outside_ai(
            invoice=make_draft(carol, alice), by=carol.user, reason="Pour voir"
        )
    assert refused.value.messages == [services.invoicing.NOT_AN_AI_CLIENT]


@pytest.fixture
def as_carol(client, carol):
    client.force_login(carol.user)
    return client


def test_the_provider_issues_outside_the_avance_immediate_from_the_draft_page(
    as_carol, alice, carol, make_draft
):
    activate(alice)
    draft = make_draft(carol, alice)
    url = reverse("provider:invoice_issue_outside_ai", args=[draft.code])

    page = as_carol.get(reverse("provider:invoice_detail", args=[draft.code]))
    assert as_carol.get(url).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    refused = as_carol.post(url, {"reason": ""}, follow=True)
    assert "Indiquez pourquoi" in refused.content.decode()
    as_carol.post(url, {"reason": "Réglée par virement, à la demande du client."})

    assert 'id="issue-outside-ai"' in page.content.decode()
    draft.refresh_from_db()
    assert draft.status == InvoiceStatus.ISSUED
    assert draft.outside_ai_reason == "Réglée par virement, à la demande du client."


def test_another_provider_cannot_issue_someone_elses_draft_outside_ai(
    client, dave, alice, carol, make_draft
):
    activate(alice)
    draft = make_draft(carol, alice)
    client.force_login(dave.user)

    response = client.post(
        reverse("provider:invoice_issue_outside_ai", args=[draft.code]), {"reason": "x"}
    )

    assert response.status_code == HTTPStatus.NOT_FOUND


# --- services before the activation -----------------------------------------------------------


def line(day: dt.date, quantity: str = "2") -> LineData:
    return LineData(
        nature=nature("entretien-maison"),
        service_date=day,
        quantity=Decimal(quantity),
        unit_price_ttc=Decimal("27.50"),
        vat_rate=Decimal("10"),
    )


def test_services_before_the_activation_are_split_to_a_draft_billed_outside_ai(
    as_carol, alice, carol, make_draft
):
    # Drafted before the client's activation (afterwards the form refuses such a draft).
    draft = make_draft(
        carol,
        alice,
        lines=[
            line(dt.date(2026, 2, 26)),
            line(dt.date(2026, 3, 2), "3"),
            line(dt.date(2026, 3, 4)),
        ],
        period=(dt.date(2026, 2, 23), dt.date(2026, 3, 6)),
    )
    activate(alice, since="02/03/2026 10:15")
    page = as_carol.get(reverse("provider:invoice_detail", args=[draft.code])).content.decode()
    assert 'id="before-activation"' in page
    assert "1 prestation de ce brouillon est antérieure" in page
    listed = as_carol.get(reverse("provider:invoice_list")).content.decode()
    assert listed.count("À séparer") == 1

    response = as_carol.post(reverse("provider:invoice_split_at_activation", args=[draft.code]))

    draft.refresh_from_db()
    earlier = alice.invoices.exclude(pk=draft.pk).get()
    assert response["Location"] == reverse("provider:invoice_detail", args=[earlier.code])
    assert [str(ln.service_date) for ln in draft.lines.all()] == ["2026-03-02", "2026-03-04"]
    assert (draft.period_start, draft.total_ttc) == (dt.date(2026, 3, 2), Decimal("137.50"))
    assert [str(ln.service_date) for ln in earlier.lines.all()] == ["2026-02-26"]
    assert (earlier.period_start, earlier.period_end) == (
        dt.date(2026, 2, 23),
        dt.date(2026, 2, 26),
    )
    assert earlier.total_ttc == Decimal("55.00")
    assert earlier.outside_ai_reason == (
        "Prestations antérieures à l'activation de l'avance immédiate (le 02/03/2026)."
    )
    assert services.lines_before_activation(draft) == 0
    assert "À séparer" not in as_carol.get(reverse("provider:invoice_list")).content.decode()

    issued = services.invoice_issue_and_submit(invoice=earlier, by=carol.user)
    assert not PaymentRequest.objects.filter(invoice=issued).exists()
    assert "invoices.invoice.issued_outside_ai" in [e.action for e in audit_trail(issued)]


def test_a_draft_entirely_after_the_activation_has_nothing_to_split(alice, carol, make_draft):
    activate(alice, since="02/03/2026")
    draft = make_draft(
        carol,
        alice,
        lines=[line(dt.date(2026, 3, 4))],
        period=(dt.date(2026, 3, 2), dt.date(2026, 3, 6)),
    )

    assert services.lines_before_activation(draft) == 0
    with pytest.raises(ValidationError):
        services.invoice_split_at_activation(invoice=draft, by=carol.user)
    assert alice.invoices.count() == 1


def test_a_draft_entirely_before_the_activation_is_to_be_issued_outside_ai(
    as_carol, alice, carol, make_draft
):
    draft = make_draft(
        carol,
        alice,
        lines=[line(dt.date(2026, 2, 26))],
        period=(dt.date(2026, 2, 23), dt.date(2026, 2, 27)),
    )
    activate(alice, since="02/03/2026")

    page = as_read(as_carol.get(reverse("provider:invoice_detail", args=[draft.code])))

    assert services.lines_before_activation(draft) == 1
    assert "Émettez-le « hors avance immédiate »" in page
    assert "Séparer les prestations antérieures" not in page
