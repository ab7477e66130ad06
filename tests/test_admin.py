from decimal import Decimal
from http import HTTPStatus

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.context_processors import site_cooperative
from clients.models import Cooperative, Role, User
from invoices import services
from invoices.models import (
    DocumentSequence,
    Invoice,
    InvoiceStatus,
    PaymentMode,
    Quote,
    ServiceNature,
)

from .factories import ClientFactory, ProviderFactory, UserFactory

pytestmark = pytest.mark.django_db

FULL_IBAN = "FR7630006000011234567890189"  # tests/factories.py's ProviderFactory IBAN
OTHER_IBAN = "FR1420041010050500013M02606"


@pytest.fixture
def staff(client, sam):
    client.force_login(sam)
    return client


@pytest.fixture
def add_billing(cooperative, make_draft, make_quote):
    """Add `count` provider/client pairs, each with a paid invoice, an issued one, a draft and
    a sent quote."""

    def add(count: int) -> None:
        for _ in range(count):
            provider = ProviderFactory(cooperative=cooperative)
            customer = ClientFactory(
                cooperative=cooperative,
                user=UserFactory(role=Role.CLIENT),
                providers=[provider],
            )
            paid = services.invoice_issue(invoice=make_draft(provider, customer), by=provider.user)
            services.payment_record(
                invoice=paid,
                amount=paid.total_ttc,
                paid_on=timezone.localdate(),
                mode=PaymentMode.TRANSFER,
                by=None,
            )
            services.invoice_issue(invoice=make_draft(provider, customer), by=provider.user)
            make_draft(provider, customer)
            services.quote_send(quote=make_quote(provider, customer), by=provider.user)

    return add


def changelist(model: str) -> str:
    return reverse(f"admin:{model}_changelist")


def change(model: str, pk) -> str:
    return reverse(f"admin:{model}_change", args=[pk])


def queries_to_load(client, url: str) -> int:
    # The header's cooperative is read once into the cache, not per page: every count starts
    # with it cached, whichever page was loaded first.
    site_cooperative()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == HTTPStatus.OK, url
    return len(captured)


def form_data(response) -> dict:
    """What the browser would post back for the admin form as it was rendered."""
    form = response.context["adminform"].form
    data = {"_save": "Enregistrer"}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value
    return data


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- Every page loads, without one query per row ---------------------------------------------

MODELS_THAT_GROW = [
    "clients_user",
    "clients_provider",
    "clients_client",
    "invoices_invoice",
    "invoices_payment",
    "invoices_quote",
]


@pytest.mark.parametrize("model", MODELS_THAT_GROW)
def test_changelist_makes_as_many_queries_for_many_rows_as_for_few(staff, add_billing, model):
    add_billing(1)
    few = queries_to_load(staff, changelist(model))
    add_billing(4)
    many = queries_to_load(staff, changelist(model))
    assert many == few
    assert many <= 12


@pytest.mark.parametrize(
    "model", ["clients_cooperative", "invoices_servicenature", "invoices_documentsequence"]
)
def test_reference_data_changelist_loads_for_staff(staff, add_billing, model):
    add_billing(2)
    # 9: one of them reads the cooperative whose name heads the admin.
    assert queries_to_load(staff, changelist(model)) <= 9


def test_every_change_page_loads_for_staff_in_a_bounded_number_of_queries(
    staff, add_billing, alice_invoice, carol, alice
):
    add_billing(1)
    services.payment_record(
        invoice=alice_invoice,
        amount=Decimal("10.00"),
        paid_on=timezone.localdate(),
        mode=PaymentMode.CASH,
        by=None,
    )
    pages = {
        change("clients_user", alice.user.pk): 20,
        change("clients_cooperative", Cooperative.objects.get().pk): 8,
        change("clients_provider", carol.pk): 14,
        change("clients_client", alice.pk): 14,
        change("invoices_servicenature", ServiceNature.objects.first().pk): 8,
        change("invoices_invoice", alice_invoice.pk): 14,
        change("invoices_payment", alice_invoice.payments.get().pk): 10,
        change("invoices_documentsequence", DocumentSequence.objects.first().pk): 8,
        change("invoices_quote", Quote.objects.first().pk): 10,
        reverse("admin:clients_user_add"): 10,
    }
    for url, bound in pages.items():
        assert queries_to_load(staff, url) <= bound, url


def test_admin_is_closed_to_clients(client, alice):
    client.force_login(alice.user)
    response = client.get(changelist("invoices_invoice"))
    assert response.status_code == HTTPStatus.FOUND
    assert response.url.startswith(reverse("admin:login"))


# --- Users -----------------------------------------------------------------------------------


def test_user_created_in_the_admin_logs_in_with_a_lower_cased_email(staff):
    response = staff.post(
        reverse("admin:clients_user_add"),
        {
            "email": "Nouvelle.Cliente@Example.ORG",
            "role": Role.CLIENT,
            "usable_password": "true",
            "password1": "un-secret-solide-2026",
            "password2": "un-secret-solide-2026",
        },
    )

    assert response.status_code == HTTPStatus.FOUND
    user = User.objects.get(email="nouvelle.cliente@example.org")
    assert user.check_password("un-secret-solide-2026")
    assert user.role == Role.CLIENT


