"""Odd and bad input on every form that feeds URSSAF, and on the payload builders behind them.

A refused case comes back as the form (200) with a French message that names the problem, and
nothing is written. A "good but odd" case is accepted and stored normalised. The builders are
fed records that went round the forms: they refuse with a clear error, or send a valid value.
"""

import datetime as dt
import html
import re
import unicodedata
from decimal import Decimal
from http import HTTPStatus
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.forms.formsets import BaseFormSet
from django.urls import reverse

from audit.models import AuditEntry
from clients.models import AIStatus, Client
from invoices.models import Invoice, InvoiceLine, InvoiceStatus, Payment
from urssaf.models import AIOrigin, AIRegistration, AIRegistrationState
from urssaf.payments import services as urssaf_services
from urssaf.payments.demande import build_payment_request
from urssaf.registration import particulier as ai_payload
from urssaf.registration import services

from .factories import ClientFactory

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
NOW = dt.datetime(2026, 11, 23, 10, tzinfo=PARIS)
IBAN = "FR7630006000011234567890189"
BIC = "AGRIFRPP882"
EMOJI = "😀"
ARABIC_DIGITS = str.maketrans("0123456789", "".join(chr(0x660 + n) for n in range(10)))
NFD_ELOISE = unicodedata.normalize("NFD", "Éloïse")  # as some Mac and PDF copies give it


def arabic(digits: str) -> str:
    """The same number in Arabic-Indic digits: `\\d` matches them, URSSAF's `[0-9]` does not."""
    return digits.translate(ARABIC_DIGITS)


@pytest.fixture(autouse=True)
def _frozen_now():
    cache.clear()  # rate limits
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def as_carol(client, carol):
    client.force_login(carol.user)
    return client


@pytest.fixture
def as_alice(client, alice):
    client.force_login(alice.user)
    return client


def text(response) -> str:
    """The page as a reader sees it: entities decoded, runs of white space as one space."""
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


def error_messages(response, *names: str) -> list[str]:
    """Every error message of the forms and formsets the view put in its context."""
    found = []
    for name in names:
        bound = response.context.get(name)
        if bound is None:
            continue
        if isinstance(bound, BaseFormSet):
            found += list(bound.non_form_errors())
            found += [m for form in bound.forms for ms in form.errors.values() for m in ms]
        else:
            found += [m for ms in bound.errors.values() for m in ms]
    return found


def assert_refused_in_french(response, expected: str, *forms: str) -> None:
    """The form again, with `expected` in one of its messages and on the page."""
    assert response.status_code == HTTPStatus.OK, response.status_code
    messages = error_messages(response, *forms)
    assert any(expected in message for message in messages), messages
    assert expected in text(response)


# --- 1. The provider's client form (provider:client_create) -------------------------------------


def client_post(**overrides) -> dict:
    """What a provider types for Geneviève, born in Toulouse, living in Lyon 6e."""
    data = {
        "civility": "2",
        "birth_name": "Girard",
        "usage_name": "",
        "first_names": "Geneviève Anne",
        "birth_date": "1944-07-21",
        "birth_country_code": "99100",
        "birth_department": "031",
        "birth_commune_code": "31555",
        "birth_commune_label": "Toulouse",
        "email": "genevieve.girard@example.org",
        "mobile_phone": "0677889900",
        "street_number": "41",
        "street_letter": "",
        "street_type": "BD",
        "street_name": "des Belges",
        "address_complement": "",
        "lieu_dit": "",
        "postal_code": "69006",
        "city": "Lyon",
        "city_insee_code": "69386",
    }
    data.update(overrides)
    return data


