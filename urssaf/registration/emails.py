"""The avance immédiate e-mails to the client: templates/emails/ai_<kind>_*."""

import logging

from clients.mail import portal_url, send_templated_email
from clients.models import AI_ACTIVATION_LINK_VALIDITY

from ..emails import URSSAF_PARTICULIER_URL
from .models import AIRegistration

logger = logging.getLogger(__name__)

KINDS = ("sent", "reminder", "failed", "active")


def send_ai_email(*, kind: str, registration_id: int) -> None:
    """Send the client the `kind` e-mail about this registration attempt.

    Raises ValueError for an unknown kind; mail transport errors propagate (OSError).
    """
    if kind not in KINDS:
        raise ValueError(f"Unknown avance immédiate e-mail: {kind}")
    registration = AIRegistration.objects.select_related("client__cooperative").get(
        pk=registration_id
    )
    send_templated_email(
        template=f"ai_{kind}", context=_context(registration), to=registration.client.email
    )
    logger.info("AI %s e-mail sent for registration %s", kind, registration.pk)


def _context(registration: AIRegistration) -> dict:
    client = registration.client
    return {
        "client": client,
        "cooperative": client.cooperative,
        "registration": registration,
        "known_elsewhere": registration.known_elsewhere,
        "deadline": client.ai_activation_deadline,
        "link_days": AI_ACTIVATION_LINK_VALIDITY.days,
        "advice": registration.client_advice,
        "urssaf_url": URSSAF_PARTICULIER_URL,
        "portal_url": portal_url("portal:ai_status"),
        # Without a portal account yet, the way in is the self-registration with an invoice.
        "signup_url": None if client.user_id else portal_url("signup:start"),
    }
