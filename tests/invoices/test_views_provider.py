import datetime as dt
import html
import re
from decimal import Decimal
from http import HTTPStatus
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from invoices import services
from invoices.models import Invoice, InvoiceLine, InvoiceStatus, Payment, PaymentMode
from invoices.services import LineData

from ..factories import ClientFactory, nature
from ..reading import as_read

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
NOW = dt.datetime(2026, 11, 23, 10, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def _frozen_now():
    # The conftest drafts cover 2 to 20 November 2026; "today" is the 23rd, in Paris.
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def draft(carol, alice, make_draft):
    return make_draft(carol, alice)


@pytest.fixture
def as_carol(client, carol):
    client.force_login(carol.user)
    return client


def text(response) -> str:
    """The page as a reader sees it: entities decoded, line breaks and indents as one space."""
    return re.sub(r"[ \t\n]+", " ", html.unescape(response.content.decode()))


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def line(nature="entretien-maison", day="2026-11-05", quantity="3", price="25", vat=""):
    return {
        "nature": nature,
        "service_date": day,
        "unit": "HEURE",
        "quantity": quantity,
        "unit_price_ttc": price,
        "vat_rate": vat,
        "description": "",
    }


# What a browser posts for an untouched extra row: the unit select keeps its initial value.
BLANK_ROW = {"unit": "HEURE"}


def invoice_post(*rows, client=None, start="2026-11-02", end="2026-11-20", initial=0, notes=""):
    data = {
        "period_start": start,
        "period_end": end,
        "notes": notes,
        "lines-TOTAL_FORMS": str(len(rows)),
        "lines-INITIAL_FORMS": str(initial),
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "50",
    }
    if client is not None:
        data["client"] = str(client.code)
    for index, row in enumerate(rows):
        data.update({f"lines-{index}-{key}": value for key, value in row.items()})
    return data


def issue_on(moment: dt.datetime, provider, client, *, hours="3", price="25") -> Invoice:
    """Draft and issue an invoice at `moment`, for services on that day."""
    day = moment.astimezone(PARIS).date()
    with time_machine.travel(moment, tick=False):
        draft = services.invoice_create_draft(
            provider=provider,
            client=client,
            period_start=day,
            period_end=day,
            lines=[
                LineData(
                    nature=nature("entretien-maison"),
                    service_date=day,
                    quantity=Decimal(hours),
                    unit_price_ttc=Decimal(price),
                    vat_rate=Decimal("10"),
                )
            ],
        )
        return services.invoice_issue(invoice=draft, by=provider.user)


def pay_on(invoice: Invoice, amount: str, day: dt.date) -> None:
    with time_machine.travel(dt.datetime.combine(day, dt.time(12), tzinfo=PARIS), tick=False):
        services.payment_record(
            invoice=invoice,
            amount=Decimal(amount),
            paid_on=day,
            mode=PaymentMode.TRANSFER,
            by=invoice.provider.user,
        )


# --- Access: owner, other provider, client, anonymous, wrong method ---------------------------

# (URL name, the object it takes, how its owner uses it, the status they get, a refused method)
PAGES = [
    ("provider:dashboard", None, "get", HTTPStatus.OK, "post"),
    ("provider:invoice_list", None, "get", HTTPStatus.OK, "post"),
    ("provider:invoice_create", None, "get", HTTPStatus.OK, "put"),
    ("provider:invoice_detail", "draft", "get", HTTPStatus.OK, "post"),
    ("provider:invoice_edit", "draft", "get", HTTPStatus.OK, "put"),
    ("provider:invoice_issue", "draft", "post", HTTPStatus.FOUND, "get"),
    ("provider:invoice_delete", "draft", "post", HTTPStatus.FOUND, "get"),
    ("provider:invoice_cancel", "issued", "post", HTTPStatus.FOUND, "get"),
    ("provider:payment_create", "issued", "get", HTTPStatus.OK, "put"),
]
OWNED_PAGES = [page for page in PAGES if page[1] is not None]


@pytest.fixture
def url_of(draft, alice_invoice):
    objects = {"draft": draft, "issued": alice_invoice}

    def url(name: str, kind: str | None) -> str:
        return reverse(name, args=[objects[kind].code]) if kind else reverse(name)

    return url


@pytest.mark.parametrize(("name", "kind", "method", "status", "wrong"), PAGES)
def test_the_owner_can_use_every_provider_invoice_page(
    as_carol, url_of, name, kind, method, status, wrong
):
    response = getattr(as_carol, method)(url_of(name, kind))
    assert response.status_code == status


@pytest.mark.parametrize(("name", "kind", "method", "status", "wrong"), OWNED_PAGES)
def test_another_provider_gets_404_on_carols_invoices(
    client, dave, url_of, name, kind, method, status, wrong
):
    client.force_login(dave.user)
    response = getattr(client, method)(url_of(name, kind))
    assert response.status_code == HTTPStatus.NOT_FOUND


def test_another_provider_cannot_delete_carols_draft(client, dave, draft):
    client.force_login(dave.user)
    client.post(reverse("provider:invoice_delete", args=[draft.code]))
    assert Invoice.objects.filter(pk=draft.pk).exists()


@pytest.mark.parametrize(("name", "kind", "method", "status", "wrong"), PAGES)
def test_a_client_user_gets_403_on_provider_pages(
    client, alice, url_of, name, kind, method, status, wrong
):
    client.force_login(alice.user)
    response = getattr(client, method)(url_of(name, kind))
    assert response.status_code == HTTPStatus.FORBIDDEN


@pytest.mark.parametrize(("name", "kind", "method", "status", "wrong"), PAGES)
def test_anonymous_users_are_sent_to_login(client, url_of, name, kind, method, status, wrong):
    url = url_of(name, kind)
    response = getattr(client, method)(url)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize(("name", "kind", "method", "status", "wrong"), PAGES)
def test_the_wrong_method_gets_405(as_carol, url_of, name, kind, method, status, wrong):
    response = getattr(as_carol, wrong)(url_of(name, kind))
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED


# --- Creating and editing drafts -----------------------------------------------------------


def test_a_draft_is_created_from_the_header_and_its_lines(as_carol, carol, alice):
    data = invoice_post(
        line(quantity="3", price="25"),
        line(nature="jardinage", day="2026-11-12", quantity="1,5", price="42,50", vat="20"),
        BLANK_ROW,
        BLANK_ROW,
        client=alice,
        notes="Clés chez la gardienne.",
    )
    response = as_carol.post(reverse("provider:invoice_create"), data)

    invoice = Invoice.objects.get()
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("provider:invoice_detail", args=[invoice.code])
    assert (invoice.provider, invoice.client, invoice.status) == (carol, alice, "draft")
    assert invoice.notes == "Clés chez la gardienne."
    assert invoice.total_ttc == Decimal("138.75")  # 75 + 63.75
    first, second = invoice.lines.all()
    assert first.vat_rate == Decimal("10.00")  # left empty: ménage's usual rate
    assert (second.nature.slug, second.quantity, second.vat_rate) == (
        "jardinage",
        Decimal("1.50"),
        Decimal("20.00"),
    )


def test_an_invalid_line_shows_french_errors_and_saves_nothing(as_carol, alice):
    data = invoice_post(
        line(),
        line(day="2026-10-30", quantity="0", price="12.3456"),
        client=alice,
    )
    response = as_carol.post(reverse("provider:invoice_create"), data)

    assert response.status_code == HTTPStatus.OK
    page = text(response)
    assert "Le brouillon n'a pas été enregistré" in page
    assert "La quantité doit être positive." in page
    assert "pas plus de 3 chiffres après la virgule" in page
    assert not Invoice.objects.exists()
    assert not InvoiceLine.objects.exists()


def test_a_line_outside_the_period_is_flagged_on_its_row(as_carol, alice):
    data = invoice_post(line(day="2026-10-30"), client=alice)
    response = as_carol.post(reverse("provider:invoice_create"), data)

    formset = response.context["formset"]
    assert formset.forms[0].errors["service_date"] == [
        "Hors de la période (du 02/11/2026 au 20/11/2026)."
    ]
    assert not Invoice.objects.exists()


def test_a_new_draft_needs_its_first_line_filled_in(as_carol, alice):
    response = as_carol.post(
        reverse("provider:invoice_create"), invoice_post(BLANK_ROW, BLANK_ROW, client=alice)
    )

    assert response.status_code == HTTPStatus.OK
    assert "Ce champ est obligatoire." in text(response)
    assert not Invoice.objects.exists()


def test_deleting_every_line_of_a_draft_is_refused(as_carol, draft):
    data = invoice_post(line() | {"DELETE": "on"}, BLANK_ROW, initial=1)
    response = as_carol.post(reverse("provider:invoice_edit", args=[draft.code]), data)

    assert "Une facture doit comporter au moins une ligne." in text(response)
    assert draft.lines.count() == 1


def test_a_period_ending_before_it_starts_is_refused(as_carol, alice):
    data = invoice_post(line(), client=alice, start="2026-11-20", end="2026-11-02")
    response = as_carol.post(reverse("provider:invoice_create"), data)

    assert "La fin de la période précède son début." in text(response)
    assert not Invoice.objects.exists()


def test_a_client_of_another_provider_cannot_be_invoiced(as_carol, bob):
    response = as_carol.post(reverse("provider:invoice_create"), invoice_post(line(), client=bob))

    assert "Choisissez un de vos clients." in text(response)
    assert not Invoice.objects.exists()


def test_a_nature_outside_the_providers_list_is_refused(as_carol, carol, alice):
    carol.natures.set([nature("entretien-maison")])
    data = invoice_post(line(nature="jardinage"), client=alice)
    response = as_carol.post(reverse("provider:invoice_create"), data)

    assert response.context["formset"].forms[0].errors["nature"]
    assert not Invoice.objects.exists()


def test_a_missing_management_form_is_an_error_not_a_crash(as_carol, alice):
    data = {"client": str(alice.code), "period_start": "2026-11-02", "period_end": "2026-11-20"}
    response = as_carol.post(reverse("provider:invoice_create"), data)

    assert response.status_code == HTTPStatus.OK
    assert response.context["formset"].non_form_errors()
    assert not Invoice.objects.exists()


def test_the_create_page_preselects_the_client_given_in_the_query(as_carol, alice):
    url = reverse("provider:invoice_create")
    response = as_carol.get(url, {"client": str(alice.code)})
    assert response.context["form"]["client"].value() == alice.code

    for junk in ("not-a-uuid", "00000000-0000-0000-0000-000000000000"):
        response = as_carol.get(url, {"client": junk})
        assert response.status_code == HTTPStatus.OK
        assert response.context["form"]["client"].value() is None


def test_the_create_page_offers_only_my_clients(as_carol, alice, bob):
    response = as_carol.get(reverse("provider:invoice_create"))
    assert list(response.context["form"].fields["client"].queryset) == [alice]


def test_editing_a_draft_replaces_its_lines(as_carol, draft):
    data = invoice_post(
        line(quantity="3", price="25"),  # the existing line, kept
        line(nature="jardinage", day="2026-11-10", quantity="2", price="40"),
        BLANK_ROW,
        initial=1,
        notes="Portail vert.",
    )
    response = as_carol.post(reverse("provider:invoice_edit", args=[draft.code]), data)

    assert response.status_code == HTTPStatus.FOUND
    draft.refresh_from_db()
    assert draft.notes == "Portail vert."
    assert draft.total_ttc == Decimal("155.00")
    assert [line.nature.slug for line in draft.lines.all()] == ["entretien-maison", "jardinage"]


def test_a_line_ticked_for_deletion_is_removed_from_the_draft(as_carol, draft):
    kept = line(nature="jardinage", day="2026-11-10", quantity="2", price="40")
    data = invoice_post(line() | {"DELETE": "on"}, kept, initial=1)
    as_carol.post(reverse("provider:invoice_edit", args=[draft.code]), data)

    draft.refresh_from_db()
    assert [line.nature.slug for line in draft.lines.all()] == ["jardinage"]
    assert draft.total_ttc == Decimal("80.00")


def test_the_edit_page_shows_the_drafts_lines(as_carol, draft):
    response = as_carol.get(reverse("provider:invoice_edit", args=[draft.code]))

    formset = response.context["formset"]
    assert formset.initial_form_count() == 1
    assert formset.forms[0]["quantity"].value() == Decimal("3.00")
    assert "client" not in response.context["form"].fields


# --- Issuing, deleting, cancelling ---------------------------------------------------------


def test_issuing_a_draft_gives_it_a_number(as_carol, draft):
    response = as_carol.post(reverse("provider:invoice_issue", args=[draft.code]))

    draft.refresh_from_db()
    assert response["Location"] == reverse("provider:invoice_detail", args=[draft.code])
    assert (draft.status, draft.number, draft.issue_date) == (
        InvoiceStatus.ISSUED,
        "2026-00001",
        dt.date(2026, 11, 23),
    )
    assert flashed(response) == ["Facture n° 2026-00001 émise."]


def test_a_double_click_on_issue_answers_like_the_first_click(as_carol, draft):
    url = reverse("provider:invoice_issue", args=[draft.code])
    as_carol.post(url)

    second = as_carol.post(url)

    assert second["Location"] == reverse("provider:invoice_detail", args=[draft.code])
    assert flashed(second) == ["Facture n° 2026-00001 émise."]
    assert Invoice.objects.exclude(number="").count() == 1


def test_issuing_a_cancelled_invoice_again_is_refused(as_carol, alice_invoice):
    as_carol.post(reverse("provider:invoice_cancel", args=[alice_invoice.code]), follow=True)

    response = as_carol.post(reverse("provider:invoice_issue", args=[alice_invoice.code]))

    assert flashed(response) == ["Cette facture a déjà été émise."]
    alice_invoice.refresh_from_db()
    assert alice_invoice.status == InvoiceStatus.CANCELLED


def test_an_issued_invoice_edit_page_redirects_with_a_message(as_carol, alice_invoice):
    url = reverse("provider:invoice_edit", args=[alice_invoice.code])
    response = as_carol.get(url)

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("provider:invoice_detail", args=[alice_invoice.code])
    assert flashed(response) == ["Une facture émise ne peut plus être modifiée."]


def test_posting_to_an_issued_invoice_edit_page_changes_nothing(as_carol, alice_invoice):
    data = invoice_post(line(quantity="10", price="99"), initial=1, notes="Changée")
    response = as_carol.post(reverse("provider:invoice_edit", args=[alice_invoice.code]), data)

    assert response.status_code == HTTPStatus.FOUND
    alice_invoice.refresh_from_db()
    assert alice_invoice.total_ttc == Decimal("75.00")
    assert alice_invoice.notes == ""
    assert alice_invoice.lines.get().quantity == Decimal("3.00")


def test_deleting_a_draft_removes_it(as_carol, draft):
    response = as_carol.post(reverse("provider:invoice_delete", args=[draft.code]))

    assert response["Location"] == reverse("provider:invoice_list")
    assert not Invoice.objects.filter(pk=draft.pk).exists()


def test_an_issued_invoice_cannot_be_deleted_from_the_page(as_carol, alice_invoice):
    response = as_carol.post(reverse("provider:invoice_delete", args=[alice_invoice.code]))

    assert flashed(response) == ["Seul un brouillon peut être supprimé."]
    assert Invoice.objects.filter(pk=alice_invoice.pk).exists()


def test_cancelling_an_issued_invoice_keeps_its_number(as_carol, alice_invoice):
    as_carol.post(reverse("provider:invoice_cancel", args=[alice_invoice.code]))

    alice_invoice.refresh_from_db()
    assert (alice_invoice.status, alice_invoice.number) == (InvoiceStatus.CANCELLED, "2026-00001")


def test_a_draft_cannot_be_cancelled(as_carol, draft):
    response = as_carol.post(reverse("provider:invoice_cancel", args=[draft.code]))

    assert flashed(response) == ["Seule une facture émise et non payée peut être annulée."]
    draft.refresh_from_db()
    assert draft.status == InvoiceStatus.DRAFT


def test_the_detail_page_shows_lines_totals_and_what_is_due(as_carol, alice_invoice, carol):
    pay_on(alice_invoice, "25.00", dt.date(2026, 11, 23))
    response = as_carol.get(reverse("provider:invoice_detail", args=[alice_invoice.code]))

    page = text(response)
    assert "Facture n° 2026-00001" in page
    assert "Ménage-repassage" in page
    assert response.context["amount_paid"] == Decimal("25.00")
    assert response.context["amount_due"] == Decimal("50.00")
    assert "50,00\u00a0€" in page
    assert reverse("provider:payment_create", args=[alice_invoice.code]) in page


# --- Payments ------------------------------------------------------------------------------


def payment_post(amount="75,00", paid_on="2026-11-23", mode=PaymentMode.CHEQUE, reference=""):
    return {"amount": amount, "paid_on": paid_on, "mode": mode, "reference": reference}


def test_a_full_payment_marks_the_invoice_paid(as_carol, alice_invoice, carol):
    url = reverse("provider:payment_create", args=[alice_invoice.code])
    response = as_carol.post(url, payment_post(reference="Chèque 1234567"))

    assert response["Location"] == reverse("provider:invoice_detail", args=[alice_invoice.code])
    payment = Payment.objects.get()
    assert (payment.amount, payment.mode, payment.reference, payment.recorded_by) == (
        Decimal("75.00"),
        PaymentMode.CHEQUE,
        "Chèque 1234567",
        carol.user,
    )
    alice_invoice.refresh_from_db()
    assert alice_invoice.status == InvoiceStatus.PAID


def test_a_double_click_on_record_payment_records_one_payment_and_says_so(as_carol, alice_invoice):
    url = reverse("provider:payment_create", args=[alice_invoice.code])
    as_carol.post(url, payment_post(reference="Chèque 1234567"))

    second = as_carol.post(url, payment_post(reference="Chèque 1234567"))

    assert second["Location"] == reverse("provider:invoice_detail", args=[alice_invoice.code])
    assert flashed(second) == ["Paiement de 75,00\u00a0€ enregistré."]
    assert Payment.objects.count() == 1


def test_a_second_different_payment_is_still_checked(as_carol, alice_invoice):
    url = reverse("provider:payment_create", args=[alice_invoice.code])
    as_carol.post(url, payment_post(amount="50,00"))

    second = as_carol.post(url, payment_post(amount="50,00", reference="Virement 2"))

    assert "Le montant dépasse le reste à payer" in text(second)
    assert Payment.objects.count() == 1


def test_a_payment_above_what_is_due_is_refused_and_nothing_is_saved(as_carol, alice_invoice):
    url = reverse("provider:payment_create", args=[alice_invoice.code])
    response = as_carol.post(url, payment_post(amount="75,01"))

    assert response.status_code == HTTPStatus.OK
    assert "Le montant dépasse le reste à payer (75,00\u00a0€)." in text(response)
    assert not Payment.objects.exists()
    alice_invoice.refresh_from_db()
    assert alice_invoice.status == InvoiceStatus.ISSUED


def test_a_future_payment_date_is_refused(as_carol, alice_invoice):
    url = reverse("provider:payment_create", args=[alice_invoice.code])
    response = as_carol.post(url, payment_post(paid_on="2026-11-24"))

    assert "La date de paiement ne peut pas être dans le futur." in text(response)
    assert not Payment.objects.exists()


def test_an_immediate_advance_payment_cannot_be_typed_in(as_carol, alice_invoice):
    url = reverse("provider:payment_create", args=[alice_invoice.code])
    response = as_carol.post(url, payment_post(mode=PaymentMode.IMMEDIATE_ADVANCE))

    assert response.context["form"].errors["mode"]
    assert not Payment.objects.exists()


def test_cash_is_recorded_with_a_warning_that_it_is_no_tax_justificatif(as_carol, alice_invoice):
    url = reverse("provider:payment_create", args=[alice_invoice.code])
    page = text(as_carol.get(url))
    assert "il n'est pas un justificatif pour le crédit d'impôt" in page

    response = as_carol.post(url, payment_post(amount="30", mode=PaymentMode.CASH))

    assert Payment.objects.get().mode == PaymentMode.CASH
    assert any("espèces" in message for message in flashed(response))


def test_the_payment_page_of_a_draft_sends_back_to_the_invoice(as_carol, draft):
    url = reverse("provider:payment_create", args=[draft.code])
    response = as_carol.post(url, payment_post(amount="10"))

    assert response["Location"] == reverse("provider:invoice_detail", args=[draft.code])
    assert not Payment.objects.exists()


def test_the_payment_form_proposes_what_is_still_due(as_carol, alice_invoice):
    pay_on(alice_invoice, "25.00", dt.date(2026, 11, 23))
    response = as_carol.get(reverse("provider:payment_create", args=[alice_invoice.code]))
    assert response.context["form"]["amount"].value() == Decimal("50.00")


# --- The list and its filters --------------------------------------------------------------


@pytest.fixture
def three_invoices(carol, alice, make_draft, alice_invoice):
    """Carol's issued November invoice, a November draft and an October draft."""
    october = make_draft(
        carol,
        alice,
        lines=[
            LineData(
                nature=nature(),
                service_date=dt.date(2026, 10, 12),
                quantity=Decimal("1"),
                unit_price_ttc=Decimal("25"),
                vat_rate=Decimal("10"),
            )
        ],
        period=(dt.date(2026, 10, 12), dt.date(2026, 10, 31)),
    )
    return {"issued": alice_invoice, "draft": make_draft(carol, alice), "october": october}


def listed(response) -> set:
    return {invoice.pk for invoice in response.context["page"].object_list}


def test_the_list_shows_only_my_invoices(as_carol, three_invoices, dave, bob, make_draft):
    make_draft(dave, bob)
    response = as_carol.get(reverse("provider:invoice_list"))
    assert listed(response) == {invoice.pk for invoice in three_invoices.values()}


def test_the_list_filters_by_status(as_carol, three_invoices):
    response = as_carol.get(reverse("provider:invoice_list"), {"status": "issued"})
    assert listed(response) == {three_invoices["issued"].pk}


def test_the_list_filters_by_month_of_service(as_carol, three_invoices):
    response = as_carol.get(reverse("provider:invoice_list"), {"month": "2026-10"})
    assert listed(response) == {three_invoices["october"].pk}

    response = as_carol.get(reverse("provider:invoice_list"), {"month": "2026-11", "status": ""})
    assert listed(response) == {three_invoices["issued"].pk, three_invoices["draft"].pk}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"month": "novembre"}, "Mois invalide : format attendu AAAA-MM (ex. 2026-11)."),
        ({"month": "2026-13"}, "Mois invalide : format attendu AAAA-MM (ex. 2026-11)."),
        ({"month": "9999-12"}, "Mois invalide : format attendu AAAA-MM (ex. 2026-11)."),
        ({"status": "lost"}, "Statut inconnu : choisissez-en un dans la liste."),
    ],
)
def test_a_bad_filter_shows_a_french_error_and_is_ignored(
    as_carol, three_invoices, params, message
):
    response = as_carol.get(reverse("provider:invoice_list"), params)

    assert response.status_code == HTTPStatus.OK
    # The page spaces French punctuation with a narrow no-break space.
    assert message in text(response).replace("\u202f:", " :")
    assert len(listed(response)) == 3


