import datetime as dt
from decimal import Decimal

import pytest

from invoices.forms import (
    LINES_PREFIX,
    InvoiceFilterForm,
    InvoiceForm,
    LineForm,
    LineFormSet,
    PaymentForm,
)
from invoices.models import PaymentMode

from ..factories import nature

pytestmark = pytest.mark.django_db


def line_data(**overrides) -> dict:
    data = {
        "nature": "entretien-maison",
        "service_date": "2026-11-05",
        "unit": "HEURE",
        "quantity": "3",
        "unit_price_ttc": "25",
        "vat_rate": "",
        "description": "",
    }
    data.update(overrides)
    return data


def formset_data(*rows, initial=0) -> dict:
    data = {
        f"{LINES_PREFIX}-TOTAL_FORMS": str(len(rows)),
        f"{LINES_PREFIX}-INITIAL_FORMS": str(initial),
    }
    for index, row in enumerate(rows):
        data.update({f"{LINES_PREFIX}-{index}-{key}": value for key, value in row.items()})
    return data


PERIOD = (dt.date(2026, 11, 2), dt.date(2026, 11, 20))


# --- One line --------------------------------------------------------------------------------


def test_an_empty_vat_rate_takes_the_natures_usual_rate():
    form = LineForm(data=line_data(nature="jardinage"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["vat_rate"] == Decimal("20.00")


def test_a_vat_rate_typed_in_is_kept():
    form = LineForm(data=line_data(vat_rate="5,5"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["vat_rate"] == Decimal("5.5")


def test_amounts_accept_the_french_decimal_comma():
    form = LineForm(data=line_data(quantity="1,75", unit_price_ttc="19,995"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["quantity"] == Decimal("1.75")
    assert form.cleaned_data["unit_price_ttc"] == Decimal("19.995")


def test_a_unit_price_has_at_most_three_decimals():
    form = LineForm(data=line_data(unit_price_ttc="19,9951"))
    assert form.errors["unit_price_ttc"] == [
        "Assurez-vous qu\u2019il n\u2019y a pas plus de 3 chiffres après la virgule."
    ]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("quantity", "0", "La quantité doit être positive."),
        ("quantity", "-1", "La quantité doit être positive."),
        ("unit_price_ttc", "-0,01", "Le prix ne peut pas être négatif."),
        ("vat_rate", "55", "Le taux de TVA ne peut pas dépasser 20 %."),
        ("vat_rate", "-1", "Le taux de TVA ne peut pas être négatif."),
    ],
)
def test_out_of_range_amounts_get_a_french_message(field, value, message):
    assert LineForm(data=line_data(**{field: value})).errors[field] == [message]


def test_the_unit_is_hour_or_flat_rate():
    assert LineForm(data=line_data(unit="FORFAIT")).is_valid()
    assert LineForm(data=line_data(unit="JOUR")).errors["unit"]


# --- The line formset ------------------------------------------------------------------------


def test_natures_are_limited_to_the_providers_when_set(carol):
    carol.natures.set([nature("entretien-maison"), nature("jardinage")])
    formset = LineFormSet(prefix=LINES_PREFIX, provider=carol)
    slugs = {n.slug for n in formset.forms[0].fields["nature"].queryset}
    assert slugs == {"entretien-maison", "jardinage"}


def test_every_nature_is_offered_to_a_provider_without_a_list(carol):
    formset = LineFormSet(prefix=LINES_PREFIX, provider=carol)
    assert formset.forms[0].fields["nature"].queryset.count() == 26


def test_blank_and_deleted_rows_are_left_out_of_the_lines(carol):
    data = formset_data(
        line_data(quantity="2") | {"DELETE": "on"},
        line_data(nature="jardinage", service_date="2026-11-12"),
        {"unit": "HEURE"},
        initial=1,
    )
    formset = LineFormSet(data, prefix=LINES_PREFIX, provider=carol, period=PERIOD)
    assert formset.is_valid(), formset.errors
    (only,) = formset.line_data()
    assert (only.nature.slug, only.service_date, only.vat_rate) == (
        "jardinage",
        dt.date(2026, 11, 12),
        Decimal("20.00"),
    )


def test_a_line_outside_the_period_is_an_error_on_its_date(carol):
    data = formset_data(line_data(service_date="2026-11-21"))
    formset = LineFormSet(data, prefix=LINES_PREFIX, provider=carol, period=PERIOD)
    assert not formset.is_valid()
    assert formset.forms[0].errors["service_date"] == [
        "Hors de la période (du 02/11/2026 au 20/11/2026)."
    ]


def test_no_line_at_all_is_refused(carol):
    data = formset_data(line_data() | {"DELETE": "on"}, initial=1)
    formset = LineFormSet(data, prefix=LINES_PREFIX, provider=carol, period=PERIOD)
    assert not formset.is_valid()
    assert formset.non_form_errors() == ["Une facture doit comporter au moins une ligne."]


# --- Header, payment and filters -------------------------------------------------------------


def test_the_header_offers_only_the_providers_clients(carol, alice, bob):
    form = InvoiceForm(provider=carol)
    assert list(form.fields["client"].queryset) == [alice]


def test_the_header_refuses_a_period_that_ends_before_it_starts(carol, alice):
    form = InvoiceForm(
        data={"client": alice.code, "period_start": "2026-11-20", "period_end": "2026-11-02"},
        provider=carol,
    )
    assert form.errors["period_end"] == ["La fin de la période précède son début."]


def test_the_header_of_an_existing_draft_has_no_client_field(carol):
    form = InvoiceForm(
        data={"period_start": "2026-11-02", "period_end": "2026-11-20"},
        provider=carol,
        with_client=False,
    )
    assert form.is_valid(), form.errors
    assert "client" not in form.fields


def test_the_payment_form_offers_every_mode_but_the_immediate_advance():
    modes = {value for value, _ in PaymentForm().fields["mode"].choices}
    assert PaymentMode.IMMEDIATE_ADVANCE not in modes
    assert modes == set(PaymentMode.values) - {PaymentMode.IMMEDIATE_ADVANCE}


def test_the_payment_amount_has_cents_at_most():
    form = PaymentForm(data={"amount": "10,001", "paid_on": "2026-11-20", "mode": "cheque"})
    assert form.errors["amount"]


@pytest.mark.parametrize(
    ("month", "first_day"),
    [("2026-11", dt.date(2026, 11, 1)), ("2027-1", dt.date(2027, 1, 1)), ("", None)],
)
def test_the_month_filter_reads_year_and_month(month, first_day):
    form = InvoiceFilterForm(data={"month": month})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["month"] == first_day


@pytest.mark.parametrize(
    "month", ["novembre", "2026-13", "2026-00", "2026-11-05", "0-1", "2026", "9999-12", "+2026-11"]
)
def test_a_malformed_month_is_a_french_error(month):
    form = InvoiceFilterForm(data={"month": month})
    assert form.errors["month"] == ["Mois invalide : format attendu AAAA-MM (ex. 2026-11)."]


def test_the_filters_are_described_in_french():
    form = InvoiceFilterForm(data={"status": "issued", "month": "2026-11"})
    assert form.is_valid()
    assert form.describe() == "statut « émise », novembre 2026"


def test_line_form_shows_prices_with_two_decimals_unless_a_third_one_counts():
    form = LineForm(
        initial={"unit_price_ttc": Decimal("32.000"), "quantity": Decimal("1.50")},
        natures=None,
    )
    assert 'value="32,00"' in str(form["unit_price_ttc"])
    assert 'value="1,50"' in str(form["quantity"])
    form = LineForm(initial={"unit_price_ttc": Decimal("19.995")})
    assert 'value="19,995"' in str(form["unit_price_ttc"])
