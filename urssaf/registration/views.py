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
from clients.models import AIStatus, Client
from clients.views.provider import get_client_for_provider

from ..exceptions import TransientUrssafError
from . import particulier, services
from .eligibility import excluded_aids
from .forms import AIRegistrationForm
from .models import AIOrigin
from .rules import START_REFUSED, STARTABLE, eligibility_errors

CHECK_LIMIT = 5  # "I activated my account" checks per minute and client
KNOWN_ELSEWHERE_PARAM = "deja_inscrit"
SENT_MESSAGES = {
    AIOrigin.CLIENT: "Inscription enregistrée : elle part à l'URSSAF, qui vous enverra un "
    "e-mail pour activer votre compte (à faire dans les 7 jours).",
    AIOrigin.PROVIDER: "Inscription enregistrée : elle part à l'URSSAF, qui enverra au client "
    "un e-mail pour activer son compte (à faire dans les 7 jours).",
}
SENT_MESSAGES[AIOrigin.STAFF] = SENT_MESSAGES[AIOrigin.PROVIDER]


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
    """Ask URSSAF now, in this request, whether the client activated their account.

    Synchronous on purpose: the answer is on the next page, whatever runs the workers and
    whatever the cache. A few checks a minute are allowed, enough for an early click and one
    right after the activation, not enough to hammer URSSAF.
    """
    client = request.user.client
    if client.ai_status != AIStatus.AWAITING_ACTIVATION:
        return redirect("portal:ai_status")
    if not ratelimit.allow("ai-check", str(client.pk), limit=CHECK_LIMIT, window_seconds=60):
        messages.info(request, "Vous avez déjà vérifié plusieurs fois : réessayez dans une minute.")
        return redirect("portal:ai_status")
    try:
        status = services.ai_activation_poll(client_id=client.pk)
    except TransientUrssafError:
        messages.warning(
            request,
            "L'URSSAF ne répond pas pour l'instant : réessayez dans quelques minutes. "
            "Nous vérifions aussi de notre côté et vous écrirons dès que ce sera actif.",
        )
        return redirect("portal:ai_status")
    if status == AIStatus.ACTIVE:
        messages.success(request, "Votre compte URSSAF est activé : l'avance immédiate est active.")
    elif status == AIStatus.AWAITING_ACTIVATION:
        messages.info(
            request,
            "L'URSSAF n'a pas encore enregistré l'activation. Terminez-la avec le lien de son "
            "e-mail, puis vérifiez de nouveau.",
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
    form = AIRegistrationForm(
        request.POST or None,
        instance=client,
        for_client=request.user.is_client,
        initial=_email_initial(request, client),
    )
    if request.method == "POST" and form.save_through_service(by=request.user):
        # Back from the review ("Modifier"), the address typed twice stays confirmed.
        request.session[_confirmed_key(client)] = form.cleaned_data["email"]
        query = f"?{KNOWN_ELSEWHERE_PARAM}=1" if form.cleaned_data["known_elsewhere"] else ""
        return redirect(confirm_url + query)
    return render(
        request,
        "urssaf/registration_form.html",
        {"form": form, "client": client, "back_url": back_url},
    )


def _confirmed_key(client: Client) -> str:
    return f"ai_email_confirmed:{client.code}"


def _email_initial(request: AuthenticatedHttpRequest, client: Client) -> dict:
    """The e-mail the form starts with: the address the client logs in with when she fills it
    herself (the record may hold an older one), confirmed already when she comes back from
    the review."""
    if request.session.get(_confirmed_key(client)) == client.email:
        return {"email_confirmation": client.email}
    if request.user.is_client and request.user.email != client.email:
        return {"email": request.user.email}
    return {}


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
        messages.success(request, SENT_MESSAGES[origin])
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
        # Dated configuration: APA and PCH beneficiaries are excluded until URSSAF opens it.
        "aids_excluded": excluded_aids(timezone.localdate()),
        "registration": client.ai_registrations.first(),
        "can_register": client.ai_status in STARTABLE,
    }
