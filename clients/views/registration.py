"""Self-registration: a client creates their portal account from one of their invoices.

Once in, they are asked about the avance immédiate (urssaf/registration/views.py).
"""

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from .. import ratelimit, services
from ..account_forms import SignupForm
from ..forms import add_service_errors
from ..net import client_ip

# Self-registration guesses: per visitor address, and per invoice number whatever the address
# (a number is the secret half an attacker already holds).
SIGNUP_IP_LIMIT, SIGNUP_IP_WINDOW = 10, 15 * 60
SIGNUP_NUMBER_LIMIT, SIGNUP_NUMBER_WINDOW = 5, 24 * 3600
SIGNUP_THROTTLED = (
    "Trop de tentatives : pour votre sécurité, réessayez plus tard ou contactez la coopérative."
)


# --- self-registration -----------------------------------------------------------------------


@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Create a client's portal account from one of their invoices, then ask about AI."""
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = _signup(request, form)
        if user is not None:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "Votre espace client est créé.")
            return redirect("portal:ai_status")
    return render(request, "clients/signup.html", {"form": form})


def _signup(request: HttpRequest, form: SignupForm):
    address = client_ip(request)
    number = form.cleaned_data["invoice_number"]
    if ratelimit.is_limited("signup-ip", address, limit=SIGNUP_IP_LIMIT) or ratelimit.is_limited(
        "signup-invoice", number, limit=SIGNUP_NUMBER_LIMIT
    ):
        form.add_error(None, SIGNUP_THROTTLED)
        return None
    ratelimit.hit("signup-ip", address, window_seconds=SIGNUP_IP_WINDOW)
    try:
        return services.client_account_create(
            invoice_number=number,
            invoice_date=form.cleaned_data["invoice_date"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
        )
    except ValidationError as exc:
        ratelimit.hit("signup-invoice", number, window_seconds=SIGNUP_NUMBER_WINDOW)
        add_service_errors(form, exc)
        return None
