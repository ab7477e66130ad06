"""A VAT-registered cooperative shows its intra-community VAT number on its invoices."""

import pytest
from django.core.exceptions import ValidationError

from clients.models import VatReturnFrequency
from clients.validators import validate_vat_number, vat_number_for
from urssaf.payments.selectors import invoice_context as invoice_document_context

from ..invoices.conftest import pdf_text


def test_the_key_is_computed_from_the_siren():
    assert vat_number_for("732829320") == "FR44732829320"
    validate_vat_number("FR44732829320")
    for wrong in ("FR45732829320", "FR4473282932", "DE44732829320", "FR44ABC829320"):
        with pytest.raises(ValidationError):
            validate_vat_number(wrong)


def test_a_registered_cooperative_must_give_its_own_number(cooperative):
    cooperative.vat_return_frequency = VatReturnFrequency.MONTHLY
    with pytest.raises(ValidationError, match="doit indiquer son numéro"):
        cooperative.full_clean()
    cooperative.vat_number = vat_number_for("552100554")
    with pytest.raises(ValidationError, match="ne correspond pas au SIREN"):
        cooperative.full_clean()


def test_the_invoice_carries_the_vat_number_of_a_registered_cooperative(cooperative, alice_invoice):
    from invoices.pdf import render_pdf

    def text():
        context = invoice_document_context(alice_invoice)
        return pdf_text(render_pdf("pdf/invoice.html", context))

    assert "TVA intracommunautaire" not in text()
    cooperative.vat_number = "FR44732829320"
    cooperative.vat_return_frequency = VatReturnFrequency.QUARTERLY
    cooperative.save()
    alice_invoice.refresh_from_db()
    assert "TVA intracommunautaire FR44732829320" in text()
