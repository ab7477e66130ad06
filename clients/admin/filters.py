"""A change-list filter that opens on a chosen view (what is left to do) rather than on "all"."""

from django.contrib import admin


class DefaultChoiceFilter(admin.SimpleListFilter):
    """Subclasses give `default`, one of their lookups, selected when the URL names none."""

    default: str

    @property
    def current(self) -> str:
        return self.value() or self.default

    def choices(self, changelist):
        # Unlike the stock filter, no "All" entry: the subclass offers its own "everything".
        for value, label in self.lookup_choices:
            yield {
                "selected": self.current == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }
