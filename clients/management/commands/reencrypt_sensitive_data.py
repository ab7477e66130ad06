"""Rewrite every encrypted value with the newest key, and every keyed hash with the newest hash key.

Key rotation: put the new key first in SAP_FIELD_ENCRYPTION_KEYS (or SAP_FIELD_HASH_KEYS), keep
the old ones after it, deploy, run this command; once it reports nothing left to do, the old
keys can be removed. Safe to interrupt and run again: values already current are left alone.
"""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from clients.encryption import (
    KeyedHashField,
    encrypted_columns,
    is_current,
    keyed_hash,
    reencrypt,
    rewrite_stored_values,
)


def _to_newest_key(token: str) -> str:
    return token if is_current(token) else reencrypt(token)


class Command(BaseCommand):
    help = "Re-encrypt sensitive data with the newest key and recompute the keyed hashes."

    def handle(self, *args, **options):
        for model, columns in encrypted_columns().items():
            with transaction.atomic():
                count = rewrite_stored_values(
                    connection, model._meta.db_table, columns, _to_newest_key
                )
            self.stdout.write(f"{model._meta.label}: {count} row(s) re-encrypted")
        for model, fields in _hashed_fields().items():
            count = _rehash(model, fields)
            self.stdout.write(f"{model._meta.label}: {count} keyed hash(es) recomputed")


def _hashed_fields() -> dict:
    hashed: dict = {}
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, KeyedHashField)]
        if fields:
            hashed[model] = fields
    return hashed


def _rehash(model, fields: list[KeyedHashField]) -> int:
    """Recompute the hashes that differ from the newest key's; return how many were written."""
    names = [field.attname for field in fields]
    sources = [field.source for field in fields]
    count = 0
    for row in model._base_manager.only("pk", *names, *sources).iterator(chunk_size=500):
        stale = {}
        for field in fields:
            expected = keyed_hash(field.source, getattr(row, field.source))
            if getattr(row, field.attname) != expected:
                stale[field.attname] = expected
        if stale:
            model._base_manager.filter(pk=row.pk).update(**stale)
            count += len(stale)
    return count
