"""Encrypt the debited account of the payout batches already stored in clear (raw SQL: the
historical model already carries the encrypted fields). Reversible."""

from django.db import migrations

from clients.encryption import decrypt, encrypt, rewrite_stored_values

COLUMNS = ("debtor_iban", "debtor_bic")


def encrypt_rows(apps, schema_editor):
    table = apps.get_model("invoices", "PayoutBatch")._meta.db_table
    rewrite_stored_values(schema_editor.connection, table, COLUMNS, encrypt)


def decrypt_rows(apps, schema_editor):
    table = apps.get_model("invoices", "PayoutBatch")._meta.db_table
    rewrite_stored_values(schema_editor.connection, table, COLUMNS, decrypt)


class Migration(migrations.Migration):
    dependencies = [("invoices", "0011_encrypt_payout_batch_bank_details")]

    operations = [migrations.RunPython(encrypt_rows, decrypt_rows)]
