"""What both triage queues (registrations, payment requests) share in the admin."""

from django.contrib import admin


class OpenTriageFilter(admin.SimpleListFilter):
    """Defaults to what is left to do; another choice narrows or widens the queue.

    Subclasses give `lookup_choices_middle` (the states between "to do" and "everything") and
    the labels; the model's queryset must offer `in_triage()`.
    """

    title = "suivi"
    parameter_name = "suivi"
    LEFT_TO_DO = "a_traiter"
    EVERYTHING = "tout"
    todo_label = "À traiter"
    everything_label = "Tout"
    middle_choices: list[tuple[str, str]] = []

    def lookups(self, request, model_admin):
        return [
            (self.LEFT_TO_DO, self.todo_label),
            *self.middle_choices,
            (self.EVERYTHING, self.everything_label),
        ]

    def queryset(self, request, queryset):
        value = self.value() or self.LEFT_TO_DO
        if value == self.LEFT_TO_DO:
            return queryset.in_triage()
        if value == self.EVERYTHING:
            return queryset
        return queryset.filter(triage_state=value)

    def choices(self, changelist):
        current = self.value() or self.LEFT_TO_DO
        for value, label in self.lookup_choices:
            yield {
                "selected": current == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }
