"""A provider joins a client record that already exists only if the client (or the staff) agrees.

The request is made when a provider records someone under an e-mail the cooperative already
knows (`client_create_for_provider`). The client receives a single-use link at the contact on
their record, valid LINK_REQUEST_VALIDITY; the staff can decide in the admin instead. Nothing
of this reaches the provider's screens until the client said yes.
"""

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from audit.services import audit

from .. import tasks
from ..channels import reachable_channel
from ..mail import portal_url
from ..models import Client, ClientLinkRequest, LinkRequestState, Provider, User
from ..ratelimit import Limit
from ..tokens import hash_token, new_token

logger = logging.getLogger(__name__)

LINK_REQUEST_VALIDITY = dt.timedelta(days=7)
# Past these the request waits for the staff without an e-mail: a provider cannot flood a
# client's mailbox, and cannot tell (his screens never show the request).
LINK_MAILS_PER_PROVIDER = Limit("link-mail-provider", 10, 24 * 3600)
LINK_MAILS_PER_CLIENT = Limit("link-mail-client", 3, 7 * 24 * 3600)
LINK_REQUEST_INVALID = (
    "Ce lien n'est plus valable : la demande a déjà reçu une réponse, ou le lien a expiré "
    f"(il était valable {LINK_REQUEST_VALIDITY.days} jours)."
)
ALREADY_DECIDED = "Cette demande a déjà été traitée."


@transaction.atomic
def link_request_create(*, client: Client, provider: Provider, duplicate: Client) -> None:
    """Record that `provider` asks to join `client`'s record, and e-mail the client once committed.

    `duplicate` is the record the provider created meanwhile. A request already pending for
    this provider and client is left as it is.
    """
    pending = ClientLinkRequest.objects.filter(
        client=client, provider=provider, state=LinkRequestState.PENDING
    )
    if pending.exists():
        return
    request = ClientLinkRequest(
        client=client,
        provider=provider,
        duplicate=duplicate,
        expires_at=timezone.now() + LINK_REQUEST_VALIDITY,
    )
    request.full_clean()
    request.save()
    mailed = LINK_MAILS_PER_PROVIDER.allow(provider.pk) and LINK_MAILS_PER_CLIENT.allow(client.pk)
    audit(
        actor=provider.user,
        action="client.link.requested",
        obj=client,
        note=f"{provider} demande à être rattaché(e) à cette fiche : "
        + (
            "lien envoyé au client."
            if mailed
            else "limite d'envoi atteinte, à décider par l'équipe."
        ),
    )
    if mailed:
        transaction.on_commit(lambda: tasks.send_link_request.delay(request.pk))
    logger.info(
        "Provider %s asked to join client %s (request %s)", provider.pk, client.pk, request.pk
    )


def link_request_send(*, request_id: int) -> None:
    """Send the client the link to answer a pending request, minted now and stored hashed.

    Each call mints a new link (a retry after a mail error must send a working one).
    Mail transport errors propagate (OSError).
    """
    with transaction.atomic():
        request = (
            ClientLinkRequest.objects.select_for_update()
            .select_related("client__cooperative", "provider")
            .get(pk=request_id)
        )
        channel = reachable_channel(request.client)
        if request.state != LinkRequestState.PENDING or channel is None:
            logger.info("Link request %s: nothing to send", request_id)
            return
        token, request.token_hash = new_token()
        request.channel, request.sent_to = channel.kind, channel.address(request.client)
        request.save(update_fields=["token_hash", "channel", "sent_to"])
    channel.send(
        to=request.sent_to,
        template="client_link_request",
        context={
            "client": request.client,
            "cooperative": request.client.cooperative,
            "provider": request.provider,
            "link": portal_url("accounts:link_request", token),
            "expires_at": request.expires_at,
            "validity_days": LINK_REQUEST_VALIDITY.days,
        },
    )


def link_request_for_token(token: str) -> ClientLinkRequest | None:
    """Return the request this link answers, if it can still be answered."""
    return (
        ClientLinkRequest.objects.usable()
        .filter(token_hash=hash_token(token), state=LinkRequestState.PENDING)
        .select_related("client__cooperative", "provider")
        .first()
    )


@transaction.atomic
def link_request_answer(*, token: str, accept: bool) -> ClientLinkRequest:
    """The client accepts or declines, from the link. Returns the decided request.

    Raises ValidationError when the link is unknown, expired or already answered.
    """
    request = (
        ClientLinkRequest.objects.usable()
        .select_for_update()
        .filter(token_hash=hash_token(token), state=LinkRequestState.PENDING)
        .first()
    )
    if request is None:
        raise ValidationError(LINK_REQUEST_INVALID)
    request.used_at = timezone.now()
    state = LinkRequestState.ACCEPTED if accept else LinkRequestState.DECLINED
    note = f"Réponse du client, depuis le lien envoyé à {request.sent_to}."
    return _decide(request, state, by=request.client.user, note=note)


@transaction.atomic
def link_request_review(
    *, request: ClientLinkRequest, approve: bool, by: User
) -> ClientLinkRequest:
    """The staff approve or reject a request (the client did not answer, or asked them to).

    Returns the decided request. Raises ValidationError when it was already decided.
    """
    request = ClientLinkRequest.objects.select_for_update().get(pk=request.pk)
    if request.state != LinkRequestState.PENDING:
        raise ValidationError(ALREADY_DECIDED)
    state = LinkRequestState.APPROVED if approve else LinkRequestState.REJECTED
    return _decide(request, state, by=by, note="Décision de l'équipe de la coopérative.")


def _decide(
    request: ClientLinkRequest, state: LinkRequestState, *, by: User | None, note: str
) -> ClientLinkRequest:
    request.state, request.decided_at, request.decided_by = state, timezone.now(), by
    request.save(update_fields=["state", "decided_at", "decided_by", "used_at"])
    joined = state in (LinkRequestState.ACCEPTED, LinkRequestState.APPROVED)
    if joined:
        request.client.providers.add(request.provider)
    audit(
        actor=by,
        action=f"client.link.{state}",
        obj=request.client,
        changes={"providers": [None, str(request.provider)]} if joined else None,
        note=f"{request.provider} : {state.label.lower()}. {note}",
    )
    if joined:
        _retire_duplicate(request)
    logger.info("Link request %s %s", request.pk, state)
    return request


def _retire_duplicate(request: ClientLinkRequest) -> None:
    """Delete the record the provider made meanwhile, if nothing hangs on it yet.

    With documents (invoices, quotes, an avance immédiate attempt) or an account, it stays:
    the staff merge it by hand, the audit trail says so.
    """
    duplicate = request.duplicate
    if duplicate is None:
        return
    others = duplicate.providers.exclude(pk=request.provider_id).exists()
    if duplicate.user_id is None and not others:
        try:
            with transaction.atomic():
                duplicate.delete()
        except ProtectedError:
            pass
        else:
            logger.info("Duplicate client %s removed", request.duplicate_id)
            return
    audit(
        actor=None,
        action="client.duplicate.kept",
        obj=duplicate,
        note=f"Doublon de la fiche de {request.client.full_name}, conservé car des documents ou un "
        "compte y sont rattachés : à fusionner par l'équipe.",
    )
