"""The busiest pages run the same, bounded number of SQL queries with 10 or 1 000 invoices."""

import pytest
from django.urls import reverse

from bench import bulkdata

pytestmark = pytest.mark.django_db

PAGES = {
    "provider dashboard": ("provider", "provider:dashboard"),
    "provider invoice list": ("provider", "provider:invoice_list"),
    "client portal": ("client", "portal:invoice_list"),
    "admin triage": ("staff", "admin:urssaf_airegistration_changelist"),
}
# The most queries each page may run (bench/pages.py measures their time at 100 000 invoices).
# Lower a ceiling when a page gets cheaper; raising one needs a reason.
# The header's cooperative comes from the cache (clients/context_processors.py), and the admin's
# "may a cooperative be added" asks the same cache: no query for either once it is cached.
MAX_QUERIES = {
    "provider dashboard": 5,
    "provider invoice list": 5,
    "client portal": 6,
    "admin triage": 6,
}


@pytest.mark.parametrize("page", PAGES)
def test_page_queries_do_not_grow_with_the_number_of_rows(
    client, page, sam, django_assert_max_num_queries
):
    provider = bulkdata.providers(1)[0]
    people = bulkdata.clients(1_010, [provider])
    bulkdata.invoices(10, people[:5], [provider])
    bulkdata.failed_registrations(people[:10], provider.user)
    role, url_name = PAGES[page]
    client.force_login({"provider": provider.user, "client": people[0].user, "staff": sam}[role])
    url = reverse(url_name)
    client.get(url)  # warm caches (content types, session) outside the count

    with django_assert_max_num_queries(MAX_QUERIES[page]) as with_ten:
        assert client.get(url).status_code == 200
    bulkdata.invoices(990, people[:5], [provider])
    bulkdata.failed_registrations(people[10:1_000], provider.user)
    with django_assert_max_num_queries(MAX_QUERIES[page]) as with_a_thousand:
        assert client.get(url).status_code == 200

    assert len(with_a_thousand) == len(with_ten)


@pytest.mark.parametrize("page", PAGES)
def test_lists_decrypt_nothing_per_row(client, page, sam, monkeypatch):
    from clients import encryption

    provider = bulkdata.providers(1)[0]
    people = bulkdata.clients(30, [provider])
    bulkdata.invoices(1, people[:1], [provider])
    bulkdata.failed_registrations(people[:1], provider.user)
    role, url_name = PAGES[page]
    client.force_login({"provider": provider.user, "client": people[0].user, "staff": sam}[role])
    url = reverse(url_name)
    decrypted = []
    real = encryption.decrypt
    monkeypatch.setattr(encryption, "decrypt", lambda token: decrypted.append(1) or real(token))

    def decrypts() -> int:
        decrypted.clear()
        assert client.get(url).status_code == 200
        return len(decrypted)

    with_one = decrypts()  # the signed-in person's own record, at most
    bulkdata.invoices(24, people[:5], [provider])
    bulkdata.failed_registrations(people[1:25], provider.user)

    # Bank details and birth places are shown in no list: no row decrypts them.
    assert decrypts() == with_one