def test_a_bad_filter_does_not_drop_the_valid_one(as_carol, three_invoices):
    response = as_carol.get(reverse("provider:invoice_list"), {"status": "draft", "month": "x"})
    assert listed(response) == {three_invoices["draft"].pk, three_invoices["october"].pk}


def test_the_list_is_paginated_and_a_bad_page_number_is_not_an_error(as_carol, carol, alice):
    for _ in range(26):
        issue_on(NOW, carol, alice)
    response = as_carol.get(reverse("provider:invoice_list"), {"status": "issued", "page": "2"})
    assert len(response.context["page"].object_list) == 1
    assert "?status=issued&page=1" in text(response)

    response = as_carol.get(reverse("provider:invoice_list"), {"page": "abc"})
    assert response.context["page"].number == 1


def test_the_list_shows_what_was_paid_on_each_invoice(as_carol, alice_invoice):
    pay_on(alice_invoice, "25.00", dt.date(2026, 11, 23))
    response = as_carol.get(reverse("provider:invoice_list"))
    (shown,) = response.context["page"].object_list
    assert shown.amount_paid_total == Decimal("25.00")


@pytest.mark.parametrize("rows", [1, 12])
def test_the_list_query_count_does_not_grow_with_rows(
    as_carol, carol, django_assert_max_num_queries, rows
):
    for _ in range(rows):
        invoice = issue_on(
            NOW, carol, ClientFactory(cooperative=carol.cooperative, providers=[carol])
        )
        pay_on(invoice, "10.00", dt.date(2026, 11, 23))
    # 6: one of them reads the cooperative whose name heads every page.
    with django_assert_max_num_queries(6):
        response = as_carol.get(reverse("provider:invoice_list"))
    assert len(response.context["page"].object_list) == rows


