"""The visitor's IP address, as the rate limits and the login lockout see it.

Behind reverse proxies REMOTE_ADDR is the nearest proxy's address: every visitor would share
one limit. Each proxy appends the address it received the request from to X-Forwarded-For, so
with TRUSTED_PROXY_COUNT proxies in front, the visitor is the TRUSTED_PROXY_COUNT-th address
from the right; anything further left was typed by the visitor and is never trusted. With no
proxy declared (the default), X-Forwarded-For is ignored altogether.
"""

import ipaddress
import logging

from django.conf import settings
from django.http import HttpRequest

logger = logging.getLogger(__name__)


def client_ip(request: HttpRequest) -> str:
    """Return the visitor's address: REMOTE_ADDR, or the one the outermost trusted proxy saw."""
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if not count:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    if len(hops) < count:
        # The proxies did not add what they should: a direct request, or a misconfiguration.
        logger.warning("X-Forwarded-For has %d hop(s), %d proxies expected", len(hops), count)
        return remote
    candidate = hops[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        logger.warning("X-Forwarded-For holds an invalid address where the visitor's should be")
        return remote
