"""Portal accounts: clients open theirs from a link sent to the contact on their record.

The number and date of a document (an issued invoice or a sent quote) only *identify* a client
record. The account opens when someone follows the single-use link sent to the e-mail the
cooperative already has for that client, which only the client can. Whoever typed the number
sees the same answer whatever happened (no such document, no e-mail on file, an account
already there, a limit reached): the work is done by a task, out of the request.

Limits: guesses count per visitor address and in a global budget, never per client record (a
stranger failing on someone's number must not lock them out); per client only the number of
e-mails is limited, and a link already sent stays valid until it expires or is used.

Passwords are reset the same way: the answer never says whether the address has an account.
"""

import datetime as dt
import logging
from collections.abc import Callable

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from audit.services import audit

from .. import tasks
from ..channels import Channel, channel_of, reachable_channel
from ..mail import portal_url, send_templated_email
from ..models import AccountInvitation, Client, Cooperative, InvitationOrigin, Role, User
from ..ratelimit import Limit
from ..record_history import actor_label
from ..tokens import hash_token, new_token

logger = logging.getLogger(__name__)

ACCOUNT_LINK_VALIDITY = dt.timedelta(hours=48)
GUESSES_PER_VISITOR = Limit("signup-guess-ip", 10, 15 * 60)
# Beyond what real clients need in an hour: a guesser with many addresses stops here too.
GUESSES_IN_ALL = Limit("signup-guess-all", 300, 3600)
SIGNUP_MAILS_PER_CLIENT = Limit("signup-mail-client", 3, 24 * 3600)
INVITATIONS_PER_CLIENT = Limit("invite-client", 3, 24 * 3600)
INVITATIONS_PER_PROVIDER = Limit("invite-provider", 30, 24 * 3600)
RESETS_PER_VISITOR = Limit("reset-ip", 10, 15 * 60)
RESET_MAILS_PER_ADDRESS = Limit("reset-mail", 3, 24 * 3600)

ALREADY_OPEN = "Ce client a déjà son espace sur le portail : il s'y connecte avec son e-mail."
NO_CONTACT = "La fiche n'a pas d'adresse e-mail : ajoutez-la avant d'envoyer une invitation."
INVITATIONS_THROTTLED = (
    "Plusieurs invitations sont déjà parties ces dernières 24 heures. Chaque lien reste "
    "valable 48 heures : demandez au client de regarder aussi dans ses courriers indésirables. "
    "Vous pourrez en renvoyer une demain."
)
NOT_SENT = "L'e-mail n'a pas pu partir : réessayez dans quelques minutes."


class LinkProblem:
    """Why a link to open an account cannot be used (the `code` of the ValidationError)."""

    UNKNOWN = "unknown"
    USED = "used"  # this link, or another one: the account is open
    EXPIRED = "expired"
    CHANGED = "changed"  # the e-mail on the record is no longer the one the link went to
    TAKEN = "taken"  # another account logs in with that address


# --- self-registration: number and date, then the e-mailed link ----------------------------


def account_link_request(*, number: str, issued_on: dt.date, visitor: str) -> None:
    """Take one self-registration attempt; the task e-mails the document's client a link.

    Returns nothing whatever happens: the visitor's answer must not depend on it. The attempt
    counts against the visitor's address, then the global budget; over either, it stops here.
    """
    if not GUESSES_PER_VISITOR.allow(visitor) or not GUESSES_IN_ALL.allow("all"):
        logger.info("Self-registration attempt over the limit")
        return
    tasks.send_account_link.delay(number, issued_on.isoformat())


# Finds the id of the client a document with this number and date went to, or None.
DocumentClientLookup = Callable[[str, dt.date], int | None]

# The documents a client quotes to open an account (issued invoices, sent quotes) belong to the
# invoices app, which builds on this one: it registers how to find them when it is ready
# (invoices/apps.py), so that this app never imports it.
_document_client_lookups: list[DocumentClientLookup] = []


def register_document_client_lookup(lookup: DocumentClientLookup) -> None:
    """Let self-registration find clients through `lookup`, asked in registration order."""
    if lookup not in _document_client_lookups:
        _document_client_lookups.append(lookup)


def client_for_document(*, number: str, issued_on: dt.date) -> Client | None:
    """Return the client an issued invoice or a sent quote with this number and date went to."""
    for lookup in _document_client_lookups:
        client_id = lookup(number, issued_on)
        if client_id is not None:
            return Client.objects.select_related("cooperative", "user").get(pk=client_id)
    return None


