"""No secret reaches a log record or an error report, whatever the flow.

Real flows run with every logger at DEBUG (the URSSAF sandbox over real HTTP, `requests` and
`urllib3` included): a provider registering a client, the client registering herself and
failing, the OAuth token fetched, renewed after a 401 and refused, an invoice sent to URSSAF
and followed, a payout IBAN changed in the admin. No record may hold an IBAN (compact, spaced
or without its country key), an access token, the client secret, or a client's birth date
next to their name. Error e-mails and reports hide the POST parameters and local variables
that carry them.
"""

import contextlib
import datetime as dt
import logging
import traceback
from decimal import Decimal

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.core import mail
from django.core.cache import cache
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone
from django.views.debug import ExceptionReporter, get_default_exception_reporter_filter

from clients import services as client_services
from clients.models import AIStatus, Client
from invoices import services as invoice_services
from invoices.services import LineData
from urssaf import api as urssaf_api
from urssaf.exceptions import PermanentUrssafError
from urssaf.models import AIRegistration, AIRegistrationState, PaymentRequest, RequestState
from urssaf.payments import services as urssaf_services
from urssaf.payments.services import payment_request_refresh
from urssaf.registration import particulier as ai_payload
from urssaf.registration import services as registration_services

from .clients.test_services import client_fields
from .factories import ClientFactory, nature
from .mailbox import paths_in_mail

pytestmark = pytest.mark.django_db

IBAN = "FR7630006000011234567890189"
SPACED_IBAN = "FR76 3000 6000 0112 3456 7890 189"
BIC = "AGRIFRPP882"
NEW_PAYOUT_IBAN = "FR1420041010050500013M02606"
NEW_PAYOUT_BIC = "PSSTFRPPPAR"
# Our own credentials at the sandbox: distinctive, so a leak cannot hide behind a common word.
CLIENT_ID = "cooperative-journaux"
SECRET = "Zq8-tres-secret-K3v"
STARS = "********************"  # what Django's report filter puts instead of a value


# --- capture and checks ----------------------------------------------------------------------


