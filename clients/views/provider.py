"""The provider's client screens: list, record, create, edit. Every lookup is owner-scoped."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from invoices.models import Invoice
from invoices.templatetags.fr_format import datetime_fr
from urssaf.payments.selectors import client_has_request_to_validate

from .. import services
from ..access import AuthenticatedHttpRequest, provider_required
from ..forms import ClientForm, ClientSearchForm, add_service_errors
from ..models import Client
from ..record_history import record_history

CLIENTS_PER_PAGE = 25


def get_client_for_provider(request: AuthenticatedHttpRequest, code) -> Client:
    """Return one of the provider's clients; any other client is a 404, like a missing one."""
    return get_object_or_404(Client.objects.for_provider(request.user.provider), code=code)


def _client_data(form: ClientForm) -> dict:
    return {field: form.cleaned_data[field] for field in form.Meta.fields}


@provider_required
@require_GET
def client_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    provider = request.user.provider
    form = ClientSearchForm(request.GET)
    clients = (
        Client.objects.for_provider(provider)
        .annotate(
            invoice_count=Count("invoices", filter=Q(invoices__provider=provider)),
            # A payment request the client has to validate on their URSSAF space.
            has_request_to_validate=client_has_request_to_validate(provider),
        )
        # Aggregating drops Meta.ordering; the pk breaks ties so pages never overlap.
        .order_by("birth_name", "first_names", "pk")
    )
    query = form.cleaned_data["q"] if form.is_valid() else ""
    if query:
        clients = clients.filter(
            Q(birth_name__icontains=query)
            | Q(usage_name__icontains=query)
            | Q(first_names__icontains=query)
            | Q(email__icontains=query)
        )
    page = Paginator(clients, CLIENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request, "provider/client_list.html", {"form": form, "page": page, "query": query}
    )


# One answer whether or not the cooperative already knew this e-mail: see
# services.client_create_for_provider.
CREATED = (
    "{name} a été ajouté(e) à vos clients. Si cette personne avait déjà une fiche à la "
    "coopérative sous cette adresse e-mail, nous lui avons écrit pour qu'elle accepte de vous "
    "y rattacher ; en attendant, vous travaillez sur cette nouvelle fiche."
)
ALREADY_MINE = "{name} est déjà dans vos clients avec cette adresse e-mail : voici sa fiche."


@provider_required
@require_http_methods(["GET", "POST"])
def client_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ClientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            client, created = services.client_create_for_provider(
                provider=request.user.provider, data=_client_data(form)
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            message = CREATED if created else ALREADY_MINE
            messages.success(request, message.format(name=client.full_name))
            return redirect("provider:client_detail", code=client.code)
    return render(request, "provider/client_form.html", {"form": form})


@provider_required
@require_GET
def client_detail(request: AuthenticatedHttpRequest, code) -> HttpResponse:
    client = get_client_for_provider(request, code)
    invoices = (
        Invoice.objects.for_user(request.user)
        .filter(client=client)
        .with_amount_paid()
        .order_by("-created_at", "-pk")
    )
    context = {
        "client": client,
        "invoices": invoices,
        "invitation": client.account_invitations.usable().first(),
        "history": record_history(client),
    }
    return render(request, "provider/client_detail.html", context)


@provider_required
@require_http_methods(["GET", "POST"])
def client_edit(request: AuthenticatedHttpRequest, code) -> HttpResponse:
    client = get_client_for_provider(request, code)
    form = ClientForm(request.POST or None, instance=client)
    if request.method == "POST" and form.is_valid():
        try:
            services.client_update(client=client, data=_client_data(form), by=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Fiche client enregistrée.")
            return redirect("provider:client_detail", code=client.code)
    return render(request, "provider/client_form.html", {"form": form, "client": client})


@provider_required
@require_POST
def client_invite(request: AuthenticatedHttpRequest, code) -> HttpResponse:
    """E-mail the client the link to open their portal account (at the address on the record)."""
    client = get_client_for_provider(request, code)
    try:
        invitation = services.account_invitation_send(client=client, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        until = datetime_fr(invitation.expires_at)
        messages.success(
            request,
            f"Invitation envoyée à {invitation.sent_to} : le lien est valable jusqu'au {until}. "
            "Rappelez au client de regarder aussi dans ses courriers indésirables.",
        )
    return redirect("provider:client_detail", code=client.code)