def account_link_send(*, number: str, issued_on: dt.date) -> AccountInvitation | None:
    """E-mail the client of this document a link to open their account (the task's work).

    Returns the invitation sent, or None: no such document, no contact on the record, the
    client's e-mail allowance spent, or an account already open (the client is then reminded
    how to log in). Mail transport errors propagate (OSError).
    """
    client = client_for_document(number=number, issued_on=issued_on)
    channel = reachable_channel(client) if client is not None else None
    if client is None or channel is None:
        logger.info("Self-registration: no client to send a link to")
        return None
    if not SIGNUP_MAILS_PER_CLIENT.allow(client.pk):
        logger.info("Self-registration: e-mails to client %s over the limit", client.pk)
        return None
    if client.user is not None:
        channel.send(
            to=channel.address(client),
            template="account_exists",
            context={**_context(client), "login": client.user.email},
        )
        return None
    invitation, token = _invitation_create(
        client=client, channel=channel, origin=InvitationOrigin.SIGNUP, by=None
    )
    _deliver(invitation, token)
    return invitation


def account_invitation_send(*, client: Client, by: User) -> AccountInvitation:
    """Send the client the link to open their account, as their provider asks.

    Returns the invitation. Raises ValidationError (French) when the client already has an
    account, has no e-mail on record, when too many invitations left lately, or when the
    e-mail could not be sent.
    """
    if client.user_id is not None:
        raise ValidationError(ALREADY_OPEN)
    channel = reachable_channel(client)
    if channel is None:
        raise ValidationError(NO_CONTACT)
    if not INVITATIONS_PER_CLIENT.allow(client.pk) or not INVITATIONS_PER_PROVIDER.allow(by.pk):
        raise ValidationError(INVITATIONS_THROTTLED)
    invitation, token = _invitation_create(
        client=client, channel=channel, origin=InvitationOrigin.PROVIDER, by=by
    )
    try:
        _deliver(invitation, token)
    except OSError as exc:
        logger.warning("Invitation %s could not be sent: %s", invitation.pk, type(exc).__name__)
        raise ValidationError(NOT_SENT) from exc
    return invitation


@transaction.atomic
def _invitation_create(
    *, client: Client, channel: Channel, origin: InvitationOrigin, by: User | None
) -> tuple[AccountInvitation, str]:
    token, digest = new_token()
    invitation = AccountInvitation(
        client=client,
        origin=origin,
        sent_by=by,
        channel=channel.kind,
        sent_to=channel.address(client),
        token_hash=digest,
        expires_at=timezone.now() + ACCOUNT_LINK_VALIDITY,
    )
    invitation.full_clean()
    invitation.save()
    audit(
        actor=by,
        action="client.account.invited",
        obj=client,
        note=f"Lien de création de l'espace client envoyé ({origin.label.lower()}).",
    )
    return invitation, token


def _deliver(invitation: AccountInvitation, token: str) -> None:
    client = invitation.client
    sender = getattr(invitation.sent_by, "provider", None)  # None: asked by the client
    channel_of(invitation.channel).send(
        to=invitation.sent_to,
        template="account_link",
        context={
            **_context(client),
            "link": portal_url("signup:open", token),
            "expires_at": invitation.expires_at,
            "provider": sender,
        },
    )
    logger.info("Account link %s sent to client %s", invitation.pk, client.pk)


