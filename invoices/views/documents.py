"""What the provider's screens of every kind of billing document share: the owner-scoped lookup,
the draft form and its two pages (new and edit), and the buttons that run one service on a document.

Each kind describes its screens once, as a DocumentScreens (invoices in provider.py, quotes in
quotes.py); writes go through invoices.services, whose French refusals are shown on the page.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.contrib import messages
from django.contrib.messages.storage.base import BaseStorage
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from clients.access import AuthenticatedHttpRequest, provider_required
from clients.forms import add_service_errors
from clients.models import Client, Provider

from .. import rules
from ..forms import LINES_PREFIX, BaseLineFormSet, DocumentHeaderForm, lines_initial
from ..models import BillingDocument

DocumentT = TypeVar("DocumentT", bound=BillingDocument)
# Covariant: the invoices' screens are billing documents' screens (their fields are only read).
KindT = TypeVar("KindT", bound=BillingDocument, covariant=True)


@dataclass(frozen=True)
class DocumentScreens(Generic[KindT]):
    """One kind's provider screens: its model, forms, draft services, routes and messages."""

    model: type[KindT]
    form: type[DocumentHeaderForm]
    formset: type[BaseLineFormSet]
    create: Callable[..., KindT]  # the draft services
    update: Callable[..., KindT]
    template: str
    detail: str  # the route of a document's page, which takes its code
    related: tuple[str, ...]  # what its pages show along with it (select_related)
    created: str  # the success messages of a new draft and of an edited one
    saved: str


def get_document(request: HttpRequest, model: type[DocumentT], code, *related: str) -> DocumentT:
    """Return a document the user may see; anyone else's is a 404, like a missing one."""
    documents = model.objects.for_user(request.user)
    return get_object_or_404(
        documents.select_related("client", "cooperative", "provider", *related), code=code
    )


def document_notices(document: BillingDocument, lines) -> list[str]:
    """Return the sub-ceiling notices of a document still in play (not a cancelled invoice)."""
    if getattr(document, "is_cancelled", False):
        return []
    return rules.notices(rules.subject_of(document, lines))