# (case, field, typed value, a French fragment of the expected message)
BAD_CLIENT_FIELDS = [
    ("name-over-80", "birth_name", "A" * 81, "au plus 80 caractères"),
    ("first-names-over-80", "first_names", "Jean " * 17, "au plus 80 caractères"),
    ("name-with-emoji", "birth_name", f"Dupont{EMOJI}", "Lettres, espaces, tirets"),
    ("usage-name-only-emoji", "usage_name", EMOJI, "Lettres, espaces, tirets"),
    ("first-name-with-emoji", "first_names", f"Jean {EMOJI}", "lettres, tirets et apostrophes"),
    ("name-with-digits", "birth_name", "Dupont2", "Lettres, espaces, tirets"),
    ("name-leading-hyphen", "birth_name", "-Dupont", "sans signe au début ni à la fin"),
    ("name-trailing-apostrophe", "birth_name", "Dupont'", "sans signe au début ni à la fin"),
    ("first-name-leading-apostrophe", "first_names", "'Anne", "lettres, tirets et apostrophes"),
    ("name-with-nul", "birth_name", "Du\x00pont", "caractère nul"),
    ("name-with-rtl-override", "birth_name", "Du\u202epont", "Lettres, espaces, tirets"),
    ("name-with-zero-width-joiner", "birth_name", "Du\u200dpont", "Lettres, espaces, tirets"),
    ("birth-date-30-february-text", "birth_date", "30/02/1980", "date valide"),
    ("birth-date-30-february-iso", "birth_date", "1980-02-30", "date valide"),
    ("birth-date-in-the-future", "birth_date", "2027-01-01", "dans le futur"),
    ("birth-date-before-1900", "birth_date", "1850-01-01", "Vérifiez l'année"),
    ("landline", "mobile_phone", "04 72 00 00 00", "Numéro de mobile attendu"),
    ("british-mobile", "mobile_phone", "+44 7911 123456", "Numéro de mobile attendu"),
    ("mobile-nine-digits", "mobile_phone", "06 12 34 56 7", "Numéro de mobile attendu"),
    ("mobile-arabic-digits", "mobile_phone", "06" + arabic("77889900"), "Numéro de mobile attendu"),
    ("mobile-emoji", "mobile_phone", f"06{EMOJI}", "Numéro de mobile attendu"),
    ("email-with-plus", "email", "jean+sap@example.org", "pas de « + »"),
    ("email-accented-domain", "email", "jean@exämple.fr", "Adresse refusée par l'URSSAF"),
    ("email-emoji", "email", f"{EMOJI}@example.org", "adresse"),
    ("postal-code-4-digits", "postal_code", "6900", "Code postal : 5 chiffres"),
    ("postal-code-arabic-digits", "postal_code", arabic("69006"), "Code postal : 5 chiffres"),
    ("postal-code-emoji", "postal_code", EMOJI, "Code postal : 5 chiffres"),
    ("street-number-arabic-digit", "street_number", arabic("41"), "Chiffres uniquement"),
    ("street-number-emoji", "street_number", EMOJI, "Chiffres uniquement"),
    ("street-name-only-emoji", "street_name", EMOJI, "émoji"),
    ("city-with-emoji", "city", f"Lyon {EMOJI}", "émoji"),
    ("complement-with-emoji", "address_complement", f"Bât. B {EMOJI}", "émoji"),
    (
        "birth-department-arabic-digits",
        "birth_department",
        arabic("031"),
        "Département de naissance",
    ),
    ("birth-department-emoji", "birth_department", EMOJI, "Département de naissance"),
    ("postal-code-as-insee-code", "city_insee_code", "75015", "pas le code postal"),
    ("birth-commune-emoji", "birth_commune_code", EMOJI, "Code INSEE"),
]


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [case[1:] for case in BAD_CLIENT_FIELDS],
    ids=[case[0] for case in BAD_CLIENT_FIELDS],
)
def test_a_bad_client_field_is_refused_in_french_and_nothing_is_saved(
    as_carol, field, value, expected
):
    response = as_carol.post(reverse("provider:client_create"), client_post(**{field: value}))

    assert_refused_in_french(response, expected, "form")
    assert not Client.objects.exists()


def test_emoji_in_every_client_field_at_once_is_refused_without_a_500(as_carol):
    data = {name: f"{value}{EMOJI}" for name, value in client_post().items()}

    response = as_carol.post(reverse("provider:client_create"), data)

    assert response.status_code == HTTPStatus.OK
    assert "La fiche n'a pas été enregistrée" in text(response)
    assert not Client.objects.exists()