@pytest.mark.parametrize("rows", [1, 12])
def test_the_dashboard_query_count_does_not_grow_with_rows(
    as_carol, carol, alice, django_assert_max_num_queries, rows
):
    for _ in range(rows):
        issue_on(NOW, carol, alice)
    with django_assert_max_num_queries(9):  # the header reads the cooperative's name
        as_carol.get(reverse("provider:dashboard"))


# --- Dashboard figures ---------------------------------------------------------------------


def figures(client) -> dict:
    return client.get(reverse("provider:dashboard")).context["figures"]


def test_the_dashboard_counts_this_months_issues_payments_and_what_is_unpaid(
    as_carol, carol, alice, dave, bob, make_draft
):
    # Issued in date order: the cooperative's numbering must follow the issue dates.
    utc = dt.UTC
    october = issue_on(dt.datetime(2026, 10, 28, 10, tzinfo=utc), carol, alice)  # 75 €
    pay_on(october, "25.00", dt.date(2026, 10, 30))  # paid last month
    pay_on(october, "20.00", dt.date(2026, 11, 2))  # paid this month: 30 € left
    # 23:30 UTC on 31 October is already 1 November in Paris.
    first_of_month = issue_on(dt.datetime(2026, 10, 31, 23, 30, tzinfo=utc), carol, alice)
    pay_on(first_of_month, "75.00", dt.date(2026, 11, 6))  # fully paid
    issue_on(dt.datetime(2026, 11, 5, 9, tzinfo=utc), dave, bob)  # someone else's
    unpaid = issue_on(dt.datetime(2026, 11, 20, 9, tzinfo=utc), carol, alice, hours="6")  # 150 €
    cancelled = issue_on(dt.datetime(2026, 11, 21, 9, tzinfo=utc), carol, alice)
    services.invoice_cancel(invoice=cancelled, by=carol.user)
    make_draft(carol, alice)  # drafts count nowhere

    assert figures(as_carol) == {
        "month": dt.date(2026, 11, 1),
        "issued_count": 2,  # first_of_month and unpaid
        "issued_amount": Decimal("225.00"),
        "paid_amount": Decimal("95.00"),  # 20 + 75
        "unpaid_count": 2,  # october and unpaid
        "unpaid_amount": Decimal("180.00"),  # 30 + 150
    }
    assert unpaid.total_ttc == Decimal("150.00")


