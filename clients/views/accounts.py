"""Account pages open to anyone: password reset by e-mail, a client's answer to a provider.

The reset pages are Django's, with French templates; the request form sends through a
rate-limited task, so the answer never says whether an address has an account.
"""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_http_methods

from .. import services
from ..account_forms import PasswordResetRequestForm
from ..models import Cooperative
from ..services.links import LINK_REQUEST_VALIDITY
from .signup import token_from_link

# GET shows the form, POST sends it; nothing else (FormView would take PUT as a POST).
_get_post = method_decorator(require_http_methods(["GET", "POST"]), name="dispatch")


@_get_post
class PasswordReset(auth_views.PasswordResetView):
    form_class = PasswordResetRequestForm
    template_name = "registration/password_reset_form.html"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDone(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"
    http_method_names = ["get"]

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "validity_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
            "cooperative": Cooperative.objects.first(),
        }


@_get_post
class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_reset_completed(user=form.user)
        return response


class PasswordResetComplete(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"
    http_method_names = ["get"]


@require_http_methods(["GET", "POST"])
def link_request(request: HttpRequest, token: str) -> HttpResponse:
    """The client, from the e-mailed link, lets a provider join their record or refuses."""
    kept = token_from_link(
        request, token, session_key="_link_request_link", url_name="accounts:link_request"
    )
    if isinstance(kept, HttpResponse):
        return kept
    token = kept
    link = services.link_request_for_token(token)
    if link is None:
        return _link_request_invalid(request)
    if request.method == "GET":
        return render(request, "registration/link_request.html", {"link": link})
    answer = request.POST.get("answer")
    if answer not in ("accept", "decline"):
        return HttpResponseBadRequest()
    try:
        link = services.link_request_answer(token=token, accept=answer == "accept")
    except ValidationError:  # answered at the same moment from another tab
        return _link_request_invalid(request)
    return render(request, "registration/link_request_done.html", {"link": link})


def _link_request_invalid(request: HttpRequest) -> HttpResponse:
    context = {
        "validity_days": LINK_REQUEST_VALIDITY.days,
        "cooperative": Cooperative.objects.first(),
    }
    return render(request, "registration/link_request_invalid.html", context, status=404)