def _context(client: Client) -> dict:
    return {
        "client": client,
        "cooperative": client.cooperative,
        "validity_hours": int(ACCOUNT_LINK_VALIDITY.total_seconds() // 3600),
        "signup_url": portal_url("signup:start"),
        "login_url": portal_url("login"),
        "reset_url": portal_url("accounts:password_reset"),
    }


# --- opening the account from the link -----------------------------------------------------


def invitation_for_token(token: str) -> AccountInvitation | None:
    """Return the invitation this link carries (used or not), or None."""
    return (
        AccountInvitation.objects.filter(token_hash=hash_token(token))
        .select_related("client__cooperative")
        .first()
    )


def invitation_problem(invitation: AccountInvitation | None) -> str | None:
    """Return why this invitation cannot open an account now (a LinkProblem), or None."""
    if invitation is None:
        return LinkProblem.UNKNOWN
    client = invitation.client
    if invitation.used_at is not None or client.user_id is not None:
        return LinkProblem.USED
    if invitation.expires_at <= timezone.now():
        return LinkProblem.EXPIRED
    if client.email.strip().lower() != invitation.sent_to.lower():
        return LinkProblem.CHANGED
    if User.objects.filter(email=invitation.sent_to).exists():
        return LinkProblem.TAKEN
    return None


@transaction.atomic
def account_open(*, token: str, password: str) -> User:
    """Open the client's account from the link: their recorded e-mail logs in with `password`.

    Returns the new user (role client). Raises ValidationError whose `code` is a LinkProblem
    when the link cannot be used (anymore). The client is e-mailed once committed.
    """
    invitation = (
        AccountInvitation.objects.select_for_update()
        .filter(token_hash=hash_token(token))
        .select_related("client")
        .first()
    )
    if invitation is not None:
        # Locked, so that two links followed at the same moment cannot both open an account.
        invitation.client = Client.objects.select_for_update().get(pk=invitation.client_id)
    problem = invitation_problem(invitation)
    if invitation is None or problem is not None:
        raise ValidationError("This link cannot open an account.", code=problem)
    client = invitation.client
    user = User.objects.create_user(email=invitation.sent_to, password=password, role=Role.CLIENT)
    client.user = user
    client.save(update_fields=["user"])
    invitation.used_at = timezone.now()
    invitation.save(update_fields=["used_at"])
    audit(
        actor=user,
        action="client.account.created",
        obj=client,
        changes={"user": [None, user.email]},
        note=f"Compte ouvert avec le lien envoyé à {invitation.sent_to} "
        f"({invitation.get_origin_display().lower()}).",
    )
    transaction.on_commit(lambda: tasks.send_account_opened.delay(client.pk))
    logger.info("Client %s opened their portal account", client.pk)
    return user


def account_opened_notify(*, client_id: int) -> None:
    """Tell the client their account was opened, at their login address."""
    client = Client.objects.select_related("cooperative", "user").get(pk=client_id)
    send_templated_email(
        template="account_opened",
        to=client.user.email,
        context={**_context(client), "opened_at": client.user.date_joined},
    )


def email_change_notify(*, client_id: int, old: str, new: str, actor_id: int | None) -> None:
    """Tell the client, at the old and at the new address, that their record's e-mail changed."""
    client = Client.objects.select_related("cooperative").get(pk=client_id)
    actor = (
        User.objects.filter(pk=actor_id).select_related("provider").first() if actor_id else None
    )
    context = {
        **_context(client),
        "old": old,
        "new": new,
        "by": actor_label(actor, client, to_client=True),
    }
    for address in dict.fromkeys([old, new]):
        send_templated_email(template="client_email_changed", to=address, context=context)


# --- password reset ------------------------------------------------------------------------


def password_reset_request(*, email: str, visitor: str) -> None:
    """Take one password-reset request; the task e-mails a link if the address has an account.

    Returns nothing whatever happens (see account_link_request).
    """
    address = email.strip().lower()
    if not RESETS_PER_VISITOR.allow(visitor) or not RESET_MAILS_PER_ADDRESS.allow(address):
        logger.info("Password reset request over the limit")
        return
    tasks.send_password_reset.delay(address)


def password_reset_send(*, email: str) -> int:
    """E-mail a reset link to each active account with this address; return how many."""
    sent = 0
    for user in PasswordResetForm().get_users(email):
        link = portal_url(
            "accounts:password_reset_confirm",
            urlsafe_base64_encode(force_bytes(user.pk)),
            default_token_generator.make_token(user),
        )
        expires_at = timezone.now() + dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
        send_templated_email(
            template="password_reset",
            to=user.email,
            context={"user": user, "link": link, "expires_at": expires_at, **_reset_context()},
        )
        sent += 1
    return sent


def password_reset_completed(*, user: User) -> None:
    """After a reset by e-mail: lift the login lockout of the account, and audit it.

    Whoever followed the link holds the mailbox: the failures before it (perhaps a stranger's)
    must not keep them out for the rest of the lockout.
    """
    axes_reset(username=user.email)
    audit(actor=user, action="user.password.reset", obj=user, note="Mot de passe réinitialisé.")


def _reset_context() -> dict:
    return {
        "cooperative": Cooperative.objects.first(),
        "validity_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        "reset_url": portal_url("accounts:password_reset"),
        "login_url": portal_url("login"),
    }