# (case, typed values, what is stored)
ODD_BUT_GOOD_CLIENTS = [
    ("apostrophe", {"birth_name": "D'Artagnan"}, {"birth_name": "D'Artagnan"}),
    ("typographic-apostrophe", {"birth_name": "d\u2019Artagnan"}, {"birth_name": "d'Artagnan"}),
    ("hyphenated-first-name", {"first_names": "Jean-Noël"}, {"first_names": "Jean-Noël"}),
    ("accented-first-name", {"first_names": "Éloïse"}, {"first_names": "Éloïse"}),
    ("decomposed-accents", {"first_names": NFD_ELOISE}, {"first_names": "Éloïse"}),
    ("double-spaces", {"birth_name": "  Le   Gall "}, {"birth_name": "Le Gall"}),
    ("spaced-first-names", {"first_names": "Anne  Sophie"}, {"first_names": "Anne Sophie"}),
    ("name-of-exactly-80", {"birth_name": "A" * 80}, {"birth_name": "A" * 80}),
    ("spaced-mobile", {"mobile_phone": "06 77 88 99 00"}, {"mobile_phone": "0677889900"}),
    ("dotted-mobile", {"mobile_phone": "06.77.88.99.00"}, {"mobile_phone": "0677889900"}),
    (
        "international-mobile",
        {"mobile_phone": "+33 6 77 88 99 00"},
        {"mobile_phone": "+33677889900"},
    ),
    ("0033-mobile", {"mobile_phone": "0033677889900"}, {"mobile_phone": "+33677889900"}),
    ("upper-case-email", {"email": "Gen.Girard@Example.ORG"}, {"email": "gen.girard@example.org"}),
    ("spaced-postal-code", {"postal_code": "69 006"}, {"postal_code": "69006"}),
    ("two-digit-department", {"birth_department": "31"}, {"birth_department": "031"}),
    (
        "degree-sign-in-complement",
        {"address_complement": "Bât. n° 3"},
        {"address_complement": "Bât. n° 3"},
    ),
]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [case[1:] for case in ODD_BUT_GOOD_CLIENTS],
    ids=[case[0] for case in ODD_BUT_GOOD_CLIENTS],
)
def test_an_odd_but_valid_client_is_saved_normalised(as_carol, typed, stored):
    response = as_carol.post(reverse("provider:client_create"), client_post(**typed))

    assert response.status_code == HTTPStatus.FOUND, error_messages(response, "form")
    client = Client.objects.get()
    assert {field: getattr(client, field) for field in stored} == stored


# --- 2. The avance immédiate form (portal:ai_register, provider:client_ai_register) ---------------


def ai_post(client: Client, **overrides) -> dict:
    """What the registration form posts for this client's record, with bank details."""
    data = {}
    for name in client_post():
        value = getattr(client, name)
        data[name] = value.isoformat() if hasattr(value, "isoformat") else value
    data.update(
        email_confirmation=client.email,
        iban=IBAN,
        bic=BIC,
        account_holder="",
        has_filed_tax_return="yes",
        known_elsewhere="no",
    )
    data.update(overrides)
    return data


@pytest.fixture(params=["portal", "provider"])
def ai_page(request, client, alice, carol):
    """(logged-in test client, URL of the form) for Alice herself and for Carol, her provider."""
    if request.param == "portal":
        client.force_login(alice.user)
        return client, reverse("portal:ai_register")
    client.force_login(carol.user)
    return client, reverse("provider:client_ai_register", args=[alice.code])


def stored_row(client: Client) -> dict:
    return Client.objects.filter(pk=client.pk).values().get()