def flash_errors(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def flash_once(request: HttpRequest, level: int, text: str) -> None:
    """Flash `text` unless it already waits to be shown: after a double click, the first
    click's message is usually still pending (its page was never displayed)."""
    storage = messages.get_messages(request)
    pending = [str(message) for message in storage]
    if isinstance(storage, BaseStorage):  # a plain list only without the messages middleware
        storage.used = False  # looking is not showing: keep them for the next page
    if text not in pending:
        messages.add_message(request, level, text)


def bind_document_forms(
    request: HttpRequest,
    provider: Provider,
    screens: DocumentScreens[BillingDocument],
    **form_kwargs,
) -> tuple[DocumentHeaderForm, BaseLineFormSet]:
    """Bind a document's header and lines; the lines are checked against the header's period."""
    form = screens.form(request.POST, provider=provider, **form_kwargs)
    period = (
        (form.cleaned_data["period_start"], form.cleaned_data["period_end"])
        if form.is_valid()
        else None
    )
    formset = screens.formset(request.POST, prefix=LINES_PREFIX, provider=provider, period=period)
    return form, formset


def preselected_client(request: HttpRequest, provider: Provider) -> Client | None:
    code = request.GET.get("client")
    if not code:
        return None
    try:
        return Client.objects.for_provider(provider).filter(code=code).first()
    except ValidationError:  # not a UUID: nothing to preselect
        return None


def _save(
    request, screens: DocumentScreens[BillingDocument], document, form, formset
) -> BillingDocument | None:
    """Run the create or update service; on a refusal, show it on the form and return None."""
    provider = request.user.provider
    data = {**form.document_data(), "lines": formset.line_data()}
    try:
        if document is None:
            return screens.create(provider=provider, client=form.cleaned_data["client"], **data)
        # Services take the document under its model's name (always set on a concrete model).
        return screens.update(**{screens.model._meta.model_name: document}, **data)  # type: ignore[misc]
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None


def draft_form(
    request: AuthenticatedHttpRequest,
    screens: DocumentScreens[BillingDocument],
    document: BillingDocument | None = None,
) -> HttpResponse:
    """The page that writes a new draft (`document` None) or edits one."""
    if document is not None and not document.is_editable:
        messages.error(request, document.kind.not_editable)
        return redirect(screens.detail, code=document.code)
    provider = request.user.provider
    header = {"with_client": document is None}
    if request.method == "POST":
        form, formset = bind_document_forms(request, provider, screens, **header)
        if form.is_valid() and formset.is_valid():
            saved = _save(request, screens, document, form, formset)
            if saved is not None:
                messages.success(request, screens.created if document is None else screens.saved)
                return redirect(screens.detail, code=saved.code)
    elif document is None:
        client = preselected_client(request, provider)
        start, end = screens.form.default_period(timezone.localdate(), client)
        initial = {"period_start": start, "period_end": end, "client": client}
        form = screens.form(provider=provider, initial=initial)
        formset = screens.formset(prefix=LINES_PREFIX, provider=provider)
    else:
        form = screens.form(provider=provider, initial=screens.form.initial_for(document), **header)
        rows = lines_initial(document)
        formset = screens.formset(prefix=LINES_PREFIX, provider=provider, initial=rows)
    context = {"form": form, "formset": formset, "document": document}
    return render(request, screens.template, context)


def draft_views(
    screens: DocumentScreens[BillingDocument],
) -> tuple[Callable[..., HttpResponseBase], Callable[..., HttpResponseBase]]:
    """Return a kind's two draft pages, named after its model (`invoice_create`,
    `invoice_edit`): the form of a new draft, and the same form on a draft found by its code."""
    kind = screens.model._meta.model_name

    @provider_required
    @require_http_methods(["GET", "POST"])
    def create(request: AuthenticatedHttpRequest) -> HttpResponse:
        return draft_form(request, screens)

    @provider_required
    @require_http_methods(["GET", "POST"])
    def edit(request: AuthenticatedHttpRequest, code) -> HttpResponse:
        document = get_document(request, screens.model, code, *screens.related)
        return draft_form(request, screens, document)

    create.__name__, edit.__name__ = f"{kind}_create", f"{kind}_edit"
    create.__qualname__, edit.__qualname__ = create.__name__, edit.__name__
    return create, edit


def run_service(
    request: HttpRequest,
    screens: DocumentScreens[DocumentT],
    code,
    service: Callable[..., object],
    success: str,
    then: str = "",
    repeat: Callable[[DocumentT], object] | None = None,
    **kwargs,
) -> HttpResponse:
    """Run one service on a document from a button of its page.

    The service takes the document under its model's name, like every service of invoices
    (`invoice_issue(invoice=…, by=…)`), and `kwargs`. On success, flash `success` (formatted
    with the service's result as `result`) and go to the route `then` (the page of the
    document the service returned, or a page without argument), or back to the page; a French
    refusal is flashed on the page.

    `repeat`, given the document as it is after a refusal, returns what the service would
    have returned if the refusal only says it was done already (a double click, two tabs):
    then the visitor gets the answer of the first click, not an error.
    """
    document = get_document(request, screens.model, code, *screens.related)
    try:
        result = service(**{screens.model._meta.model_name: document}, **kwargs)  # type: ignore[misc]
    except ValidationError as exc:
        document.refresh_from_db()
        result = repeat(document) if repeat is not None else None
        if result is None:
            flash_errors(request, exc)
            return redirect(screens.detail, code=document.code)
    flash_once(request, messages.SUCCESS, success.format(result=result))
    if not then:
        return redirect(screens.detail, code=document.code)
    if isinstance(result, BillingDocument):
        return redirect(then, code=result.code)
    return redirect(then)
