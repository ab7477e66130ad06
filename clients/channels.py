"""How a message reaches a client: through the contact the cooperative has on their record.

Links that prove who someone is (opening an account, accepting a provider) go to the contact
already on the client record, never to one the visitor types. Each channel knows where the
client's contact is and how to send there; e-mail is the one implemented. An SMS channel would
read `mobile_phone` and render `templates/sms/<name>.txt` with the same context.
"""

from typing import Protocol

from .mail import send_templated_email
from .models import Client, ContactChannel


class Channel(Protocol):
    kind: ContactChannel

    def address(self, client: Client) -> str:
        """Return the client's recorded contact on this channel, or an empty string."""

    def send(self, *, to: str, template: str, context: dict) -> None:
        """Send the message `template` to `to`; transport errors propagate (OSError)."""


class EmailChannel:
    kind = ContactChannel.EMAIL

    def address(self, client: Client) -> str:
        return client.email.strip()

    def send(self, *, to: str, template: str, context: dict) -> None:
        send_templated_email(template=template, to=to, context=context)


# In order of preference: the first one the client has a contact on is used.
CHANNELS: tuple[Channel, ...] = (EmailChannel(),)


def reachable_channel(client: Client) -> Channel | None:
    """Return the first channel the client has a recorded contact on, or None."""
    return next((channel for channel in CHANNELS if channel.address(client)), None)


def channel_of(kind: str) -> Channel:
    """Return the channel a link was sent by (to send its follow-ups the same way)."""
    return next(channel for channel in CHANNELS if channel.kind == kind)