BAD_AI_FIELDS = [
    ("iban-bad-checksum", {"iban": "FR7630006000011234567890188"}, "IBAN invalide"),
    ("iban-too-short", {"iban": "FR763000600001123456789"}, "IBAN invalide"),
    ("iban-too-long", {"iban": IBAN + "00"}, "IBAN invalide"),
    ("iban-letters-in-check-digits", {"iban": "FRAB30006000011234567890189"}, "IBAN invalide"),
    ("iban-letters-in-account", {"iban": "FR76300060000112345678901O9"}, "IBAN invalide"),
    ("iban-emoji", {"iban": f"FR76{EMOJI}"}, "IBAN invalide"),
    ("bic-too-short", {"bic": "AGRIFR"}, "BIC invalide"),
    ("bic-nine-characters", {"bic": "AGRIFRPP8"}, "BIC invalide"),
    ("bic-digit-in-bank-code", {"bic": "1GRIFRPP882"}, "BIC invalide"),
    ("bic-emoji", {"bic": f"AGRI{EMOJI}PP"}, "BIC invalide"),
    ("holder-with-emoji", {"account_holder": f"Mme Alice {EMOJI}"}, "émoji"),
    ("holder-over-100", {"account_holder": "Mme " + "A" * 100}, "au plus 100 caractères"),
    ("minor", {"birth_date": "2015-01-01"}, "personnes majeures"),
    ("birth-date-in-the-future", {"birth_date": "2027-01-01"}, "dans le futur"),
    ("birth-date-30-february", {"birth_date": "30/02/1980"}, "date valide"),
    (
        "email-with-plus",
        {"email": "alice+sap@example.org", "email_confirmation": "alice+sap@example.org"},
        "pas de « + »",
    ),
    ("emails-differ", {"email_confirmation": "other@example.org"}, "pas identiques"),
    ("landline", {"mobile_phone": "0472000000"}, "Numéro de mobile attendu"),
    ("postal-code-4-digits", {"postal_code": "6900"}, "Code postal : 5 chiffres"),
    ("name-over-80", {"birth_name": "B" * 81}, "au plus 80 caractères"),
    ("name-with-emoji", {"birth_name": f"Lefebvre{EMOJI}"}, "Lettres, espaces, tirets"),
    ("civility-mr", {"civility": "Mr"}, "choisissez Madame ou Monsieur"),
    ("no-tax-return", {"has_filed_tax_return": "no"}, "déclaration de revenus"),
    ("apa", {"apa_beneficiary": "on"}, "APA ou de la PCH"),
]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [case[1:] for case in BAD_AI_FIELDS],
    ids=[case[0] for case in BAD_AI_FIELDS],
)
def test_a_bad_registration_field_is_refused_in_french_and_nothing_is_saved(
    ai_page, alice, overrides, expected
):
    http, url = ai_page
    before, audits = stored_row(alice), AuditEntry.objects.count()

    response = http.post(url, ai_post(alice, **overrides))

    assert_refused_in_french(response, expected, "form")
    assert stored_row(alice) == before
    assert AuditEntry.objects.count() == audits
    assert not AIRegistration.objects.exists()


def test_emoji_in_every_registration_field_is_refused_without_a_500(ai_page, alice):
    http, url = ai_page
    before = stored_row(alice)
    data = {name: f"{value}{EMOJI}" for name, value in ai_post(alice).items()}

    response = http.post(url, data)

    assert response.status_code == HTTPStatus.OK
    assert error_messages(response, "form")
    assert stored_row(alice) == before
    assert not AIRegistration.objects.exists()


ODD_BUT_GOOD_BANK_DETAILS = [
    ("iban-spaced-lower-case", {"iban": "fr76 3000 6000 0112 3456 7890 189"}, IBAN, BIC),
    (
        "iban-non-breaking-spaces",
        {"iban": "FR76\u00a03000\u00a06000 0112 3456 7890 189"},
        IBAN,
        BIC,
    ),
    ("bic-spaced-lower-case", {"bic": "agri frpp 882"}, IBAN, BIC),
    ("bic-left-blank", {"bic": ""}, IBAN, "AGRIFRPPXXX"),
]


@pytest.mark.parametrize(
    ("overrides", "iban", "bic"),
    [case[1:] for case in ODD_BUT_GOOD_BANK_DETAILS],
    ids=[case[0] for case in ODD_BUT_GOOD_BANK_DETAILS],
)
def test_bank_details_typed_oddly_are_stored_normalised(ai_page, alice, overrides, iban, bic):
    http, url = ai_page

    response = http.post(url, ai_post(alice, **overrides))

    assert response.status_code == HTTPStatus.FOUND, error_messages(response, "form")
    alice.refresh_from_db()
    assert (alice.iban, alice.bic) == (iban, bic)
    assert not AIRegistration.objects.exists()  # only the confirmation page sends


def test_names_typed_oddly_are_stored_normalised_for_the_registration(ai_page, alice):
    http, url = ai_page
    odd = {"birth_name": " d\u2019Artagnan ", "first_names": f"Jean-Noël  {NFD_ELOISE}"}

    response = http.post(url, ai_post(alice, **odd))

    assert response.status_code == HTTPStatus.FOUND, error_messages(response, "form")
    alice.refresh_from_db()
    assert (alice.birth_name, alice.first_names) == ("d'Artagnan", "Jean-Noël Éloïse")
    payload = ai_payload.build_particulier(alice).to_payload()
    assert (payload["nomNaissance"], payload["prenoms"]) == ("D'ARTAGNAN", "JEAN-NOËL ÉLOÏSE")


# --- 3. Invoices (provider:invoice_create) and payments (provider:payment_create) ---------------


