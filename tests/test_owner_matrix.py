"""Every URL, every persona: nobody but A's people ever sees or changes A's data.

The URL list is read from the URLconf, so a new view is checked the day it is added; a new
URL taking an object code must be given one below or this test fails.
"""

from decimal import Decimal
from http import HTTPStatus

import pytest
from django.contrib import admin
from django.test import Client as HttpClient
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from invoices import services
from invoices.attestations.generation import attestation_generate
from invoices.models import CreditNote, Invoice, InvoiceStatus, PaymentMode, Quote, QuoteStatus

pytestmark = pytest.mark.django_db

# Pages anyone may open: they show no personal data.
PUBLIC = {
    "home",
    "health",
    "login",
    "logout",
    "signup:start",
    "signup:sent",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_complete",
    # Opened from a link e-mailed to someone (below): they move its token to the session.
    "signup:open",
    "accounts:link_request",
    "accounts:password_reset_confirm",
}
# Pages opened from a link e-mailed to someone: an outsider tries a made-up one.
SECRET_LINKS = {
    "signup:open": ["un-lien-invente"],
    "accounts:link_request": ["un-lien-invente"],
    "accounts:password_reset_confirm": ["MQ", "un-lien-invente"],
}
# Pages for any logged-in user, about themselves.
ANY_USER = {"portal:password_change", "portal:password_change_done"}
# Logging out in the middle of the matrix would turn every later request anonymous.
SKIPPED = {"logout"}
# Which of A's objects each URL with a <code> takes.
CODE_OF = {
    "provider:client_detail": "client",
    "provider:client_edit": "client",
    "provider:client_invite": "client",
    "provider:client_ai_register": "client",
    "provider:client_ai_confirm": "client",
    "provider:invoice_detail": "issued",
    "provider:invoice_edit": "draft",
    "provider:invoice_issue": "draft",
    "provider:invoice_issue_outside_ai": "draft",
    "provider:invoice_split_at_activation": "draft",
    "provider:invoice_delete": "draft",
    "provider:invoice_cancel": "issued",
    "provider:payment_create": "issued",
    "portal:invoice_detail": "issued",
    "invoices:pdf": "issued",
    "invoices:correct": "issued",
    "invoices:credit_note_pdf": "credit_note",
    "invoices:payment_request_refresh": "issued",
    "attestations:download": "attestation",
    "provider:quote_detail": "quote",
    "provider:quote_edit": "quote_draft",
    "provider:quote_send": "quote_draft",
    "provider:quote_delete": "quote_draft",
    "provider:quote_answer": "quote",
    "provider:quote_invoice": "quote",
    "quotes:pdf": "quote",
}


