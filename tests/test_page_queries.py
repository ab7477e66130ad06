"""The busiest pages run the same number of SQL queries with 10 or 1 000 invoices."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench import bulkdata

pytestmark = pytest.mark.django_db

PAGES = {
    "provider dashboard": ("provider", "provider:dashboard"),
    "provider invoice list": ("provider", "provider:invoice_list"),
    "client portal": ("client", "portal:invoice_list"),
    "admin triage": ("staff", "admin:urssaf_airegistration_changelist"),
}


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("page", PAGES)
def test_page_queries_do_not_grow_with_the_number_of_rows(client, page, sam):
    provider = bulkdata.providers(1)[0]
    people = bulkdata.clients(1_010, [provider])
    bulkdata.invoices(10, people[:5], [provider])
    bulkdata.failed_registrations(people[:10], provider.user)
    role, url_name = PAGES[page]
    client.force_login({"provider": provider.user, "client": people[0].user, "staff": sam}[role])
    url = reverse(url_name)
    client.get(url)  # warm caches (content types, session) outside the count

    with_ten = _queries(client, url)
    bulkdata.invoices(990, people[:5], [provider])
    bulkdata.failed_registrations(people[10:1_000], provider.user)
    with_a_thousand = _queries(client, url)

    assert with_a_thousand == with_ten
