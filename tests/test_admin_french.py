"""The admin speaks French: every model and field is named, titles are gendered sentences."""

from http import HTTPStatus

import pytest
from django.apps import apps
from django.urls import reverse

from clients.admin.french import with_article

pytestmark = pytest.mark.django_db

PORTAL_APPS = ("audit", "books", "clients", "invoices", "urssaf")
# Field names that are already French words: Django's default label is right for them.
FRENCH_NAMES = {"action", "client", "code", "description", "logo", "nature", "note", "version"}


def test_every_model_and_field_of_the_portal_has_a_french_name():
    unnamed = []
    for model in apps.get_models():
        opts = model._meta
        if opts.app_label not in PORTAL_APPS:
            continue
        if opts.verbose_name == opts.model_name not in FRENCH_NAMES or (
            opts.verbose_name_plural.endswith("ss")
        ):
            unnamed.append(f"{model.__name__} (model)")
        for field in opts.get_fields():
            if field.auto_created or not hasattr(field, "verbose_name"):
                continue
            if field.verbose_name == field.name.replace("_", " ") not in FRENCH_NAMES:
                unnamed.append(f"{model.__name__}.{field.name}")
    assert unnamed == []


@pytest.mark.parametrize(
    ("noun", "definite", "expected"),
    [
        ("facture", True, "la facture"),
        ("prestataire", True, "le prestataire"),
        ("inscription à l'avance immédiate", True, "l'inscription à l'avance immédiate"),
        ("entrée du journal d'audit", False, "une entrée du journal d'audit"),
        ("devis", False, "un devis"),
    ],
)
def test_nouns_take_their_article(noun, definite, expected):
    assert with_article(noun, definite=definite) == expected


def test_admin_pages_have_gendered_french_titles(client, sam, carol):
    client.force_login(sam)

    add = client.get(reverse("admin:clients_provider_add")).content.decode()
    change = client.get(reverse("admin:clients_provider_change", args=[carol.pk]))
    listing = client.get(reverse("admin:clients_provider_changelist")).content.decode()

    assert "<h1>Ajouter un prestataire</h1>" in add
    assert change.status_code == HTTPStatus.OK
    assert "<h1>Modifier le prestataire</h1>" in change.content.decode()
    assert "<h1>Prestataires</h1>" in listing
    assert "Ajouter un prestataire</a>" in listing
    assert "Modification de" not in change.content.decode()


def test_the_inputs_of_an_editable_list_are_named_for_screen_readers(client, sam):
    client.force_login(sam)

    html = client.get(reverse("admin:books_accountmapping_changelist")).content.decode()

    assert 'aria-label="Numéro de compte"' in html


def test_the_inputs_of_a_tabular_inline_are_named_for_screen_readers(client, sam):
    from invoices.models import TaxRuleSet

    client.force_login(sam)
    rules = TaxRuleSet.objects.first()

    html = client.get(reverse("admin:invoices_taxruleset_change", args=[rules.pk])).content
    html = html.decode()

    assert 'id="id_sub_ceilings-0-annual_cap"' in html
    assert 'aria-label="Plafond annuel" id="id_sub_ceilings-0-annual_cap"' in html