def _url_names(patterns=None, namespace=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _url_names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry.pattern.converters


@pytest.fixture
def a_world(carol, alice, make_draft, make_quote):
    """Carol's (provider A) and Alice's (client A) records, with everything they can open."""
    issued = services.invoice_issue(invoice=make_draft(carol, alice), by=carol.user)
    quote = services.quote_send(quote=make_quote(carol, alice), by=carol.user)
    services.payment_record(
        invoice=issued,
        amount=Decimal("10.00"),
        paid_on=issued.issue_date,
        mode=PaymentMode.CHEQUE,
        by=carol.user,
    )
    attestation, _ = attestation_generate(client=alice, year=issued.issue_date.year)
    cancelled = services.invoice_issue(invoice=make_draft(carol, alice), by=carol.user)
    services.invoice_cancel(invoice=cancelled, by=carol.user)
    return {
        "client": alice,
        "issued": issued,
        "draft": make_draft(carol, alice),
        "attestation": attestation,
        "credit_note": CreditNote.objects.get(invoice=cancelled),
        "quote": quote,
        "quote_draft": make_quote(carol, alice),
        # Strings that only A's records contain.
        "markers": [
            alice.birth_name,
            alice.email,
            str(issued.code),
            issued.number,
            cancelled.number,
            str(quote.code),
            quote.number,
        ],
    }


def _urls(world):
    urls = []
    for name, converters in sorted(dict(_url_names()).items()):
        if name in SKIPPED:
            continue
        if name in SECRET_LINKS:
            urls.append((name, reverse(name, args=SECRET_LINKS[name])))
        elif converters:
            assert name in CODE_OF, f"{name} takes an object: tell this test which one"
            urls.append((name, reverse(name, args=[world[CODE_OF[name]].code])))
        else:
            urls.append((name, reverse(name)))
    return urls


def _fetch(http: HttpClient, method: str, url: str):
    response = getattr(http, method)(url)
    if response.streaming:
        # Reading a file response to the end closes the file (PDFs are served that way).
        response.content_bytes = b"".join(response.streaming_content)
    return response


def _final_target(http: HttpClient, location: str) -> str:
    """Follow a redirect chain (a few hops at most) and return where it ends."""
    for _ in range(3):
        response = _fetch(http, "get", location)
        if response.status_code not in (HTTPStatus.FOUND, HTTPStatus.MOVED_PERMANENTLY):
            return location
        location = response["Location"]
    return location


def _leaks(response, world) -> list[str]:
    if response.status_code != HTTPStatus.OK or not response.get("Content-Type", "").startswith(
        "text/html"
    ):
        return []
    body = response.content.decode()
    return [marker for marker in world["markers"] if marker in body]


def _check_outsider(http: HttpClient, world, *, anonymous: bool) -> list[str]:
    problems = []
    for name, url in _urls(world):
        for method in ("get", "post"):
            response = _fetch(http, method, url)
            status = response.status_code
            if leaked := _leaks(response, world):
                problems.append(f"{method.upper()} {name}: shows {leaked}")
            if status in (HTTPStatus.FOUND, HTTPStatus.MOVED_PERMANENTLY):
                target = _final_target(http, response["Location"]) if anonymous else ""
                if anonymous and name not in PUBLIC and not target.startswith(reverse("login")):
                    problems.append(f"{method.upper()} {name}: redirected to {target}")
            elif status == HTTPStatus.OK and name in CODE_OF:
                problems.append(f"{method.upper()} {name}: 200 on somebody else's object")
            elif status >= 500:
                problems.append(f"{method.upper()} {name}: server error {status}")
    return problems


def _assert_untouched(world):
    issued = Invoice.objects.get(pk=world["issued"].pk)
    assert issued.status == InvoiceStatus.ISSUED
    assert issued.payments.count() == 1
    draft = Invoice.objects.get(pk=world["draft"].pk)  # not deleted
    assert draft.status == InvoiceStatus.DRAFT
    client = world["client"]
    client.refresh_from_db()
    assert client.birth_name == "Lefebvre"
    assert not client.ai_registrations.exists()
    assert Quote.objects.get(pk=world["quote"].pk).status == QuoteStatus.SENT
    assert Quote.objects.get(pk=world["quote_draft"].pk).status == QuoteStatus.DRAFT


def test_anonymous_visitors_see_nothing_of_a_and_are_sent_to_login(client, a_world):
    problems = _check_outsider(client, a_world, anonymous=True)
    assert problems == []
    _assert_untouched(a_world)


@pytest.mark.parametrize("persona", ["bob", "dave"])
def test_other_clients_and_providers_never_see_or_change_the_records_of_a(
    client, a_world, persona, request
):
    client.force_login(request.getfixturevalue(persona).user)
    problems = _check_outsider(client, a_world, anonymous=False)
    assert problems == []
    _assert_untouched(a_world)


def test_staff_pages_outside_the_admin_fail_safely(client, a_world, sam):
    """Staff work in the admin: the role pages refuse them, and a stray POST changes nothing."""
    client.force_login(sam)
    for name, url in _urls(a_world):
        for method in ("get", "post"):
            response = _fetch(client, method, url)
            status = response.status_code
            if status == HTTPStatus.FOUND:  # e.g. /espace-client/ -> its invoice list
                status = _fetch(client, "get", response["Location"]).status_code
            assert status < HTTPStatus.INTERNAL_SERVER_ERROR, (method, name, status)
            if name.startswith(("provider:", "portal:")) and name not in ANY_USER:
                assert status in (HTTPStatus.FORBIDDEN, HTTPStatus.METHOD_NOT_ALLOWED), name
    _assert_untouched(a_world)


@pytest.mark.parametrize(
    ("persona", "names"),
    [
        (
            "alice",
            [
                "portal:invoice_detail",
                "invoices:pdf",
                "invoices:credit_note_pdf",
                "attestations:download",
                "quotes:pdf",
            ],
        ),
        (
            "carol",
            [
                "provider:client_detail",
                "provider:invoice_detail",
                "invoices:pdf",
                "invoices:correct",
                "invoices:credit_note_pdf",
                "provider:quote_detail",
                "quotes:pdf",
            ],
        ),
    ],
)
def test_a_people_open_their_own_records(client, a_world, persona, names, request):
    client.force_login(request.getfixturevalue(persona).user)
    for name in names:
        response = _fetch(client, "get", reverse(name, args=[a_world[CODE_OF[name]].code]))
        assert response.status_code == HTTPStatus.OK, name


@pytest.mark.parametrize("persona", ["alice", "carol"])
def test_the_admin_is_closed_to_clients_and_providers(client, persona, request):
    client.force_login(request.getfixturevalue(persona).user)
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = client.get(url)
        assert response.status_code == HTTPStatus.FOUND, url
        assert response["Location"].startswith(reverse("admin:login"))