def line(**overrides) -> dict:
    row = {
        "nature": "entretien-maison",
        "service_date": "2026-11-05",
        "unit": "HEURE",
        "quantity": "3",
        "unit_price_ttc": "25",
        "vat_rate": "",
        "description": "Ménage",
    }
    row.update(overrides)
    return row


def invoice_post(for_client: Client, *rows, **header) -> dict:
    rows = rows or (line(),)
    data = {
        "client": str(for_client.code),
        "period_start": "2026-11-02",
        "period_end": "2026-11-20",
        "notes": "",
        "lines-TOTAL_FORMS": str(len(rows)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "50",
        **header,
    }
    for index, row in enumerate(rows):
        data.update({f"lines-{index}-{key}": value for key, value in row.items()})
    return data


BAD_INVOICE_LINES = [
    ("negative-quantity", {"quantity": "-1"}, "La quantité doit être positive."),
    ("zero-quantity", {"quantity": "0"}, "La quantité doit être positive."),
    ("quantity-with-3-decimals", {"quantity": "1,255"}, "2 chiffres après la virgule"),
    ("unit-price-with-4-decimals", {"unit_price_ttc": "25,1234"}, "3 chiffres après la virgule"),
    ("negative-unit-price", {"unit_price_ttc": "-25"}, "Le prix ne peut pas être négatif."),
    ("negative-vat", {"vat_rate": "-1"}, "ne peut pas être négatif"),
    ("vat-over-20", {"vat_rate": "25"}, "ne peut pas dépasser 20 %"),
    ("quantity-emoji", {"quantity": EMOJI}, "Saisissez un nombre."),
    ("quantity-nan", {"quantity": "NaN"}, "Saisissez un nombre."),
    ("quantity-infinity", {"quantity": "Infinity"}, "Saisissez un nombre."),
    ("quantity-huge-exponent", {"quantity": "1e400"}, "chiffres au total"),
    ("service-date-before-the-period", {"service_date": "2026-10-30"}, "Hors de la période"),
    ("service-date-after-the-period", {"service_date": "2026-11-21"}, "Hors de la période"),
    ("service-date-30-february", {"service_date": "2026-02-30"}, "date valide"),
    ("nature-emoji", {"nature": EMOJI}, "choix valide"),
    ("nature-with-nul", {"nature": "entretien\x00maison"}, "caractère nul"),
    ("unit-unknown", {"unit": "JOUR"}, "choix valide"),
]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [case[1:] for case in BAD_INVOICE_LINES],
    ids=[case[0] for case in BAD_INVOICE_LINES],
)
def test_a_bad_invoice_line_is_refused_in_french_and_nothing_is_saved(
    as_carol, alice, overrides, expected
):
    response = as_carol.post(
        reverse("provider:invoice_create"), invoice_post(alice, line(**overrides))
    )

    assert_refused_in_french(response, expected, "form", "formset")
    assert not Invoice.objects.exists()
    assert not InvoiceLine.objects.exists()


BAD_INVOICE_HEADERS = [
    ("period-end-before-start", {"period_end": "2026-11-01"}, "La fin de la période précède"),
    ("period-start-30-february-text", {"period_start": "30/02/2026"}, "date valide"),
    (
        "negative-deposit",
        {"deposit_amount": "-10", "deposit_paid_on": "2026-10-01", "deposit_mode": "virement"},
        "L'acompte doit être positif.",
    ),
    (
        "deposit-with-3-decimals",
        {"deposit_amount": "10,555", "deposit_paid_on": "2026-10-01", "deposit_mode": "virement"},
        "2 chiffres après la virgule",
    ),
    ("deposit-without-date", {"deposit_amount": "10"}, "Précisez le montant, la date et le mode"),
    (
        "deposit-in-the-future",
        {"deposit_amount": "10", "deposit_paid_on": "2026-12-01", "deposit_mode": "virement"},
        "dans le futur",
    ),
    ("client-emoji", {"client": EMOJI}, "Choisissez un de vos clients."),
    ("tampered-line-count", {"lines-TOTAL_FORMS": EMOJI}, "au moins une ligne"),
]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [case[1:] for case in BAD_INVOICE_HEADERS],
    ids=[case[0] for case in BAD_INVOICE_HEADERS],
)
def test_a_bad_invoice_header_is_refused_in_french_and_nothing_is_saved(
    as_carol, alice, overrides, expected
):
    response = as_carol.post(reverse("provider:invoice_create"), invoice_post(alice, **overrides))

    assert_refused_in_french(response, expected, "form", "formset")
    assert not Invoice.objects.exists()
    assert not InvoiceLine.objects.exists()


