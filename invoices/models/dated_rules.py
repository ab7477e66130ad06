"""Rules that change on a date: dated configuration, edited in the admin, never hard-coded."""

from typing import ClassVar

from django.db import models
from django.db.models import F, Q

from clients.validators import validate_period_free


class DatedRulesQuerySet(models.QuerySet):
    def in_force_on(self, day):
        return self.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day), valid_from__lte=day)


class DatedRules(models.Model):
    """A set of rules valid over a period; `valid_to` empty means "until further notice".

    When the law changes, the staff close one period and add the next. The periods of a model
    never overlap (checked in `clean`), so that any day has one answer.
    """

    # Said when a period overlaps another one, in the words of the subclass.
    overlap_message: ClassVar[str]

    label = models.CharField("libellé", max_length=120)
    valid_from = models.DateField("applicable du")
    valid_to = models.DateField("applicable jusqu'au", null=True, blank=True)

    objects = DatedRulesQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        super().clean()
        validate_period_free(self, self.overlap_message)

    @staticmethod
    def period_ordered(name: str) -> models.CheckConstraint:
        """Return the constraint that a period does not end before it starts."""
        return models.CheckConstraint(
            condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
            name=name,
            violation_error_message="La fin de validité précède son début.",
        )
