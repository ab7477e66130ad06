"""The admin never sends a stored IBAN back to the browser; an empty box keeps it."""

import pytest

from clients.admin.people import ClientAdminForm, ProviderAdminForm
from clients.models import Provider

STORED = "FR7630006000011234567890189"
NEW = "FR14 2004 1010 0505 0001 3M02 606"


@pytest.fixture
def records(carol, alice):
    alice.iban = STORED
    alice.save()
    return [(ProviderAdminForm, carol), (ClientAdminForm, alice)]


def test_the_iban_box_starts_empty_and_optional_for_a_saved_record(records):
    for form_class, record in records:
        form = form_class(instance=record)
        assert form.initial[form.iban_field] == ""
        assert form.fields[form.iban_field].required is False
        assert form.fields[form.iban_field].help_text.startswith("Laisser vide")


def test_leaving_the_box_empty_keeps_the_stored_iban(records):
    for form_class, record in records:
        form = form_class(data={form_class.iban_field: ""}, instance=record)
        assert form.is_valid(), form.errors
        assert form.cleaned_data[form.iban_field] == STORED


def test_a_new_iban_is_checked_and_normalised(records):
    for form_class, record in records:
        form = form_class(data={form_class.iban_field: NEW}, instance=record)
        assert form.is_valid(), form.errors
        assert form.cleaned_data[form.iban_field] == "FR1420041010050500013M02606"
        wrong = form_class(data={form_class.iban_field: "FR00 1234"}, instance=record)
        assert not wrong.is_valid()


def test_a_new_provider_must_be_given_a_payout_iban(cooperative):
    form = ProviderAdminForm(data={"payout_iban": ""}, instance=Provider(cooperative=cooperative))
    assert form.fields["payout_iban"].required is True
    assert not form.is_valid()
