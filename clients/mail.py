"""E-mails to people from templates/emails/: a subject, a text body and an HTML body each.

`<name>_subject.txt`, `<name>_body.txt` and `<name>_body.html` render with the same context.
Links in them are absolute, from PORTAL_BASE_URL: e-mails are often sent by a worker, which
has no request to take a host from (and a request's Host header is the visitor's to choose).
"""

import logging
from collections.abc import Sequence

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

logger = logging.getLogger(__name__)


def portal_url(name: str, *args) -> str:
    """Return the absolute address of the portal page `name` (reversed with `args`)."""
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse(name, args=args)


def send_templated_email(
    *,
    template: str,
    to: str,
    context: dict,
    attachments: Sequence[tuple[str, bytes, str]] = (),
) -> None:
    """Render the `template` triplet with `context` and send it to `to`, with `attachments`
    (file name, content, MIME type) if any.

    Mail transport errors propagate (OSError): the calling task retries.
    """
    subject = render_to_string(f"emails/{template}_subject.txt", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string(f"emails/{template}_body.txt", context),
        to=[to],
    )
    message.attach_alternative(
        render_to_string(f"emails/{template}_body.html", context), "text/html"
    )
    for name, content, mimetype in attachments:
        message.attach(name, content, mimetype)
    message.send()
    logger.info("E-mail %s sent", template)