def test_the_dashboard_month_turns_at_midnight_in_paris(as_carol, carol, alice):
    issue_on(dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC), carol, alice)

    with time_machine.travel(dt.datetime(2026, 11, 30, 22, 59, tzinfo=dt.UTC), tick=False):
        as_carol.force_login(carol.user)  # a week after the fixture's sign-in: signed out since
        assert figures(as_carol)["issued_count"] == 1  # 23:59 in Paris, still November
    with time_machine.travel(dt.datetime(2026, 11, 30, 23, 1, tzinfo=dt.UTC), tick=False):
        december = figures(as_carol)  # 00:01 on 1 December in Paris
    assert (december["month"], december["issued_count"]) == (dt.date(2026, 12, 1), 0)
    assert december["unpaid_amount"] == Decimal("75.00")


def test_the_dashboard_shows_the_figures_in_french(as_carol, carol, alice):
    issue_on(dt.datetime(2026, 11, 3, 9, tzinfo=dt.UTC), carol, alice, hours="50", price="25")
    page = text(as_carol.get(reverse("provider:dashboard")))
    assert "Émises en novembre 2026" in page
    assert "1\u202f250,00\u00a0€" in page


def test_money_due_without_late_payouts_does_not_read_as_late(as_carol):
    page = text(as_carol.get(reverse("provider:dashboard")))

    assert "À vous verser par la coopérative" in page
    assert "Aucun versement en retard" in page
    assert "Versements en retard" not in page


