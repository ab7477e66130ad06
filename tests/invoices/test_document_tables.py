"""The invoice and quote tables built in Python (invoices/templatetags/document_tables.py) and
the query the dashboard compiles once (invoices/views/prepared.py)."""

import datetime as dt

import pytest
from django.db.models import F
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from clients.models import Provider
from invoices.models import Invoice
from invoices.views.prepared import PreparedRow
from invoices.views.provider import FIGURES, _figures_query, _sample_arguments

pytestmark = pytest.mark.django_db


def render(source: str, **context) -> str:
    return Template("{% load document_tables %}" + source).render(Context(context))


def test_the_provider_table_escapes_names_and_marks_late_invoices(alice_invoice, alice):
    alice.usage_name = "<b>Durand</b>"
    alice.save()
    issued = timezone.localdate() - dt.timedelta(days=45)
    Invoice.objects.filter(pk=alice_invoice.pk).update(issue_date=issued)
    invoices = Invoice.objects.with_amount_paid().select_related("client")

    html = render("{% provider_invoice_table invoices %}", invoices=invoices)

    url = reverse("provider:invoice_detail", args=[alice_invoice.code])
    assert f'<td><a href="{url}">{alice_invoice.number}</a></td>' in html
    assert "&lt;b&gt;Durand&lt;/b&gt;" in html
    assert "<b>" not in html
    assert f"<td>{issued:%d/%m/%Y}</td>" in html
    assert '<td class="table-money">75,00\u00a0€</td>' in html
    assert ">En retard</span>" in html


def test_a_draft_reads_as_draft_and_an_empty_table_says_so(carol, alice, make_draft):
    make_draft(carol, alice)
    invoices = Invoice.objects.with_amount_paid().select_related("client")

    html = render("{% provider_invoice_table invoices hide_client=True %}", invoices=invoices)
    empty = render('{% provider_invoice_table invoices "Rien ici." %}', invoices=[])

    assert ">Brouillon</a></td>" in html
    assert '<th scope="col">Client</th>' not in html
    assert '<tr><td colspan="7" class="text-muted">Rien ici.</td></tr>' in empty


def test_the_prepared_figures_match_the_orm(alice_invoice, carol):
    now = timezone.now()
    start, end = dt.date(now.year, now.month, 1), dt.date(now.year + 1, 1, 1)
    arguments = {"provider": carol.pk, "start": start, "end": end, "now": now}

    assert FIGURES.get(**arguments) == _figures_query(**arguments).get()
    assert FIGURES.get(**arguments)["issued_count"] == 1


def test_the_prepared_figures_hold_where_the_database_takes_dates_as_text(
    alice_invoice, carol, monkeypatch
):
    """SQLite (the demo) is handed dates and times as text, not as the arguments themselves."""
    from types import MethodType

    from django.db import connection
    from django.db.backends.base.operations import BaseDatabaseOperations
    from django.db.backends.sqlite3.base import DatabaseWrapper as SQLite

    for name, operations in (
        ("adapt_datefield_value", BaseDatabaseOperations),
        ("adapt_datetimefield_value", SQLite.ops_class),
    ):
        monkeypatch.setattr(
            connection.ops, name, MethodType(getattr(operations, name), connection.ops)
        )
    now = timezone.now()
    start, end = dt.date(now.year, now.month, 1), dt.date(now.year + 1, 1, 1)
    arguments = {"provider": carol.pk, "start": start, "end": end, "now": now}
    prepared = PreparedRow(_figures_query, (_sample_arguments(1), _sample_arguments(2)))

    assert prepared.get(**arguments) == _figures_query(**arguments).get()
    assert prepared.get(**arguments)["issued_count"] == 1


def test_a_query_with_a_value_derived_from_an_argument_is_not_prepared(carol):
    def build(provider: int):
        return Provider.objects.filter(pk=provider + 1).values(next_pk=F("pk"))

    prepared = PreparedRow(build, ({"provider": -1}, {"provider": -2}))

    with pytest.raises(ValueError, match="no argument"):
        prepared.get(provider=carol.pk)


@pytest.mark.parametrize(
    "data",
    [{}, {"status": "issued", "month": "2026-11"}, {"status": "inconnu", "month": "2026-13"}],
)
def test_the_invoice_filter_renders_as_crispy_forms_would(data):
    from django.http import QueryDict

    from invoices.forms import InvoiceFilterForm

    query = QueryDict(mutable=True)
    query.update(data)
    form = InvoiceFilterForm(query)
    form.is_valid()
    crispy = Template(
        "{% load crispy_forms_tags %}"
        + "".join(
            f'<div class="col-md-3">{{{{ form.{name}|as_crispy_field }}}}</div>\n    '
            for name in ("status", "month", "follow_up")
        )
    ).render(Context({"form": form}))

    html = render("{% load list_filters %}{% invoice_filter_fields form %}", form=form)

    assert html == crispy
    assert ("Statut inconnu" in html) == (data.get("status") == "inconnu")
