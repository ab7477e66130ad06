"""Avance immédiate registration pages: the client's (portal) and the provider's forms.

The same two steps everywhere: the form stores the checked details on the client, then the
confirmation page shows exactly what URSSAF will receive and starts the registration.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients import ratelimit
from clients.access import AuthenticatedHttpRequest, client_required, provider_required
from clients.forms import add_service_errors
from clients.models import Client
from clients.views.provider import get_client_for_provider

from . import particulier, services
from .forms import AIRegistrationForm
from .models import AIOrigin
from .rules import START_REFUSED, STARTABLE, eligibility_errors

CHECK_WINDOW = 60  # seconds between two "I activated my account" checks of one client
KNOWN_ELSEWHERE_PARAM = "deja_inscrit"


# --- the client, from the portal -------------------------------------------------------------


@require_GET
@client_required
def portal_status(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Show where the client stands with the avance immédiate and what to do next."""
    client = request.user.client
    return render(request, "urssaf/registration_status.html", _status_context(client))


# The form is bank details and civil status: an error report shows none of its values.
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
@client_required
def portal_register(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The client fills the URSSAF form (step 1 of 2)."""
    client = request.user.client
    return _form_page(
        request,
        client,
        confirm_url=reverse("portal:ai_confirm"),
        back_url=reverse("portal:ai_status"),
    )


@require_http_methods(["GET", "POST"])
@client_required
def portal_confirm(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The client checks what URSSAF will receive and sends it (step 2 of 2)."""
    client = request.user.client
    return _confirm_page(
        request,
        client,
        origin=AIOrigin.CLIENT,
        form_url=reverse("portal:ai_register"),
        done_url=reverse("portal:ai_status"),
    )


@require_POST
@client_required
def portal_check(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Ask URSSAF now whether the client activated their account (they say they did)."""
    client = request.user.client
    key = str(client.pk)
    if not ratelimit.allow("ai-check", key, limit=1, window_seconds=CHECK_WINDOW):
        messages.info(request, "Vérification déjà demandée : actualisez la page dans un instant.")
    elif services.ai_activation_check_requested(client=client):
        messages.info(
            request,
            "Nous interrogeons l'URSSAF : actualisez cette page dans quelques secondes.",
        )
    return redirect("portal:ai_status")


# --- the provider, from the dashboard ----------------------------------------------------------


@sensitive_post_parameters()
@provider_required
@require_http_methods(["GET", "POST"])
def provider_register(request: AuthenticatedHttpRequest, code) -> HttpResponse:
    """The provider fills the URSSAF form for one of their clients (step 1 of 2)."""
    client = get_client_for_provider(request, code)
    return _form_page(
        request,
        client,
        confirm_url=reverse("provider:client_ai_confirm", args=[client.code]),
        back_url=reverse("provider:client_detail", args=[client.code]),
    )


@provider_required
@require_http_methods(["GET", "POST"])
def provider_confirm(request: AuthenticatedHttpRequest, code) -> HttpResponse:
    """The provider checks what URSSAF will receive and sends it (step 2 of 2)."""
    client = get_client_for_provider(request, code)
    detail_url = reverse("provider:client_detail", args=[client.code])
    return _confirm_page(
        request,
        client,
        origin=AIOrigin.PROVIDER,
        form_url=reverse("provider:client_ai_register", args=[client.code]),
        done_url=detail_url,
    )


@provider_required
@require_POST
def provider_register_many(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Register the selected clients whose records are complete, each on its own."""
    codes = set(request.POST.getlist("clients"))
    if not codes:
        messages.warning(request, "Sélectionnez au moins un client.")
        return redirect("provider:client_list")
    try:
        clients = list(Client.objects.for_provider(request.user.provider).filter(code__in=codes))
    except ValidationError as exc:  # a malformed code
        raise Http404 from exc
    if len(clients) != len(codes):
        raise Http404
    started, refused = services.ai_registrations_start_many(
        clients=clients, by=request.user, origin=AIOrigin.PROVIDER
    )
    if started:
        messages.success(request, f"{len(started)} inscription(s) envoyée(s) à l'URSSAF.")
    for client, reasons in refused.items():
        messages.warning(
            request,
            f"{client.full_name} : {' '.join(reasons)} Complétez sa fiche avec "
            "« Inscrire à l'avance immédiate ».",
        )
    return redirect("provider:client_list")


# --- the two steps, shared ------------------------------------------------------------------


def _form_page(
    request: AuthenticatedHttpRequest, client: Client, *, confirm_url: str, back_url: str
) -> HttpResponse:
    if client.ai_status not in STARTABLE:
        messages.info(request, START_REFUSED[client.ai_status])
        return redirect(back_url)
    form = AIRegistrationForm(request.POST or None, instance=client)
    if request.method == "POST" and form.is_valid():
        try:
            services.ai_client_prepare(
                client=client, data=form.registration_data(), by=request.user
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            query = f"?{KNOWN_ELSEWHERE_PARAM}=1" if form.cleaned_data["known_elsewhere"] else ""
            return redirect(confirm_url + query)
    return render(
        request,
        "urssaf/registration_form.html",
        {"form": form, "client": client, "back_url": back_url},
    )


def _confirm_page(
    request: AuthenticatedHttpRequest,
    client: Client,
    *,
    origin: AIOrigin,
    form_url: str,
    done_url: str,
) -> HttpResponse:
    if client.ai_status not in STARTABLE:
        messages.info(request, START_REFUSED[client.ai_status])
        return redirect(done_url)
    problems = eligibility_errors(client, timezone.localdate())
    if request.method == "POST" and not problems:
        try:
            services.ai_registration_start(
                client=client,
                by=request.user,
                origin=origin,
                known_elsewhere=request.POST.get(KNOWN_ELSEWHERE_PARAM) == "1",
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(form_url)
        messages.success(
            request,
            "Inscription envoyée à l'URSSAF. Un e-mail de l'URSSAF va suivre : il faut "
            "l'ouvrir et activer le compte sous 7 jours.",
        )
        return redirect(done_url)
    context = {
        "client": client,
        "problems": [message for messages_ in problems.values() for message in messages_],
        "sent": [] if problems else particulier.describe(_summary(client)),
        "known_elsewhere": request.GET.get(KNOWN_ELSEWHERE_PARAM) == "1",
        "form_url": form_url,
        "back_url": done_url,
    }
    return render(request, "urssaf/registration_confirm.html", context)


def _summary(client: Client) -> dict:
    return particulier.summary(particulier.build_particulier(client))


def _status_context(client: Client) -> dict:
    return {
        "client": client,
        "registration": client.ai_registrations.first(),
        "can_register": client.ai_status in STARTABLE,
    }
