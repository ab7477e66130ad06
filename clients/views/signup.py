"""Self-registration: number and date of a document, then the link e-mailed to the client."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from .. import services
from ..account_forms import AccountPasswordForm, SignupForm
from ..models import Role, User
from ..net import client_ip
from ..services.accounts import ACCOUNT_LINK_VALIDITY, LinkProblem


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Ask for a document's number and date; whatever they match, say a link may be on its way."""
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.account_link_request(
            number=form.cleaned_data["invoice_number"],
            issued_on=form.cleaned_data["invoice_date"],
            visitor=client_ip(request),
        )
        return redirect("signup:sent")
    return render(request, "registration/signup.html", {"form": form})


@require_GET
def signup_sent(request: HttpRequest) -> HttpResponse:
    """The one answer to every attempt: where the link goes, how long it lasts, what if not."""
    return render(
        request,
        "registration/signup_sent.html",
        {
            "validity_hours": int(ACCOUNT_LINK_VALIDITY.total_seconds() // 3600),
            "valid_until": timezone.now() + ACCOUNT_LINK_VALIDITY,
        },
    )


# What replaces the token in the address once it is in the session (see `token_from_link`).
LINK_KEPT_IN_SESSION = "suite"
_SIGNUP_LINK_KEY = "_signup_link_token"


def token_from_link(
    request: HttpRequest, token: str, *, session_key: str, url_name: str
) -> str | HttpResponse:
    """Move a link's token from the address to the session, as Django's password reset does.

    The first request (the link itself) stores the token and redirects to the same page with
    LINK_KEPT_IN_SESSION instead: no later log line, Referer header or history entry carries it.
    Returns the token to use, or that redirect.
    """
    if token != LINK_KEPT_IN_SESSION:
        request.session[session_key] = token
        return redirect(url_name, LINK_KEPT_IN_SESSION)
    return request.session.get(session_key, "")


@sensitive_post_parameters("new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def signup_open(request: HttpRequest, token: str) -> HttpResponse:
    """From the e-mailed link: the client chooses a password and their account opens."""
    kept = token_from_link(request, token, session_key=_SIGNUP_LINK_KEY, url_name="signup:open")
    if isinstance(kept, HttpResponse):
        return kept
    token = kept
    invitation = services.invitation_for_token(token)
    problem = services.invitation_problem(invitation)
    if problem == LinkProblem.USED and request.method == "POST":
        repeated = _account_just_opened(request, invitation)
        if repeated is not None:  # a double click on "Créer mon espace"
            return _welcome(request, repeated)
    if invitation is None or problem is not None:  # no invitation: problem is UNKNOWN
        return _link_problem(request, problem or LinkProblem.UNKNOWN)
    account = User(email=invitation.sent_to, role=Role.CLIENT)
    form = AccountPasswordForm(account, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.account_open(token=token, password=form.cleaned_data["new_password1"])
        except ValidationError as exc:  # the same link followed twice at once
            return _link_problem(request, exc.code or LinkProblem.UNKNOWN)  # always a code
        return _welcome(request, user)
    return render(
        request,
        "registration/signup_open.html",
        {"form": form, "invitation": invitation, "client": invitation.client},
    )


def _welcome(request: HttpRequest, user: User) -> HttpResponse:
    request.session.pop(_SIGNUP_LINK_KEY, None)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, "Votre espace client est créé.")
    return redirect("portal:ai_status")


# Long enough for a double click on a slow connection.
_REPEAT_WINDOW = timedelta(seconds=60)


def _account_just_opened(request: HttpRequest, invitation) -> User | None:
    """The account this link opened a moment ago with the password posted again, if any."""
    user = invitation.client.user
    recent = invitation.used_at and invitation.used_at >= timezone.now() - _REPEAT_WINDOW
    password = request.POST.get("new_password1", "")
    if user is None or not recent or not user.check_password(password):
        return None
    return user


def _link_problem(request: HttpRequest, problem: str) -> HttpResponse:
    status = 404 if problem == LinkProblem.UNKNOWN else 200
    validity_hours = int(ACCOUNT_LINK_VALIDITY.total_seconds() // 3600)
    return render(
        request,
        "registration/signup_link_problem.html",
        {"problem": problem, "validity_hours": validity_hours},
        status=status,
    )
