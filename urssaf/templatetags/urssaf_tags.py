"""Template helpers for URSSAF: the triage counts of the admin home."""

from django import template
from django.apps import apps
from django.urls import reverse

register = template.Library()


@register.simple_tag
def triage_counts(model_label: str) -> dict:
    """Return a triage queue's URL and, per bucket, its label, count, next action and URL.

    `model_label` names a model with triage ("urssaf.AIRegistration", "urssaf.PaymentRequest").
    """
    model = apps.get_model(model_label)
    counts = model.objects.bucket_counts()
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    buckets = [
        {
            "bucket": bucket,
            "label": bucket.label,
            "count": counts.get(bucket, 0),
            "next_action": presentation.next_action,
            "url": f"{changelist}?triage_bucket__exact={bucket.value}",
        }
        for bucket, presentation in model.triage_table.buckets.items()
    ]
    return {"buckets": buckets, "changelist": changelist}
