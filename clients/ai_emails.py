"""The avance immédiate e-mails to the client: subject, text and HTML from templates/emails/."""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from . import ai_triage
from .models import AI_ACTIVATION_LINK_VALIDITY, AIRegistration

logger = logging.getLogger(__name__)

KINDS = ("sent", "reminder", "failed", "active")
URSSAF_PARTICULIER_URL = "https://www.particulier.urssaf.fr"


def send_ai_email(*, kind: str, registration_id: int) -> None:
    """Send the client the `kind` e-mail about this registration attempt.

    Raises ValueError for an unknown kind; mail transport errors propagate (OSError).
    """
    if kind not in KINDS:
        raise ValueError(f"Unknown avance immédiate e-mail: {kind}")
    registration = AIRegistration.objects.select_related("client__cooperative").get(
        pk=registration_id
    )
    context = _context(registration)
    subject = render_to_string(f"emails/ai_{kind}_subject.txt", context).strip()
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string(f"emails/ai_{kind}_body.txt", context),
        to=[registration.client.email],
    )
    message.attach_alternative(
        render_to_string(f"emails/ai_{kind}_body.html", context), "text/html"
    )
    message.send()
    logger.info("AI %s e-mail sent for registration %s", kind, registration.pk)


def _context(registration: AIRegistration) -> dict:
    client = registration.client
    codes = registration.error_codes
    advice = dict.fromkeys(advice.client_advice for _, advice in ai_triage.explain(codes))
    base = settings.PORTAL_BASE_URL.rstrip("/")
    return {
        "client": client,
        "cooperative": client.cooperative,
        "registration": registration,
        "known_elsewhere": registration.known_elsewhere,
        "deadline": client.ai_activation_deadline,
        "link_days": AI_ACTIVATION_LINK_VALIDITY.days,
        "advice": list(advice),
        "urssaf_url": URSSAF_PARTICULIER_URL,
        "portal_url": base + reverse("portal:ai_status"),
        # Without a portal account yet, the way in is the self-registration with an invoice.
        "signup_url": None if client.user_id else base + reverse("signup:start"),
    }