def test_another_providers_client_is_refused_for_an_invoice(as_carol, bob):
    response = as_carol.post(reverse("provider:invoice_create"), invoice_post(bob))

    assert_refused_in_french(response, "Choisissez un de vos clients.", "form")
    assert not Invoice.objects.exists()


def test_french_decimals_and_a_3_decimal_unit_price_are_accepted(as_carol, alice):
    row = line(quantity="2,5", unit_price_ttc="25,125", vat_rate="5,5")

    response = as_carol.post(reverse("provider:invoice_create"), invoice_post(alice, row))

    assert response.status_code == HTTPStatus.FOUND, error_messages(response, "form", "formset")
    saved = InvoiceLine.objects.get()
    assert (saved.quantity, saved.unit_price_ttc, saved.vat_rate) == (
        Decimal("2.50"),
        Decimal("25.125"),
        Decimal("5.50"),
    )
    assert saved.total_ttc == Decimal("62.81")


BAD_PAYMENTS = [
    ("negative", {"amount": "-5"}, "Le montant doit être positif."),
    ("zero", {"amount": "0"}, "Le montant doit être positif."),
    ("3-decimals", {"amount": "10,555"}, "2 chiffres après la virgule"),
    ("more-than-due", {"amount": "80"}, "dépasse le reste à payer"),
    ("emoji", {"amount": EMOJI}, "Saisissez un nombre."),
    ("in-the-future", {"paid_on": "2026-12-01"}, "dans le futur"),
    ("30-february", {"paid_on": "30/02/2026"}, "date valide"),
    ("avance-immediate-mode", {"mode": "avance_immediate"}, "choix valide"),
    ("emoji-mode", {"mode": EMOJI}, "choix valide"),
]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [case[1:] for case in BAD_PAYMENTS],
    ids=[case[0] for case in BAD_PAYMENTS],
)
def test_a_bad_payment_is_refused_in_french_and_nothing_is_saved(
    as_carol, alice_invoice, overrides, expected
):
    data = {"amount": "75", "paid_on": "2026-11-23", "mode": "virement", "reference": ""}
    data.update(overrides)

    response = as_carol.post(reverse("provider:payment_create", args=[alice_invoice.code]), data)

    assert_refused_in_french(response, expected, "form")
    assert not Payment.objects.exists()
    alice_invoice.refresh_from_db()
    assert alice_invoice.status == InvoiceStatus.ISSUED


def test_a_payment_with_a_decimal_comma_is_accepted(as_carol, alice_invoice):
    data = {"amount": "75,00", "paid_on": "2026-11-23", "mode": "virement", "reference": "ÉÀ 😀"}

    response = as_carol.post(reverse("provider:payment_create", args=[alice_invoice.code]), data)

    assert response.status_code == HTTPStatus.FOUND, error_messages(response, "form")
    assert Payment.objects.get().amount == Decimal("75.00")


# --- 4a. The Particulier builder, fed records that went round the forms --------------------------


def record(**changes) -> Client:
    """An unsaved client record with bank details, as an import or a script could leave it."""
    values = {"iban": IBAN, "bic": BIC, "has_filed_tax_return": True, **changes}
    return ClientFactory.build(**values)


