"""Template helpers for the avance immédiate: the client's advice and the triage counts."""

from django import template
from django.db.models import Count
from django.urls import reverse

from clients import ai_triage
from clients.models import AIRegistration, TriageBucket

register = template.Library()


@register.filter
def ai_client_advice(registration: AIRegistration | None) -> list[str]:
    """Return what the client should check after this attempt's errors, each advice once."""
    if registration is None:
        return []
    explained = ai_triage.explain(registration.error_codes)
    return list(dict.fromkeys(advice.client_advice for _, advice in explained))


@register.simple_tag
def ai_triage_counts() -> list[dict]:
    """Return, per triage bucket, its label, how many registrations wait, and the queue's URL."""
    counts = dict(
        AIRegistration.objects.in_triage()
        .values_list("triage_bucket")
        .annotate(total=Count("pk"))
        .values_list("triage_bucket", "total")
    )
    changelist = reverse("admin:clients_airegistration_changelist")
    return [
        {
            "bucket": bucket,
            "label": bucket.label,
            "count": counts.get(bucket, 0),
            "next_action": ai_triage.BUCKETS[bucket].next_action,
            "url": f"{changelist}?triage_bucket__exact={bucket.value}",
        }
        for bucket in TriageBucket
    ]