@pytest.fixture
def logs(caplog):
    """Every record of every logger, from DEBUG up, for the whole test (setup included)."""
    caplog.set_level(logging.DEBUG)
    for name in ("requests", "urllib3", "django", "celery", "urssaf", "clients", "invoices"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def record_text(record: logging.LogRecord) -> str:
    """Everything a handler could write for this record: message, raw args, traceback."""
    parts = [str(record.msg), repr(record.args)]
    with contextlib.suppress(TypeError, ValueError):  # a malformed record: raw parts suffice
        parts.append(record.getMessage())
    if record.exc_info and record.exc_info[1] is not None:
        parts.append("".join(traceback.format_exception(*record.exc_info)))
    parts += [record.exc_text or "", record.stack_info or ""]
    return "\n".join(parts)


def secret_values(tokens=(), ibans=(IBAN,)) -> dict[str, str]:
    values = {"client secret": SECRET}
    for iban in ibans:
        spaced = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
        values |= {f"IBAN {iban}": iban, f"spaced IBAN {iban}": spaced, f"BBAN {iban}": iban[4:]}
    values |= {f"token {n}": token for n, token in enumerate(tokens)}
    return values


def identities(*clients: Client) -> list[tuple[str, list[str]]]:
    """Each client's birth name with their birth date in every format the portal writes."""
    found = []
    for client in clients:
        born = client.birth_date
        dates = [born.isoformat(), f"{born:%d/%m/%Y}", f"{born:%d%m%Y}", repr(born)]
        found.append((client.birth_name, dates))
    return found


def leaks(caplog, secrets: dict[str, str], people=()) -> list[str]:
    """Return what leaked, as 'what in logger: text' lines (empty when the logs are clean)."""
    records = [r for phase in ("setup", "call") for r in caplog.get_records(phase)]
    assert records, "nothing was logged: the capture is not working"
    found = []
    for record in records:
        text = record_text(record).casefold()
        for what, value in secrets.items():
            if value.casefold() in text:
                found.append(f"{what} in {record.name}: {record_text(record)[:300]}")
        for name, dates in people:
            if name.casefold() in text and any(date in text for date in dates):
                found.append(f"{name}'s birth date in {record.name}: {record_text(record)[:300]}")
    return found


# --- the URSSAF sandbox with our own credentials -------------------------------------------------


@pytest.fixture
def issued_tokens(urssaf_settings, sandbox, monkeypatch) -> list[str]:
    """Point the client at the sandbox with distinctive credentials; list every token issued."""
    sandbox.add_organisation(CLIENT_ID, SECRET)
    urssaf_settings.URSSAF_CLIENT_ID = CLIENT_ID
    urssaf_settings.URSSAF_CLIENT_SECRET = SECRET
    urssaf_api.clear_token_cache()
    tokens: list[str] = []
    real = urssaf_api._request_token

    def spy() -> tuple[str, float]:
        token, lifetime = real()
        tokens.append(token)
        return token, lifetime

    monkeypatch.setattr(urssaf_api, "_request_token", spy)
    return tokens


def tax_office_knows(sandbox, client: Client) -> None:
    """Seed the sandbox's DGFiP with this client exactly as the portal will send them."""
    payload = ai_payload.build_particulier(client).to_payload()
    keys = ("civilite", "nomNaissance", "prenoms", "dateNaissance", "lieuNaissance")
    sandbox.add_taxpayer({key: payload[key] for key in keys})


def registration_post(client: Client, **overrides) -> dict:
    """The avance immédiate form as the browser posts it for this client's record."""
    fields = [
        "civility", "birth_name", "usage_name", "first_names", "birth_date",
        "birth_country_code", "birth_department", "birth_commune_code", "birth_commune_label",
        "email", "mobile_phone", "street_number", "street_letter", "street_type",
        "street_name", "address_complement", "lieu_dit", "postal_code", "city",
        "city_insee_code",
    ]  # fmt: skip
    data = {}
    for name in fields:
        value = getattr(client, name)
        data[name] = value.isoformat() if hasattr(value, "isoformat") else value
    data.update(
        email_confirmation=client.email,
        iban=SPACED_IBAN.lower(),
        bic=BIC,
        account_holder="",
        has_filed_tax_return="yes",
        known_elsewhere="no",
    )
    data.update(overrides)
    return data


# --- 1. Registering a client for the avance immédiate ---------------------------------------------


def test_a_provider_registering_a_client_logs_no_secret(
    logs, issued_tokens, sandbox, client, carol, alice, django_capture_on_commit_callbacks
):
    cache.clear()
    client.force_login(carol.user)
    form = client.post(
        reverse("provider:client_ai_register", args=[alice.code]), registration_post(alice)
    )
    assert form.status_code == 302, form.context["form"].errors
    alice.refresh_from_db()
    tax_office_knows(sandbox, alice)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("provider:client_ai_confirm", args=[alice.code]))
    # A refresh of her status asks GET /particulier with her e-mail and idClient.
    urssaf_api.get_client_status(id_client=alice.ai_registrations.get().id_client)

    registration = AIRegistration.objects.get()
    assert registration.state == AIRegistrationState.SENT, registration.errors
    assert issued_tokens
    assert leaks(logs, secret_values(issued_tokens), identities(alice)) == []


def test_the_stored_registration_summary_keeps_the_iban_masked(
    issued_tokens, sandbox, ready_alice, django_capture_on_commit_callbacks
):
    tax_office_knows(sandbox, ready_alice)
    with django_capture_on_commit_callbacks(execute=True):
        registration_services.ai_registration_start(client=ready_alice, by=None, origin="provider")

    summary = str(AIRegistration.objects.get().request_summary)
    for value in secret_values(issued_tokens).values():
        assert value not in summary
    assert "FR76 •••• •••• 0189" in summary


def test_a_client_whose_registration_fails_leaves_no_secret_in_logs_or_mails(
    logs, issued_tokens, client, alice, django_capture_on_commit_callbacks
):
    # Unknown to the sandbox's tax office: URSSAF answers ERR_DGFIP_R2P_INCONNU.
    cache.clear()
    client.force_login(alice.user)
    client.post(reverse("portal:ai_register"), registration_post(alice, iban=IBAN))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("portal:ai_confirm"))

    registration = AIRegistration.objects.get()
    assert registration.error_codes == ["ERR_DGFIP_R2P_INCONNU"]
    assert leaks(logs, secret_values(issued_tokens), identities(alice)) == []
    assert mail.outbox
    for message in mail.outbox:
        for value in secret_values(issued_tokens).values():
            assert value not in message.body


