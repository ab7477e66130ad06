"""The avance immédiate situations the provider's screens count and list, from one place."""

import datetime as dt

import pytest
from django.utils import timezone

from clients.models import Client, Provider
from invoices import services as invoice_services
from invoices.models import Invoice, Payout
from urssaf.models import PaymentRequest, RequestState
from urssaf.payments import selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(carol, alice, make_draft):
    """Return `issue()`: one more of Carol's invoices to Alice, issued."""
    return lambda: invoice_services.invoice_issue(invoice=make_draft(carol, alice), by=carol.user)


def at_urssaf(invoice: Invoice, status_code: str) -> PaymentRequest:
    return PaymentRequest.objects.create(
        invoice=invoice,
        invoice_number=invoice.number,
        state=RequestState.SUBMITTED,
        urssaf_id=f"dp-{invoice.pk}",
        submitted_at=timezone.now(),
        status_code=status_code,
    )


def in_situation(situation: str, now: dt.datetime) -> set[int]:
    condition = selectors.invoice_follow_up(now)[situation]
    return set(Invoice.objects.filter(condition).values_list("pk", flat=True))


def test_each_invoice_is_found_in_its_own_situation_only(issued, carol):
    waiting, contested, unpaid, refused, paid_out_late = (issued() for _ in range(5))
    at_urssaf(waiting, "20")
    at_urssaf(contested, "40")
    at_urssaf(unpaid, "60")
    PaymentRequest.objects.create(
        invoice=refused, invoice_number=refused.number, state=RequestState.FAILED
    )
    now = timezone.now()
    Payout.objects.create(
        invoice=paid_out_late,
        provider=carol,
        amount=paid_out_late.total_ttc,
        cooperative_paid_at=now - dt.timedelta(days=5),
        due_at=now - dt.timedelta(days=3),
    )

    assert in_situation(selectors.TO_VALIDATE, now) == {waiting.pk}
    assert in_situation(selectors.CONTESTED_BY_CLIENT, now) == {contested.pk}
    assert in_situation(selectors.REQUEST_FAILED, now) == {unpaid.pk, refused.pk}
    assert in_situation(selectors.LATE_PAYOUT, now) == {paid_out_late.pk}
    assert in_situation(selectors.LATE_PAYOUT, now - dt.timedelta(days=4)) == set()


def test_the_dashboard_counts_the_invoices_the_lists_show(issued, carol, dave, bob, make_draft):
    waiting, contested, refused, paid_out_late = (issued() for _ in range(4))
    at_urssaf(waiting, "20")
    at_urssaf(contested, "40")
    PaymentRequest.objects.create(
        invoice=refused, invoice_number=refused.number, state=RequestState.FAILED
    )
    now = timezone.now()
    Payout.objects.create(
        invoice=paid_out_late,
        provider=carol,
        amount=paid_out_late.total_ttc,
        cooperative_paid_at=now - dt.timedelta(days=5),
        due_at=now - dt.timedelta(days=3),
    )
    others = invoice_services.invoice_issue(invoice=make_draft(dave, bob), by=dave.user)
    at_urssaf(others, "20")

    counts = (
        Provider.objects.filter(pk=carol.pk)
        .values(**selectors.provider_follow_up_counts(now))
        .get()
    )

    listed = {
        situation: len(
            in_situation(situation, now) & {waiting.pk, contested.pk, refused.pk, paid_out_late.pk}
        )
        for situation in counts
    }
    assert (
        counts
        == listed
        == {
            selectors.TO_VALIDATE: 1,
            selectors.CONTESTED_BY_CLIENT: 1,
            selectors.REQUEST_FAILED: 1,
            selectors.LATE_PAYOUT: 1,
        }
    )


def test_a_client_is_marked_only_for_the_providers_own_requests_to_validate(
    issued, alice, carol, dave
):
    at_urssaf(issued(), "20")
    clients = Client.objects.filter(pk=alice.pk)

    def marked(provider) -> bool:
        condition = selectors.client_has_request_to_validate(provider)
        return clients.annotate(to_validate=condition).get().to_validate

    assert marked(carol)
    assert not marked(dave)
