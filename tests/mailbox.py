"""Reading the e-mails the portal sent during a test (Django's locmem outbox)."""

import re
from urllib.parse import urlsplit

from django.core import mail

# One segment of a path, as the links' tokens are.
SEGMENT = r"[^\s\"<>/]+/"


def links_in_mail(address: str, path: str, segments: int = 1) -> list[str]:
    """Return the links to `path` followed by `segments` more (a token…) in the e-mails sent
    to `address`, oldest first (from the text bodies, each link once per e-mail)."""
    pattern = re.compile(
        rf"https?://[^\s\"<>/]+{re.escape(path)}{SEGMENT * segments}(?=[\s\"<>]|$)"
    )
    return [
        link
        for message in mail.outbox
        if message.to == [address]
        for link in dict.fromkeys(pattern.findall(message.body))
    ]


def paths_in_mail(address: str, path: str, segments: int = 1) -> list[str]:
    """Like `links_in_mail`, the paths only: what a test client requests."""
    return [urlsplit(link).path for link in links_in_mail(address, path, segments)]
