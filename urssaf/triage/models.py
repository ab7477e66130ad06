"""The triage fields, states and constraint every record the staff may have to handle shares."""

from datetime import datetime
from typing import ClassVar

from django.db import models
from django.db.models import Count, Q
from django.utils import timezone

from audit.fields import actor_field

from ..exceptions import UrssafErrorDetail
from .advice import AdviceTable, Bucket


class TriageState(models.TextChoices):
    """Where the staff stand with a record; payment requests only use "open" and "resolved"."""

    OPEN = "open", "À traiter"
    CONTACTED = "contacted", "Client contacté"
    RESOLVED = "resolved", "Résolu"
    INELIGIBLE = "ineligible", "Non éligible"


# Still waiting for the staff: a contacted client has not answered yet.
OPEN_TRIAGE_STATES = (TriageState.OPEN, TriageState.CONTACTED)


class TriageQuerySet(models.QuerySet):
    def live(self):
        """Attempts still under way (the model's `live_states`): one at most per subject."""
        return self.filter(state__in=self.model.live_states)

    def in_triage(self):
        """Records that wait for the staff: failed, stuck or expired, not yet settled."""
        return self.filter(triage_state__in=OPEN_TRIAGE_STATES)

    def bucket_counts(self) -> dict[str, int]:
        """Return how many records wait in each bucket (one query)."""
        rows = self.in_triage().values("triage_bucket").annotate(total=Count("pk"))
        return {row["triage_bucket"]: row["total"] for row in rows}


class TriageRecord(models.Model):
    """What URSSAF answered when it went wrong, and the staff's handling of it.

    Concrete models give `triage_table` (their domain's advice) and redefine `triage_bucket`
    with their bucket choices (`bucket_field`). Each is one attempt about a subject (an invoice,
    a client) with a `state` and a `created_at`; `live_states` are the states of an attempt still
    under way, one at most per subject (`one_live_per`).
    """

    triage_table: ClassVar[AdviceTable]
    live_states: ClassVar[tuple[str, ...]]

    errors = models.JSONField("erreurs renvoyées", default=list, blank=True)
    triage_bucket = models.CharField("catégorie", max_length=16, blank=True)
    triage_state = models.CharField("suivi", max_length=16, choices=TriageState.choices, blank=True)
    triage_since = models.DateTimeField("à traiter depuis", null=True, blank=True)
    triage_note = models.TextField("note de l'équipe", blank=True)
    triaged_by = actor_field("traitée par")
    triaged_at = models.DateTimeField("traitée le", null=True, blank=True)

    # The fields `open_triage` writes, for a save limited to them.
    TRIAGE_FIELDS: ClassVar[list[str]] = [
        "errors",
        "triage_bucket",
        "triage_state",
        "triage_since",
        "triaged_by",
        "triaged_at",
    ]

    class Meta:
        abstract = True
        # Newest first; each concrete model has its own `created_at`.
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(triage_bucket="") | ~Q(triage_state=""),
                name="%(app_label)s_%(class)s_bucket_has_triage_state",
            ),
        ]
        indexes = [
            models.Index(
                fields=["triage_state", "triage_bucket"], name="%(app_label)s_%(class)s_triage"
            ),
        ]

    @staticmethod
    def bucket_field(choices: type[models.TextChoices]) -> models.CharField:
        """Return the `triage_bucket` field of a concrete model, with its domain's buckets."""
        return models.CharField("catégorie", max_length=16, choices=choices.choices, blank=True)

    @staticmethod
    def one_live_per(
        subject: str, live_states: tuple[str, ...], *, name: str
    ) -> models.UniqueConstraint:
        """Return the rule that a subject has one live attempt at most: two would send twice."""
        return models.UniqueConstraint(
            fields=[subject], condition=Q(state__in=live_states), name=name
        )

    @property
    def error_codes(self) -> list[str]:
        return [str(error.get("code", "")) for error in self.errors]

    @property
    def is_in_triage(self) -> bool:
        return self.triage_state in OPEN_TRIAGE_STATES

    @property
    def bucket_advice(self) -> Bucket | None:
        """Return how the record's bucket is presented to the staff, None when it has none."""
        return self.triage_table.bucket(self.triage_bucket)

    @property
    def code_advice(self):
        """Return each distinct error code with its advice, in URSSAF's order."""
        return self.triage_table.explain(self.error_codes)

    @property
    def client_advice(self) -> list[str]:
        """Return what the client should check after these errors, each advice once."""
        return self.triage_table.client_advice(self.error_codes)

    def open_triage(
        self, errors: list[UrssafErrorDetail], now: datetime | None = None
    ) -> list[str]:
        """Add the errors to the record and put it in the bucket they call for (not saved).

        Returns their codes. A record triaged before goes back to "open", unassigned.
        """
        now = now or timezone.now()
        at = now.isoformat()
        self.errors = [*self.errors, *(_error_dict(error, at) for error in errors)]
        codes = [error.code for error in errors]
        self.triage_bucket = self.triage_table.bucket_for(codes)
        self.triage_state = TriageState.OPEN
        self.triage_since = now
        self.triaged_by = None
        self.triaged_at = None
        return codes

    def close_triage(self, *, state: TriageState, by, now: datetime, note: str = "") -> None:
        """Record the staff's handling (not saved); the note is added, dated and signed."""
        self.triage_state = state
        self.triaged_by = by
        self.triaged_at = now
        self.add_triage_note(note, by=by, now=now)

    def add_triage_note(self, note: str, *, by, now: datetime) -> None:
        """Add a dated and signed note to the previous ones (not saved); a blank one is skipped."""
        if note.strip():
            line = f"{timezone.localtime(now):%d/%m/%Y %H:%M} — {by.email} : {note.strip()}"
            self.triage_note = "\n".join(filter(None, [self.triage_note, line]))


def _error_dict(error: UrssafErrorDetail, at: str) -> dict[str, str]:
    return {
        "code": error.code,
        "message": error.message,
        "description": error.description,
        "at": at,
    }