def test_notes_of_a_megabyte_are_refused_in_french_and_nothing_is_saved(as_carol, alice):
    data = invoice_post(line(), client=alice, notes="Mention. " * 200_000)

    response = as_carol.post(reverse("provider:invoice_create"), data)

    assert response.status_code == HTTPStatus.OK
    assert "au plus 2000 caractères" in text(response)
    assert not Invoice.objects.exists()


def test_the_rule_table_speaks_french_on_the_form_and_saves_nothing(as_carol, alice):
    travel = {**line(nature="jardinage", quantity="1", price="12"), "is_expense": "on"}
    data = invoice_post(
        line(nature="petit-bricolage", quantity="3", price="40"), travel, client=alice
    )

    response = as_carol.post(reverse("provider:invoice_create"), data)

    assert response.status_code == HTTPStatus.OK
    page = as_read(response)
    assert "Le brouillon n'a pas été enregistré" in page
    assert "« Petit bricolage » est limité à 2 h par intervention (3 h facturées)" in page
    assert "des frais de « Jardinage » se facturent avec une prestation de cette nature" in page
    assert not Invoice.objects.exists()


def test_an_expense_with_its_activity_is_saved_and_marked_on_the_page(as_carol, alice):
    travel = {**line(nature="jardinage", quantity="1", price="12"), "is_expense": "on"}
    data = invoice_post(line(nature="jardinage", quantity="2", price="30"), travel, client=alice)

    response = as_carol.post(reverse("provider:invoice_create"), data, follow=True)

    invoice = Invoice.objects.get()
    assert [row.is_expense for row in invoice.lines.all()] == [False, True]
    assert "Jardinage — frais" in text(response)
    assert "Plafonds du crédit d'impôt" in text(response)


