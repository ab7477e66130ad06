"""Stored addresses move to URSSAF's official street-type codes (API.md §0.1)."""

import importlib

import pytest
from django.apps import apps

from clients.models import STREET_TYPES, Client
from tests.factories import ClientFactory

migration = importlib.import_module("clients.migrations.0006_street_types_official_urssaf_list")

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("stored", "official"),
    [("QUA", "Q"), ("CRS", "C"), ("quai", "Q"), ("CITE", "CI"), ("R", "R"), ("", "")],
)
def test_the_migration_gives_each_stored_address_the_official_code(stored, official):
    client = ClientFactory()
    Client.objects.filter(pk=client.pk).update(street_type=stored)

    migration.to_official_codes(apps, None)

    client.refresh_from_db()
    assert client.street_type == official


def test_every_code_the_migration_writes_is_in_the_official_list():
    assert set(migration.OFFICIAL_CODE_OF.values()) <= set(STREET_TYPES)
    assert not set(migration.OFFICIAL_CODE_OF) & set(STREET_TYPES)
