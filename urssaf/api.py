"""The only module that talks HTTP to URSSAF's API Tiers de prestation (API.md).

One function per endpoint, typed objects in and out (urssaf/payloads.py), an explicit
connect/read timeout on every call, and every failure raised as `TransientUrssafError` or
`PermanentUrssafError` (urssaf/exceptions.py). The OAuth2 token is shared by every process
through the Django cache and renewed shortly before it expires; a 401 anyway (URSSAF restarted,
clock skew) renews it once and retries once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import requests
from django.conf import settings
from django.core.cache import cache
from django.views.decorators.debug import sensitive_variables

from .exceptions import (
    PermanentUrssafError,
    TransientUrssafError,
    error_from_exception,
    error_from_response,
    parse_error_list,
)
from .payloads import (
    ClientStatus,
    Particulier,
    PaymentRequestInfo,
    PaymentRequestPayload,
    SearchResult,
    SubmissionResult,
    encode_json,
    format_date,
)

logger = logging.getLogger(__name__)

TOKEN_SCOPE = "homeplus.tiersprestations"  # noqa: S105 (a scope name, not a secret)
# "Bearer token expiration (qui dure 1h)" when an answer forgets expires_in (API.md §2).
DEFAULT_TOKEN_LIFETIME_SECONDS = 3600
# Renew this long before expiry so a call never leaves with a token about to die in flight;
# at most a tenth of the lifetime, so a short-lived test token is still reused.
TOKEN_REFRESH_MARGIN_SECONDS = 60
MAX_REQUESTS_PER_CALL = 10  # ERR_NBRE_PREST_MAX (API.md §5.1)
MAX_SEARCH_KEYS_PER_CALL = 10  # idDemandePaiements / numFactureTiers (API.md §7.1)
NOTHING_FOUND = "ERR_RECHERCHE_VIDE"

_local = threading.local()


@dataclass(frozen=True)
class Exchange:
    """One request to URSSAF and its answer, as the qualification report shows them.

    Raw: whoever keeps it must mask the secrets (token, client secret, IBAN) first.
    """

    method: str
    url: str
    params: dict[str, str] | None
    request_body: bytes | dict[str, str] | None
    status: int | None
    response_body: bytes
    seconds: float
    error: str = ""


@contextmanager
def recording(record: Callable[[Exchange], None]) -> Iterator[None]:
    """Hand every exchange of this thread with URSSAF to `record` while the block runs."""
    previous = getattr(_local, "recorder", None)
    _local.recorder = record
    try:
        yield
    finally:
        _local.recorder = previous


def _record(exchange: Exchange) -> None:
    recorder = getattr(_local, "recorder", None)
    if recorder is not None:
        recorder(exchange)


# --- token -----------------------------------------------------------------------------------


@sensitive_variables("token")
def get_access_token(*, force_refresh: bool = False) -> str:
    """Return a valid OAuth2 access token, from the cache unless `force_refresh`.

    Raises TransientUrssafError (URSSAF unreachable, 5xx) or PermanentUrssafError (credentials
    refused).
    """
    key = _token_cache_key()
    if not force_refresh:
        token = cache.get(key)
        if token:
            return token
    token, lifetime = _request_token()
    margin = min(TOKEN_REFRESH_MARGIN_SECONDS, lifetime / 10)
    if int(lifetime - margin) >= 1:
        cache.set(key, token, timeout=int(lifetime - margin))
    return token


def clear_token_cache() -> None:
    """Forget the cached token, e.g. after the credentials or the URSSAF host changed."""
    cache.delete(_token_cache_key())


# Error reports (Django's filter) show the locals of each frame: hide the secret and tokens.
@sensitive_variables("form", "body")
def _request_token() -> tuple[str, float]:
    form = {
        "grant_type": "client_credentials",
        "client_id": settings.URSSAF_CLIENT_ID,
        "client_secret": settings.URSSAF_CLIENT_SECRET,
        "scope": TOKEN_SCOPE,
    }
    response = _send("POST", settings.URSSAF_TOKEN_URL, what="token", data=form)
    if not response.ok:
        raise error_from_response(response)
    body = _read_json(response, what="token")
    if not isinstance(body, dict) or not body.get("access_token"):
        raise PermanentUrssafError("The token answer has no access_token.")
    lifetime = float(body.get("expires_in") or DEFAULT_TOKEN_LIFETIME_SECONDS)
    logger.info("Obtained a new URSSAF token valid for %.0f s", lifetime)
    return str(body["access_token"]), lifetime


@sensitive_variables("token")
def _forget_token(token: str) -> None:
    # Another worker may already have stored a fresh token: only drop the one that failed.
    key = _token_cache_key()
    if cache.get(key) == token:
        cache.delete(key)


def _token_cache_key() -> str:
    identity = f"{settings.URSSAF_TOKEN_URL}|{settings.URSSAF_CLIENT_ID}".encode()
    return f"urssaf:token:{hashlib.sha256(identity).hexdigest()[:16]}"


# --- endpoints -------------------------------------------------------------------------------


def register_client(particulier: Particulier) -> str:
    """Register a client with URSSAF (POST /particulier) and return its `idClient`.

    The link is pending until the client activates their online account. Raises
    PermanentUrssafError carrying every error code (ERR_DGFIP_R2P_INCONNU, ERREUR_VALIDATION...)
    or TransientUrssafError.
    """
    body = _call("POST", "particulier", payload=particulier.to_payload())
    id_client = body.get("idClient") if isinstance(body, dict) else None
    if not id_client:
        raise PermanentUrssafError("POST /particulier answered without an idClient.")
    return str(id_client)


def get_client_status(*, id_client: str | None = None, email: str | None = None) -> ClientStatus:
    """Return the registration status of a client (GET /particulier), by id and/or e-mail.

    Raises PermanentUrssafError (ERR_RECHERCHE_PARTICULIER when unknown) or
    TransientUrssafError.
    """
    params = {
        key: value for key, value in (("idClient", id_client), ("adresseMail", email)) if value
    }
    if not params:
        raise ValueError("Give an idClient, an e-mail address or both.")
    try:
        return ClientStatus.from_payload(_call("GET", "particulier", params=params))
    except ValueError as exc:
        raise PermanentUrssafError(str(exc)) from exc


def submit_payment_requests(
    demandes: Sequence[PaymentRequestPayload],
) -> list[SubmissionResult]:
    """Send 1 to 10 invoices (POST /demandePaiement); return one result per invoice, in order.

    An invoice URSSAF refused comes back with its `errors` while the others are accepted; a
    request refused as a whole raises PermanentUrssafError (with `item_errors` when URSSAF
    detailed them per invoice). Raises TransientUrssafError when the outcome is unknown: the
    caller must search by invoice number before sending again.
    """
    if not 1 <= len(demandes) <= MAX_REQUESTS_PER_CALL:
        raise ValueError(f"Send between 1 and {MAX_REQUESTS_PER_CALL} payment requests per call.")
    body = _call("POST", "demandePaiement", payload=[demande.to_payload() for demande in demandes])
    if not isinstance(body, list):
        raise PermanentUrssafError("POST /demandePaiement answered without a list.")
    return [SubmissionResult.from_payload(item) for item in body if isinstance(item, dict)]


def search_payment_requests(
    *,
    ids: Sequence[str] = (),
    invoice_numbers: Sequence[str] = (),
    invoiced_from: date | None = None,
    invoiced_to: date | None = None,
) -> SearchResult:
    """Return the state of payment requests (POST /demandePaiement/rechercher).

    Search by up to 10 URSSAF ids, up to 10 invoice numbers, or a period of invoice dates (URSSAF
    ignores the period when ids are given). Nothing found is an empty result, not an error.
    Raises PermanentUrssafError or TransientUrssafError.
    """
    payload = _search_payload(ids, invoice_numbers, invoiced_from, invoiced_to)
    try:
        body = _call("POST", "demandePaiement/rechercher", payload=payload)
    except PermanentUrssafError as exc:
        if exc.codes and set(exc.codes) == {NOTHING_FOUND}:
            return SearchResult(items=())
        raise
    if not isinstance(body, dict):
        raise PermanentUrssafError("The status search answered without an object.")
    items = body.get("infoDemandePaiements") or []
    return SearchResult(
        items=tuple(PaymentRequestInfo.from_payload(item) for item in items),
        errors=parse_error_list({"errors": body.get("Errors") or body.get("errors") or []}),
    )


def _search_payload(
    ids: Sequence[str], numbers: Sequence[str], start: date | None, end: date | None
) -> dict[str, Any]:
    if len(ids) > MAX_SEARCH_KEYS_PER_CALL or len(numbers) > MAX_SEARCH_KEYS_PER_CALL:
        raise ValueError(f"Search at most {MAX_SEARCH_KEYS_PER_CALL} ids or numbers per call.")
    if not (ids or numbers or (start and end)):
        raise ValueError("Give ids, invoice numbers or a full period of invoice dates.")
    payload: dict[str, Any] = {}
    if ids:
        payload["idDemandePaiements"] = list(ids)
    if numbers:
        payload["numFactureTiers"] = list(numbers)
    if start and end:
        payload["dateDebut"] = format_date(start)
        payload["dateFin"] = format_date(end)
    return payload


# --- transport -------------------------------------------------------------------------------


@sensitive_variables("token", "payload", "body")
def _call(
    method: str, path: str, *, payload: Any = None, params: dict[str, str] | None = None
) -> Any:
    """Call an API endpoint with the cached token, renewing it once on a 401."""
    url = f"{settings.URSSAF_BASE_URL.rstrip('/')}/{path}"
    what = f"{method} /{path}"
    body = None if payload is None else encode_json(payload)
    token = get_access_token()
    response = _send(method, url, what=what, token=token, body=body, params=params)
    if response.status_code == requests.codes.unauthorized:
        logger.info("URSSAF refused the token on %s; renewing it and retrying once", what)
        _forget_token(token)
        token = get_access_token(force_refresh=True)
        response = _send(method, url, what=what, token=token, body=body, params=params)
    if not response.ok:
        error = error_from_response(response)
        logger.warning("URSSAF %s failed: HTTP %s %s", what, response.status_code, error.codes)
        raise error
    return _read_json(response, what=what)


@sensitive_variables("token", "headers", "body", "data", "sent")
def _send(
    method: str,
    url: str,
    *,
    what: str,
    token: str | None = None,
    body: bytes | None = None,
    data: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
) -> requests.Response:
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if body is not None:
        headers["Content-Type"] = "application/json"
    started = time.monotonic()
    try:
        response = _session().request(
            method,
            url,
            params=params,
            data=body if body is not None else data,
            headers=headers,
            timeout=(settings.URSSAF_CONNECT_TIMEOUT, settings.URSSAF_READ_TIMEOUT),
        )
    except requests.RequestException as exc:
        logger.warning("URSSAF %s: %s after %.1f s", what, type(exc).__name__, _since(started))
        sent = body if body is not None else data
        _record(Exchange(method, url, params, sent, None, b"", _since(started), type(exc).__name__))
        # Not chained: error reports print the variables of every frame of the cause, and
        # those inside requests and urllib3 hold the body and headers (secret, token, IBAN).
        # The cause's type is in the message.
        raise error_from_exception(exc, what=what) from None
    logger.info("URSSAF %s -> HTTP %s in %.2f s", what, response.status_code, _since(started))
    sent = body if body is not None else data
    _record(
        Exchange(method, url, params, sent, response.status_code, response.content, _since(started))
    )
    return response


def _read_json(response: requests.Response, *, what: str) -> Any:
    try:
        return json.loads(response.content, parse_float=Decimal)
    except ValueError as exc:
        # A 2xx that is not JSON is a proxy or maintenance page, not URSSAF's answer.
        raise TransientUrssafError(
            f"{what}: unreadable answer", status_code=response.status_code
        ) from exc


def _session() -> requests.Session:
    # requests.Session is not thread-safe: one per thread, reused for keep-alive.
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = requests.Session()
    return session


def _since(started: float) -> float:
    return time.monotonic() - started
