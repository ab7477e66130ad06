from decimal import Decimal
from types import SimpleNamespace

from django.contrib import admin

from invoices.admin.billing import PaymentAdmin
from invoices.admin.columns import euros_column
from invoices.models import Payment
from invoices.templatetags.fr_format import euros


def test_a_euros_column_shows_its_field_in_euros_and_sorts_by_it():
    column = euros_column("total_ttc", "total TTC")
    assert column(None, SimpleNamespace(total_ttc=Decimal("1234.5"))) == euros(Decimal("1234.50"))
    assert column.short_description == "total TTC"
    assert column.admin_order_field == "total_ttc"


def test_a_euros_column_not_sortable_has_no_ordering():
    column = euros_column("total_paid", "total payé", sortable=False)
    assert column(None, SimpleNamespace(total_paid=None)) == ""
    assert not hasattr(column, "admin_order_field")


def test_an_admin_binds_its_euros_column_as_a_method():
    model_admin = PaymentAdmin(Payment, admin.site)
    payment = Payment(amount=Decimal("80.00"))
    assert model_admin.amount_display(payment) == euros(Decimal("80.00"))
