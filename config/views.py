from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Answer load balancers and docker's health check; touches neither DB nor cache."""
    return JsonResponse({"status": "ok"})