BAD_PARTICULIERS = [
    ("name-over-80", {"birth_name": "A" * 81}, "Nom de naissance"),
    ("name-cut-at-80-would-end-on-a-hyphen", {"birth_name": "A" * 79 + "-B"}, "Nom de naissance"),
    ("name-with-emoji", {"birth_name": f"Dupont{EMOJI}"}, "Nom de naissance"),
    ("name-with-digits", {"birth_name": "Dupont2"}, "Nom de naissance"),
    ("usage-name-trailing-hyphen", {"usage_name": "Martin-"}, "Nom d'usage"),
    ("first-names-with-emoji", {"first_names": EMOJI}, "Prénoms"),
    ("first-names-empty", {"first_names": "  "}, "Prénoms"),
    ("landline", {"mobile_phone": "0472000000"}, "Téléphone mobile"),
    ("british-mobile", {"mobile_phone": "+447911123456"}, "Téléphone mobile"),
    ("email-with-plus", {"email": "jean+sap@example.org"}, "E-mail"),
    ("postal-code-4-digits", {"postal_code": "6900"}, "Code postal"),
    ("postal-code-arabic-digits", {"postal_code": arabic("69006")}, "Code postal"),
    ("street-number-arabic-digit", {"street_number": arabic("8")}, "Numéro de voie"),
    ("street-name-only-emoji", {"street_name": EMOJI}, "Libellé de la voie"),
    ("no-street-complement-or-lieu-dit", {"street_type": "", "street_name": ""}, "Adresse"),
    ("insee-code-emoji", {"city_insee_code": EMOJI}, "Code INSEE de la commune"),
    ("birth-commune-emoji", {"birth_commune_code": EMOJI}, "Lieu de naissance"),
    ("iban-too-short", {"iban": "FR7630006"}, "IBAN"),
    ("iban-letters-in-account-number", {"iban": "FR76ABCDEFGHIJ1234567890189"}, "IBAN"),
    ("bic-digit-in-bank-code", {"bic": "1GRIFRPP882"}, "BIC"),
    ("bic-nine-characters", {"bic": "AGRIFRPP8"}, "BIC"),
]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [case[1:] for case in BAD_PARTICULIERS],
    ids=[case[0] for case in BAD_PARTICULIERS],
)
def test_the_particulier_builder_refuses_what_urssaf_would_refuse(changes, expected):
    with pytest.raises(ValidationError) as caught:
        ai_payload.build_particulier(record(**changes))

    messages = caught.value.messages
    assert any(expected in message and "URSSAF" in message for message in messages), messages
    assert not any(IBAN[4:12] in message for message in messages)  # never echoes the IBAN


ODD_BUT_GOOD_PARTICULIERS = [
    (
        "apostrophe-and-hyphen",
        {"birth_name": "D\u2019Artagnan-Lupin"},
        "nomNaissance",
        "D'ARTAGNAN-LUPIN",
    ),
    ("double-spaces", {"first_names": " Jean   Pierre "}, "prenoms", "JEAN PIERRE"),
    ("accents-kept", {"first_names": "Éloïse Noël"}, "prenoms", "ÉLOÏSE NOËL"),
    ("spaced-mobile", {"mobile_phone": "06 12 34 56 78"}, "numeroTelephonePortable", "0612345678"),
    (
        "upper-case-email",
        {"email": " Jean.Dupont@Example.ORG "},
        "adresseMail",
        "jean.dupont@example.org",
    ),
]


@pytest.mark.parametrize(
    ("changes", "key", "sent"),
    [case[1:] for case in ODD_BUT_GOOD_PARTICULIERS],
    ids=[case[0] for case in ODD_BUT_GOOD_PARTICULIERS],
)
def test_the_particulier_builder_normalises_what_it_can(changes, key, sent):
    payload = ai_payload.build_particulier(record(**changes)).to_payload()

    assert payload[key] == sent


def test_the_builder_normalises_bank_details_and_address_labels():
    client = record(
        iban="fr76 3000 6000 0112 3456 7890 189",
        bic="agrifrpp882",
        city=f"Lyon {EMOJI}",
        street_name="de l\u2019Église",
        account_holder="Mme  " + "A" * 120,
    )

    payload = ai_payload.build_particulier(client).to_payload()

    assert payload["coordonneeBancaire"]["iban"] == IBAN
    assert payload["coordonneeBancaire"]["bic"] == BIC
    assert len(payload["coordonneeBancaire"]["titulaire"]) == 100
    assert payload["adressePostale"]["libelleCommune"] == "LYON"
    assert payload["adressePostale"]["libelleVoie"] == "DE L'EGLISE"


def test_a_record_urssaf_would_refuse_is_never_started(alice):
    Client.objects.filter(pk=alice.pk).update(
        iban=IBAN, bic=BIC, has_filed_tax_return=True, mobile_phone="0472000000"
    )
    alice.refresh_from_db()

    with pytest.raises(ValidationError, match="Téléphone mobile"):
        services.ai_registration_start(client=alice, by=None, origin=AIOrigin.PROVIDER)

    alice.refresh_from_db()
    assert alice.ai_status == AIStatus.NOT_REGISTERED
    assert not AIRegistration.objects.exists()


def test_the_confirmation_page_lists_the_problem_instead_of_failing(as_carol, alice):
    Client.objects.filter(pk=alice.pk).update(
        iban=IBAN, bic=BIC, has_filed_tax_return=True, postal_code=arabic("69001")
    )

    response = as_carol.get(reverse("provider:client_ai_confirm", args=[alice.code]))

    assert response.status_code == HTTPStatus.OK
    assert any("Code postal" in problem for problem in response.context["problems"])
    assert "Code postal" in text(response)


