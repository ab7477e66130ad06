"""The audit trail: who did what, when, to which record. Entries are never edited.

The lowest layer of the portal: every app writes to it, it imports none of them (the actor is
the configured user model, the record any model through its content type).
"""

from django.db import models
from django.utils import timezone

from .fields import actor_field
from .labels import action_label


class AuditEntry(models.Model):
    """Who did what, when, to which record: status changes and staff actions. Never edited."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="date")
    actor = actor_field("auteur")
    action = models.CharField("action", max_length=64)
    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, verbose_name="type d'objet"
    )
    object_id = models.CharField(max_length=64, verbose_name="identifiant de l'objet")
    object_repr = models.CharField("objet", max_length=200)
    changes = models.JSONField("changements", default=dict, blank=True)
    note = models.TextField("note", blank=True)

    class Meta:
        verbose_name = "entrée du journal d'audit"
        verbose_name_plural = "journal d'audit"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="audit_entry_object_idx")
        ]

    def __str__(self) -> str:
        # Shown in the admin beside columns in Paris time: the same clock here.
        at = timezone.localtime(self.created_at)
        return f"{at:%d/%m/%Y %H:%M} {self.action_label} {self.object_repr}"

    @property
    def action_label(self) -> str:
        return action_label(self.action)
