"""Template helpers for payment requests: the triage counts of the admin home."""

from django import template
from django.db.models import Count
from django.urls import reverse

from urssaf import triage
from urssaf.models import PaymentRequest, TriageBucket

register = template.Library()


@register.simple_tag
def payment_triage_counts() -> dict:
    """Return the queue's URL and, per triage bucket, its label, count, advice and URL."""
    counts = dict(
        PaymentRequest.objects.in_triage()
        .values_list("triage_bucket")
        .annotate(total=Count("pk"))
        .values_list("triage_bucket", "total")
    )
    changelist = reverse("admin:urssaf_paymentrequest_changelist")
    buckets = [
        {
            "bucket": bucket,
            "label": bucket.label,
            "count": counts.get(bucket, 0),
            "next_action": triage.BUCKETS[bucket].next_action,
            "url": f"{changelist}?triage_bucket__exact={bucket.value}",
        }
        for bucket in TriageBucket
    ]
    return {"buckets": buckets, "changelist": changelist}