def test_user_admin_refuses_an_email_that_differs_only_in_case(staff, alice):
    response = staff.post(
        reverse("admin:clients_user_add"),
        {
            "email": "ALICE@example.org",
            "role": Role.CLIENT,
            "usable_password": "true",
            "password1": "un-secret-solide-2026",
            "password2": "un-secret-solide-2026",
        },
    )

    assert response.status_code == HTTPStatus.OK
    assert response.context["adminform"].form.errors["email"]
    assert User.objects.filter(email__iexact="alice@example.org").count() == 1


def test_user_changelist_finds_a_user_by_email(staff, alice, bob):
    response = staff.get(changelist("clients_user"), {"q": "alice@"})
    assert [user.email for user in response.context["cl"].result_list] == ["alice@example.org"]


# --- Cooperative -----------------------------------------------------------------------------


def test_a_second_cooperative_cannot_be_added(staff, cooperative):
    response = staff.get(reverse("admin:clients_cooperative_add"))
    assert response.status_code == HTTPStatus.FORBIDDEN


# --- Providers: the IBAN never goes back to the browser --------------------------------------


def test_provider_pages_show_only_the_masked_iban(staff, carol):
    for url in (changelist("clients_provider"), change("clients_provider", carol.pk)):
        body = staff.get(url).content.decode()
        assert FULL_IBAN not in body, url
        assert "FR76 •••• •••• 0189" in body, url


def test_provider_iban_is_kept_when_the_new_iban_field_is_left_blank(staff, carol):
    url = change("clients_provider", carol.pk)
    data = form_data(staff.get(url))
    assert data["payout_iban"] == ""
    data["phone"] = "0478000000"

    response = staff.post(url, data)

    assert response.status_code == HTTPStatus.FOUND
    carol.refresh_from_db()
    assert carol.payout_iban == FULL_IBAN
    assert carol.phone == "0478000000"


def test_provider_iban_is_replaced_by_a_new_one_typed_in_the_admin(staff, carol):
    url = change("clients_provider", carol.pk)
    data = form_data(staff.get(url))
    data["payout_iban"] = "fr14 2004 1010 0505 0001 3m02 606"

    response = staff.post(url, data)

    assert response.status_code == HTTPStatus.FOUND
    carol.refresh_from_db()
    assert carol.payout_iban == OTHER_IBAN


def test_provider_admin_rejects_an_invalid_iban(staff, carol):
    url = change("clients_provider", carol.pk)
    data = form_data(staff.get(url))
    data["payout_iban"] = "FR7630006000011234567890180"

    response = staff.post(url, data)

    assert response.status_code == HTTPStatus.OK
    assert "IBAN invalide" in response.content.decode()
    carol.refresh_from_db()
    assert carol.payout_iban == FULL_IBAN


def test_provider_admin_shows_and_changes_the_natures_the_provider_may_invoice(staff, carol):
    housework, gardening = (
        ServiceNature.objects.get(slug=s) for s in ("entretien-maison", "jardinage")
    )
    carol.natures.set([housework])
    url = change("clients_provider", carol.pk)
    data = form_data(staff.get(url))
    assert data["natures"] == [housework.pk]
    data["natures"] = [housework.pk, gardening.pk]

    response = staff.post(url, data)

    assert response.status_code == HTTPStatus.FOUND
    assert set(carol.natures.all()) == {housework, gardening}
    data["natures"] = []
    staff.post(url, data)
    assert not carol.natures.exists()


def test_provider_changelist_filters_on_a_nature(staff, carol, dave):
    gardening = ServiceNature.objects.get(slug="jardinage")
    carol.natures.set([gardening])

    response = staff.get(changelist("clients_provider"), {"natures__id__exact": gardening.pk})

    assert list(response.context["cl"].result_list) == [carol]


# --- Invoices: read-only once issued, issued through the service ------------------------------


def test_issued_invoice_change_page_has_no_editable_field(staff, alice_invoice):
    response = staff.get(change("invoices_invoice", alice_invoice.pk))

    assert response.status_code == HTTPStatus.OK
    assert response.context["adminform"].form.fields == {}
    body = response.content.decode()
    assert alice_invoice.number in body
    assert 'name="notes"' not in body
    assert 'name="lines-0-quantity"' not in body


def test_issued_invoice_cannot_be_changed_through_the_admin(staff, alice_invoice):
    url = change("invoices_invoice", alice_invoice.pk)

    response = staff.post(url, {"notes": "Modifiée après émission", "_save": "Enregistrer"})

    assert response.status_code == HTTPStatus.FORBIDDEN
    alice_invoice.refresh_from_db()
    assert alice_invoice.notes == ""
    assert alice_invoice.total_ttc == Decimal("75.00")


