from django.db import migrations

from invoices.natures import load_service_natures


def load(apps, schema_editor):
    load_service_natures(apps.get_model("invoices", "ServiceNature"))


class Migration(migrations.Migration):
    dependencies = [("invoices", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