@pytest.fixture
def ready_alice(alice) -> Client:
    Client.objects.filter(pk=alice.pk).update(iban=IBAN, bic=BIC, has_filed_tax_return=True)
    alice.refresh_from_db()
    return alice


# --- 2. The OAuth token: fetched, cached, renewed, refused ---------------------------------------


def test_fetching_renewing_and_a_refused_token_log_no_secret(
    logs, issued_tokens, sandbox, settings
):
    first = urssaf_api.get_access_token()
    assert urssaf_api.get_access_token() == first  # from the cache
    urssaf_api.get_access_token(force_refresh=True)
    sandbox.advance(hours=2)  # the cached token dies at URSSAF: a 401, renewed once
    assert urssaf_api.search_payment_requests(invoice_numbers=["2026-99999"]).items == ()
    wrong = f"{SECRET}-perime"
    settings.URSSAF_CLIENT_SECRET = wrong
    urssaf_api.clear_token_cache()
    with pytest.raises(PermanentUrssafError):
        urssaf_api.get_access_token()

    assert len(issued_tokens) == 3
    secrets = secret_values(issued_tokens) | {"wrong secret": wrong}
    assert leaks(logs, secrets) == []


# --- 3. An invoice sent to URSSAF, validated and followed ---------------------------------------


REGISTERED_AT = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
ISSUED_AT = dt.datetime(2026, 3, 17, 9, 0, tzinfo=dt.UTC)


def test_sending_and_following_a_payment_request_logs_no_secret(
    logs, issued_tokens, sandbox, ready_alice, carol, django_capture_on_commit_callbacks
):
    # One clock for the portal and the sandbox's threads, as in tests/urssaf/conftest.py.
    with time_machine.travel(REGISTERED_AT, tick=True) as clock:
        tax_office_knows(sandbox, ready_alice)
        id_client = urssaf_api.register_client(ai_payload.build_particulier(ready_alice))
        sandbox.activate(id_client, client_id=CLIENT_ID)
        Client.objects.filter(pk=ready_alice.pk).update(
            urssaf_id_client=id_client,
            ai_status=AIStatus.ACTIVE,
            ai_activated_on=timezone.localdate(),
            ai_activated_at=timezone.now(),  # to the minute, as GET /particulier gives it
        )
        ready_alice.refresh_from_db()
        clock.move_to(ISSUED_AT)
        draft = invoice_services.invoice_create_draft(
            provider=carol,
            client=ready_alice,
            period_start=dt.date(2026, 3, 2),
            period_end=dt.date(2026, 3, 16),
            lines=[
                LineData(
                    nature=nature("entretien-maison"),
                    service_date=dt.date(2026, 3, 5),
                    quantity=Decimal("3"),
                    unit_price_ttc=Decimal("25"),
                    vat_rate=Decimal("10"),
                )
            ],
        )
        with django_capture_on_commit_callbacks(execute=True):
            urssaf_services.invoice_issue_and_submit(invoice=draft, by=carol.user)
        request = PaymentRequest.objects.get()
        assert request.state == RequestState.SUBMITTED
        sandbox.validate(request.urssaf_id)
        with django_capture_on_commit_callbacks(execute=True):
            payment_request_refresh(request=request)

    assert leaks(logs, secret_values(issued_tokens), identities(ready_alice)) == []


# --- 4. A payout IBAN changed in the admin --------------------------------------------------------


def admin_form_data(response) -> dict:
    """What the browser posts back for the admin form as it was rendered."""
    form = response.context["adminform"].form
    data = {"_save": "Enregistrer"}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, list):
            data[name] = [str(item) for item in value]
        elif value is not None:
            data[name] = value
    return data