# --- Defaults that pass ----------------------------------------------------------------------


def ai_active_since(client, day: dt.date) -> None:
    from clients.models import AIStatus, Client

    Client.objects.filter(pk=client.pk).update(
        ai_status=AIStatus.ACTIVE, urssaf_id_client="id-1", ai_activated_on=day
    )


def test_a_new_invoice_for_a_client_activated_this_month_starts_on_the_activation_day(
    as_carol, alice
):
    ai_active_since(alice, dt.date(2026, 11, 12))

    response = as_carol.get(reverse("provider:invoice_create") + f"?client={alice.code}")

    form = response.context["form"]
    assert (form.initial["period_start"], form.initial["period_end"]) == (
        dt.date(2026, 11, 12),
        dt.date(2026, 11, 23),
    )


def test_a_new_invoice_for_a_client_active_before_this_month_covers_the_month_so_far(
    as_carol, alice
):
    ai_active_since(alice, dt.date(2026, 9, 1))

    response = as_carol.get(reverse("provider:invoice_create") + f"?client={alice.code}")

    assert response.context["form"].initial["period_start"] == dt.date(2026, 11, 1)


def test_the_client_list_of_the_form_tells_when_each_avance_immediate_began(as_carol, alice):
    ai_active_since(alice, dt.date(2026, 11, 12))

    page = as_carol.get(reverse("provider:invoice_create")).content.decode()

    assert f'value="{alice.code}" data-ai-since="2026-11-12"' in page