@pytest.mark.usefixtures("urssaf_settings")
def test_a_record_spoilt_after_the_start_fails_without_reaching_urssaf(alice, sandbox):
    Client.objects.filter(pk=alice.pk).update(iban=IBAN, bic=BIC, has_filed_tax_return=True)
    alice.refresh_from_db()
    registration = services.ai_registration_start(client=alice, by=None, origin=AIOrigin.PROVIDER)
    # Between the commit and the task, something writes behind the form's back.
    Client.objects.filter(pk=alice.pk).update(birth_name=f"Lefebvre{EMOJI}")

    services.ai_registration_send(registration_id=registration.pk)

    registration.refresh_from_db()
    assert registration.state == AIRegistrationState.FAILED
    assert any("Nom de naissance" in error["message"] for error in registration.errors)
    assert sandbox.particuliers() == []


# --- 4b. The payment-request builder, fed invoices that went round the forms ---------------------


@pytest.fixture
def ai_invoice(carol, alice, make_draft) -> Invoice:
    """Carol's issued invoice to Alice, whose avance immédiate is active: 75 € TTC in November.

    Loaded as the sender loads it (lines prefetched), so a test can spoil it in memory the way
    a buggy import or a hand-made fix would, past the forms and the database constraints.
    """
    Client.objects.filter(pk=alice.pk).update(
        ai_status=AIStatus.ACTIVE, urssaf_id_client="id-alice", ai_activated_on=dt.date(2026, 11, 1)
    )
    alice.refresh_from_db()
    issued = urssaf_services.invoice_issue_and_submit(
        invoice=make_draft(carol, alice), by=carol.user
    )
    return (
        Invoice.objects.select_related("client", "provider")
        .prefetch_related("lines__nature")
        .get(pk=issued.pk)
    )


def spoil_line(invoice: Invoice, **values) -> None:
    [first] = invoice.lines.all()
    for name, value in values.items():
        setattr(first, name, value)


def test_a_valid_invoice_builds_a_payload_with_cents(ai_invoice):
    payload = build_payment_request(ai_invoice).to_payload()

    assert payload["mntFactureTTC"] == Decimal("75.00")
    assert payload["inputPrestations"][0]["quantite"] == Decimal("3.00")
    assert payload["dateDebutEmploi"] == "2026-11-02T00:00:00Z"


BAD_DEMANDES = [
    ("negative-line-total", {"line": {"total_ttc": Decimal("-75.00")}}, "négatif"),
    ("negative-quantity", {"line": {"quantity": Decimal("-3")}}, "négatif"),
    ("total-with-3-decimals", {"line": {"total_ttc": Decimal("75.001")}}, "deux décimales"),
    (
        "unit-price-with-4-decimals",
        {"line": {"unit_price_ttc": Decimal("25.0001")}},
        "trois décimales",
    ),
    (
        "invoice-total-not-the-lines",
        {"invoice": {"total_ttc": Decimal("80.00")}},
        "somme des lignes",
    ),
    (
        "period-end-before-start",
        {"invoice": {"period_end": dt.date(2026, 11, 1)}},
        "fin de la période",
    ),
    ("period-over-two-months", {"invoice": {"period_end": dt.date(2026, 12, 2)}}, "un seul mois"),
    (
        "service-in-the-future",
        {
            "invoice": {"period_end": dt.date(2026, 11, 30)},
            "line": {"service_date": dt.date(2026, 11, 30)},
        },
        "dans le futur",
    ),
    ("deposit-over-half", {"invoice": {"deposit_amount": Decimal("40.00")}}, "50 %"),
]


@pytest.mark.parametrize(
    ("spoilt", "expected"),
    [case[1:] for case in BAD_DEMANDES],
    ids=[case[0] for case in BAD_DEMANDES],
)
def test_the_payment_request_builder_refuses_what_urssaf_would_refuse(ai_invoice, spoilt, expected):
    for name, value in spoilt.get("invoice", {}).items():
        setattr(ai_invoice, name, value)
    spoil_line(ai_invoice, **spoilt.get("line", {}))

    with pytest.raises(ValueError, match=r"(?i)demande de paiement") as caught:
        build_payment_request(ai_invoice)

    assert expected in str(caught.value)