def test_changing_a_payout_iban_in_the_admin_logs_no_secret(logs, client, sam, carol):
    client.force_login(sam)
    url = reverse("admin:clients_provider_change", args=[carol.pk])
    data = admin_form_data(client.get(url))
    refused = client.post(url, {**data, "payout_iban": NEW_PAYOUT_IBAN[:-1] + "7"})
    assert refused.status_code == 200  # a bad checksum: the form again
    spaced = " ".join(NEW_PAYOUT_IBAN[i : i + 4] for i in range(0, 27, 4))

    response = client.post(url, {**data, "payout_iban": spaced, "payout_bic": NEW_PAYOUT_BIC})

    assert response.status_code == 302
    carol.refresh_from_db()
    assert (carol.payout_iban, carol.payout_bic) == (NEW_PAYOUT_IBAN, NEW_PAYOUT_BIC)
    ibans = (IBAN, NEW_PAYOUT_IBAN, NEW_PAYOUT_IBAN[:-1] + "7")
    assert leaks(logs, secret_values(ibans=ibans)) == []
    # The admin's own history names the field, never the value.
    history = LogEntry.objects.get().get_change_message()
    assert "IBAN" in history
    assert NEW_PAYOUT_IBAN not in history


# --- 5. Links e-mailed to people: opening an account, answering a provider, a new password ----


def test_the_links_emailed_to_people_never_reach_a_log(
    logs, client, carol, dave, alice, make_draft, django_capture_on_commit_callbacks
):
    elodie = ClientFactory(cooperative=carol.cooperative, providers=[carol])
    invoice = invoice_services.invoice_issue(invoice=make_draft(carol, elodie), by=carol.user)
    cache.clear()
    client.post(
        reverse("signup:start"),
        {"invoice_number": invoice.number, "invoice_date": invoice.issue_date.isoformat()},
    )
    [signup] = paths_in_mail(elodie.email, "/inscription/lien/")
    password = {"new_password1": "Un-Mot-De-Passe-42", "new_password2": "Un-Mot-De-Passe-42"}
    chosen = client.get(signup, follow=True).redirect_chain[-1][0]
    assert client.post(chosen, password).status_code == 302
    client.logout()
    client.post(reverse("accounts:password_reset"), {"email": alice.user.email})
    [reset] = paths_in_mail(alice.user.email, "/mot-de-passe-oublie/", segments=2)
    confirm = client.get(reset, follow=True).redirect_chain[-1][0]
    assert client.post(confirm, password).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        client_services.client_create_for_provider(
            provider=dave, data={**client_fields(), "email": alice.email}
        )
    [answer] = paths_in_mail(alice.email, "/rattachement/")
    answered = client.get(answer, follow=True).redirect_chain[-1][0]
    assert client.post(answered, {"answer": "accept"}).status_code == 200

    tokens = [path.rstrip("/").rsplit("/", 1)[-1] for path in (signup, reset, answer)]
    assert leaks(logs, secret_values(tokens)) == []


# --- 6. Error reports: POST parameters and local variables are hidden -----------------------------


def bank_post(client: Client) -> dict:
    return registration_post(client, iban=SPACED_IBAN)


PASSWORDS = {"new_password1": "Un-Mot-De-Passe-42", "new_password2": "Un-Mot-De-Passe-43"}
SENSITIVE_PAGES = [
    # (persona, URL name, its arguments, POST builder, parameters that must be hidden)
    ("alice", "portal:ai_register", lambda _: [], bank_post, ("iban", "bic", "birth_date")),
    (
        "carol",
        "provider:client_ai_register",
        lambda client: [client.code],
        bank_post,
        ("iban", "bic", "birth_date"),
    ),
    (
        None,
        "signup:open",
        lambda _: ["un-lien-de-creation"],
        lambda _client: PASSWORDS,
        ("new_password1", "new_password2"),
    ),
    (
        None,
        "accounts:password_reset_confirm",
        lambda _: ["MQ", "set-password"],
        lambda _client: PASSWORDS,
        ("new_password1", "new_password2"),
    ),
]


@pytest.mark.parametrize(
    ("persona", "name", "args", "post", "hidden"),
    SENSITIVE_PAGES,
    ids=[page[1] for page in SENSITIVE_PAGES],
)
def test_pages_taking_bank_details_or_passwords_hide_them_from_error_reports(
    client, request, alice, persona, name, args, post, hidden
):
    cache.clear()
    if persona:
        client.force_login(request.getfixturevalue(persona).user)
    url = reverse(name, args=args(alice))

    response = client.post(url, post(alice))

    shown = get_default_exception_reporter_filter().get_post_parameters(response.wsgi_request)
    assert {key: shown[key] for key in hidden} == dict.fromkeys(hidden, STARS)