def test_draft_notes_can_be_edited_but_its_totals_stay_read_only(staff, carol, alice, make_draft):
    draft = make_draft(carol, alice)
    url = change("invoices_invoice", draft.pk)
    response = staff.get(url)
    assert set(response.context["adminform"].form.fields) == {"notes"}

    data = form_data(response)
    data.update(
        {
            "notes": "Intervention reportée au 20 novembre.",
            "total_ttc": "1.00",
            "lines-TOTAL_FORMS": "0",
            "lines-INITIAL_FORMS": "0",
            "payments-TOTAL_FORMS": "0",
            "payments-INITIAL_FORMS": "0",
        }
    )
    response = staff.post(url, data)

    assert response.status_code == HTTPStatus.FOUND
    draft.refresh_from_db()
    assert draft.notes == "Intervention reportée au 20 novembre."
    assert draft.total_ttc == Decimal("75.00")
    assert draft.lines.count() == 1


def test_invoices_cannot_be_added_or_deleted_in_the_admin(staff, alice_invoice):
    assert staff.get(reverse("admin:invoices_invoice_add")).status_code == HTTPStatus.FORBIDDEN
    delete = reverse("admin:invoices_invoice_delete", args=[alice_invoice.pk])
    assert staff.post(delete, {"post": "yes"}).status_code == HTTPStatus.FORBIDDEN
    assert Invoice.objects.filter(pk=alice_invoice.pk).exists()


def test_issue_action_numbers_the_selected_drafts_in_creation_order(
    staff, carol, alice, alice_invoice, make_draft
):
    first, second = make_draft(carol, alice), make_draft(carol, alice)

    response = staff.post(
        changelist("invoices_invoice"),
        {"action": "issue_drafts", "_selected_action": [second.pk, first.pk, alice_invoice.pk]},
    )

    assert response.status_code == HTTPStatus.FOUND
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.number) == (InvoiceStatus.ISSUED, "2026-00002")
    assert (second.status, second.number) == (InvoiceStatus.ISSUED, "2026-00003")
    assert first.issue_date == timezone.localdate()
    assert "2 facture(s) émise(s)." in messages_of(response)
    assert "1 facture(s) ignorée(s) : elles ne sont pas des brouillons." in messages_of(response)
    alice_invoice.refresh_from_db()
    assert alice_invoice.number == "2026-00001"


def test_issue_action_reports_a_draft_the_service_refuses(staff, carol, alice, make_draft):
    draft = make_draft(carol, alice)
    draft.lines.all().delete()  # an empty draft: the service refuses to issue it

    response = staff.post(
        changelist("invoices_invoice"), {"action": "issue_drafts", "_selected_action": [draft.pk]}
    )

    draft.refresh_from_db()
    assert draft.status == InvoiceStatus.DRAFT
    assert draft.number is None
    assert any("au moins une ligne" in message for message in messages_of(response))


def test_cancel_action_cancels_unpaid_invoices_and_reports_paid_ones(
    staff, carol, alice, alice_invoice, make_draft
):
    paid = services.invoice_issue(invoice=make_draft(carol, alice), by=carol.user)
    services.payment_record(
        invoice=paid, amount=Decimal("5.00"), paid_on=timezone.localdate(), mode="cheque", by=None
    )

    response = staff.post(
        changelist("invoices_invoice"),
        {"action": "cancel_invoices", "_selected_action": [alice_invoice.pk, paid.pk]},
    )

    alice_invoice.refresh_from_db()
    paid.refresh_from_db()
    assert alice_invoice.status == InvoiceStatus.CANCELLED
    assert paid.status == InvoiceStatus.ISSUED
    assert "1 facture(s) annulée(s)." in messages_of(response)
    assert any("déjà reçu un paiement" in message for message in messages_of(response))


def test_invoice_changelist_shows_the_amount_already_paid(staff, alice_invoice):
    services.payment_record(
        invoice=alice_invoice,
        amount=Decimal("30.00"),
        paid_on=timezone.localdate(),
        mode=PaymentMode.CHEQUE,
        by=None,
    )

    response = staff.get(changelist("invoices_invoice"))

    [row] = response.context["cl"].result_list
    assert row.amount_paid_total == Decimal("30.00")
    assert "30,00\u00a0€" in response.content.decode()


# --- Payments are recorded by the service only -----------------------------------------------


def test_payments_are_read_only_in_the_admin(staff, alice_invoice):
    payment = services.payment_record(
        invoice=alice_invoice,
        amount=Decimal("75.00"),
        paid_on=timezone.localdate(),
        mode=PaymentMode.CASH,
        by=None,
    )
    url = change("invoices_payment", payment.pk)

    assert staff.get(url).status_code == HTTPStatus.OK
    assert staff.post(url, {"amount": "1.00"}).status_code == HTTPStatus.FORBIDDEN
    assert staff.get(reverse("admin:invoices_payment_add")).status_code == HTTPStatus.FORBIDDEN
    payment.refresh_from_db()
    assert payment.amount == Decimal("75.00")
