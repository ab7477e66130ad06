"""Template helpers for URSSAF: the triage counts and the guarantee status of the admin home."""

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


@register.inclusion_tag("admin/urssaf/_guarantee_status.html")
def guarantee_status() -> dict:
    """Return the year's avance immédiate total against the guarantee threshold, for staff."""
    from django.utils import timezone

    from urssaf.guarantee import rules
    from urssaf.payments.models import PaymentRequest, RequestState
    from urssaf.payments.triage_table import PaymentBucket

    today = timezone.localdate()
    changelist = reverse("admin:urssaf_paymentrequest_changelist")
    return {
        "status": rules.year_status(today.year, today),
        "held_count": PaymentRequest.objects.filter(state=RequestState.HELD).count(),
        "held_url": f"{changelist}?triage_bucket__exact={PaymentBucket.GUARANTEE.value}",
    }


@register.inclusion_tag("admin/urssaf/_mandates_to_stop.html")
def mandates_to_stop() -> dict:
    """Return how many client mandates wait to be stopped since the client's avance immédiate."""
    from invoices.models import PaymentMandate

    return {
        "count": PaymentMandate.objects.to_stop().count(),
        "url": reverse("admin:invoices_paymentmandate_changelist"),
    }
