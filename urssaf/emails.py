"""Sending the URSSAF e-mails: subject, text and HTML rendered from templates/emails/."""

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

# The client's own space at URSSAF, where they validate requests and manage their account.
URSSAF_PARTICULIER_URL = "https://www.particulier.urssaf.fr"


def send_templated_email(*, template: str, context: dict, to: list[str]) -> None:
    """Send the e-mail `emails/<template>_{subject.txt,body.txt,body.html}` to `to`.

    The subject is read on one line whatever the template's layout. Mail transport errors
    propagate (OSError) for the calling task to retry.
    """
    subject = render_to_string(f"emails/{template}_subject.txt", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string(f"emails/{template}_body.txt", context),
        to=to,
    )
    message.attach_alternative(
        render_to_string(f"emails/{template}_body.html", context), "text/html"
    )
    message.send()