@pytest.mark.parametrize(
    ("model", "field", "value"),
    [("provider", "payout_iban", NEW_PAYOUT_IBAN), ("client", "iban", NEW_PAYOUT_IBAN)],
)
def test_admin_pages_taking_an_iban_hide_it_from_error_reports(
    client, sam, carol, alice, model, field, value
):
    client.force_login(sam)
    obj = carol if model == "provider" else alice
    url = reverse(f"admin:clients_{model}_change", args=[obj.pk])

    response = client.post(url, {**admin_form_data(client.get(url)), field: value})

    shown = get_default_exception_reporter_filter().get_post_parameters(response.wsgi_request)
    assert shown[field] == STARS


def test_the_staff_correction_page_hides_the_iban_from_error_reports(client, sam, ready_alice):
    registration = AIRegistration.objects.create(client=ready_alice, origin="provider")
    client.force_login(sam)
    url = reverse("admin:urssaf_airegistration_correct", args=[registration.pk])

    response = client.post(url, {**bank_post(ready_alice), "birth_date": "2999-01-01"})

    shown = get_default_exception_reporter_filter().get_post_parameters(response.wsgi_request)
    assert (shown["iban"], shown["bic"]) == (STARS, STARS)


def test_a_crash_on_the_registration_page_mails_the_admins_without_the_iban(
    settings, alice, monkeypatch
):
    settings.ADMINS = [("Exploitation", "exploitation@example.org")]

    def crash(**kwargs):
        raise RuntimeError("panne simulée")

    monkeypatch.setattr(registration_services, "ai_client_prepare", crash)
    browser = HttpClient(raise_request_exception=False)
    browser.force_login(alice.user)

    response = browser.post(reverse("portal:ai_register"), bank_post(alice))

    assert response.status_code == 500
    [report] = [m for m in mail.outbox if "exploitation@example.org" in m.to]
    assert "panne simulée" in report.body
    assert STARS in report.body
    for value in secret_values().values():
        assert value.casefold() not in report.body.casefold()
    assert f"{alice.birth_date:%Y-%m-%d}" not in report.body


def _report_of(call) -> str:
    """Run `call`, which must fail; return Django's error report of it, HTML and text."""
    with pytest.raises(Exception) as caught:  # noqa: PT011 - any failure is reported alike
        call()
    reporter = ExceptionReporter(None, caught.type, caught.value, caught.tb)
    return reporter.get_traceback_html() + reporter.get_traceback_text()


@pytest.fixture
def unreachable_urssaf(issued_tokens, settings) -> None:
    """URSSAF refuses connections (the token stays cached): requests fails deep in urllib3."""
    settings.URSSAF_BASE_URL = "http://127.0.0.1:9/atp/v1/tiersPrestations"
    settings.URSSAF_TOKEN_URL = "http://127.0.0.1:9/api/oauth/v1/token"


def test_a_transport_failure_while_fetching_a_token_reports_no_client_secret(
    unreachable_urssaf,
):
    report = _report_of(lambda: urssaf_api.get_access_token(force_refresh=True))

    assert "ConnectionError" in report
    assert SECRET not in report


def test_a_transport_failure_while_calling_urssaf_reports_no_token_nor_iban(
    issued_tokens, ready_alice, settings
):
    token = urssaf_api.get_access_token()
    particulier = ai_payload.build_particulier(ready_alice)
    settings.URSSAF_BASE_URL = "http://127.0.0.1:9/atp/v1/tiersPrestations"

    report = _report_of(lambda: urssaf_api.register_client(particulier))

    assert "ConnectionError" in report
    assert token not in report
    assert IBAN not in report


def test_a_crash_inside_the_urssaf_client_reports_no_token_nor_iban(
    issued_tokens, ready_alice, monkeypatch
):
    token = urssaf_api.get_access_token()
    particulier = ai_payload.build_particulier(ready_alice)
    monkeypatch.setattr(urssaf_api, "encode_json", _explode_after(urssaf_api.encode_json))

    report = _report_of(lambda: urssaf_api.register_client(particulier))

    assert "panne simulée" in report
    assert token not in report
    assert IBAN not in report


def _explode_after(encode):
    """`encode`, then a crash with the encoded body still in the caller's frame."""

    def explode(payload):
        encode(payload)
        raise RuntimeError("panne simulée")

    return explode
