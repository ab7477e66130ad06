"""Admin titles in natural French: « Modifier la facture », « Ajouter un prestataire ».

Django builds them from the model's name alone (« Modification de inscription », « Ajouter
facture »); French needs the noun's gender and the elision before a vowel. Every admin of the
portal inherits `FrenchTitles`.
"""

from django.contrib import admin
from django.utils.text import capfirst

# Feminine nouns that start the portal's model names; any other is masculine.
FEMININE = {
    "attestation",
    "coopérative",
    "demande",
    "entrée",
    "facture",
    "génération",
    "inscription",
    "invitation",
    "ligne",
    "nature",
    "numérotation",
    "reprise",
}
VOWELS = tuple("aeiouyhàâéèêëîïôöûü")


def with_article(noun: str, *, definite: bool) -> str:
    """Return `noun` after its article: « la facture », « l'inscription », « un devis »."""
    feminine = noun.split()[0].lower() in FEMININE
    if not definite:
        return f"{'une' if feminine else 'un'} {noun}"
    if noun.lower().startswith(VOWELS):
        return f"l'{noun}"
    return f"{'la' if feminine else 'le'} {noun}"


def name_inputs(form) -> None:
    """Name each input of `form` after its field, for rows whose labels are a table's head."""
    for field in form.fields.values():
        # A foreign key's select is wrapped by the admin (the "+" and pencil links).
        widget = getattr(field.widget, "widget", field.widget)
        widget.attrs.setdefault("aria-label", capfirst(str(field.label)))


class FrenchTitles:
    """Give the add, change, view and list pages of a ModelAdmin French titles, and the inputs
    of an editable list the name of their column (Django renders them without a label)."""

    def get_changelist_form(self, request, **kwargs):
        form_class = super().get_changelist_form(request, **kwargs)

        class NamedInputs(form_class):
            def __init__(self, *args, **kw):
                super().__init__(*args, **kw)
                name_inputs(self)

        return NamedInputs

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        name = str(self.model._meta.verbose_name)
        if object_id is None:
            title = f"Ajouter {with_article(name, definite=False)}"
        elif self.has_change_permission(request):
            title = f"Modifier {with_article(name, definite=True)}"
        else:
            title = f"Consulter {with_article(name, definite=True)}"
        extra_context = {"title": title, **(extra_context or {})}
        return super().changeform_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        opts = self.model._meta
        extra_context = {
            "title": capfirst(str(opts.verbose_name_plural)),
            # admin/change_list_object_tools.html
            "add_label": f"Ajouter {with_article(str(opts.verbose_name), definite=False)}",
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)


class LabelledTabularInline(admin.TabularInline):
    """A tabular inline whose inputs carry their column's name: Django writes the names in the
    table head only, which leaves screen readers with unnamed fields."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)

        class NamedInputs(formset):
            def add_fields(self, form, index):
                super().add_fields(form, index)  # the formset's own: "Supprimer", the key
                name_inputs(form)

        return NamedInputs
