"""Encrypt the bank details, birth data and registration summaries already stored in clear.

Raw SQL (`rewrite_stored_values`): the historical models already carry the encrypted fields,
which would try to decrypt the clear values. The birth date's keyed hash is computed from the
clear value first. Audit entries that recorded birth data in clear keep that it changed, not
the values. Reversible: going back decrypts.
"""

from django.db import migrations

from clients.encryption import decrypt, encrypt, keyed_hash, rewrite_stored_values

HIDDEN = "(masqué)"
BIRTH_COLUMNS = (
    "birth_date",
    "birth_country_code",
    "birth_department",
    "birth_commune_code",
    "birth_commune_label",
)
COLUMNS = {
    "client": ("iban", "bic", *BIRTH_COLUMNS),
    "provider": ("payout_iban", "payout_bic"),
    "airegistration": ("request_summary",),
}


def _rewrite(apps, schema_editor, convert) -> None:
    for model_name, columns in COLUMNS.items():
        table = apps.get_model("clients", model_name)._meta.db_table
        rewrite_stored_values(schema_editor.connection, table, columns, convert)


def _hash_birth_dates(apps, schema_editor) -> None:
    connection = schema_editor.connection
    table = connection.ops.quote_name(apps.get_model("clients", "Client")._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, birth_date FROM {table}")  # noqa: S608
        for pk, birth_date in cursor.fetchall():
            cursor.execute(
                f"UPDATE {table} SET birth_date_hash = %s WHERE id = %s",  # noqa: S608
                [keyed_hash("birth_date", str(birth_date)), pk],
            )


def _hide_birth_data_in_audit(apps) -> None:
    AuditEntry = apps.get_model("clients", "AuditEntry")
    for entry in AuditEntry.objects.filter(action="ai.client.prepared"):
        hidden = {
            field: [HIDDEN if value else "" for value in values]
            for field, values in entry.changes.items()
            if field in BIRTH_COLUMNS
        }
        if hidden:
            AuditEntry.objects.filter(pk=entry.pk).update(changes={**entry.changes, **hidden})


def encrypt_rows(apps, schema_editor):
    _hash_birth_dates(apps, schema_editor)
    _rewrite(apps, schema_editor, encrypt)
    _hide_birth_data_in_audit(apps)


def decrypt_rows(apps, schema_editor):
    _rewrite(apps, schema_editor, decrypt)


class Migration(migrations.Migration):
    dependencies = [("clients", "0005_encrypt_sensitive_fields")]

    operations = [migrations.RunPython(encrypt_rows, decrypt_rows)]
