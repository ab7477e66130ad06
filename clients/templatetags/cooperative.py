"""The cooperative's contact on pages whose view knows no cooperative (the login lockout,
rendered by django-axes)."""

from django import template

from clients.models import Cooperative

register = template.Library()


@register.inclusion_tag("registration/_contact_cooperative.html")
def cooperative_contact() -> dict:
    """Render who to contact: the portal's cooperative (one per portal), or "la coopérative"."""
    return {"cooperative": Cooperative.objects.first()}
