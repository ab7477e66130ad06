"""Sign people out after a spell of inactivity: sooner for staff, who can see every client.

Signing in, then each authenticated request (at most once per tenth of the timeout, to spare
a session write per request) records when the person was last seen: the session may thus end
up to a tenth of the timeout early, never late. The first request that comes more than the
idle timeout later is signed out here, whatever its cookie, and sent to the login page with a
word of explanation. The stored session and the cookie outlive the timeout by NOTICE_WINDOW only so
that this explanation can be given; they then disappear by themselves.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver

LAST_SEEN_KEY = "last_seen"
NOTICE_WINDOW = 8 * 60 * 60


def idle_timeout(user) -> int:
    """Return how many seconds of inactivity end this user's session."""
    return settings.SESSION_IDLE_TIMEOUT_STAFF if user.is_staff else settings.SESSION_IDLE_TIMEOUT


def record_activity(request, user) -> None:
    request.session[LAST_SEEN_KEY] = int(time.time())
    request.session.set_expiry(idle_timeout(user) + NOTICE_WINDOW)


@receiver(user_logged_in)
def _signed_in(sender, request, user, **kwargs) -> None:
    # Saved with the new session by login() itself: the first page costs no extra write.
    if request is not None:
        record_activity(request, user)


class IdleSessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        now, timeout = int(time.time()), idle_timeout(user)
        last_seen = request.session.get(LAST_SEEN_KEY)
        if last_seen is not None and now - last_seen > timeout:
            logout(request)
            messages.info(
                request,
                f"Vous avez été déconnecté après {timeout // 60} minutes sans activité. "
                "Reconnectez-vous pour continuer.",
            )
            return redirect_to_login(request.get_full_path())
        if last_seen is None or now - last_seen >= timeout // 10:
            record_activity(request, user)
        return self.get_response(request)
