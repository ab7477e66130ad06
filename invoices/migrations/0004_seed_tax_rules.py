from django.db import migrations

from invoices.tax_rules import seed_tax_rules


def seed(apps, schema_editor):
    seed_tax_rules(
        apps.get_model("invoices", "TaxRuleSet"),
        apps.get_model("invoices", "TaxSubCeiling"),
        apps.get_model("invoices", "ServiceNature"),
    )


class Migration(migrations.Migration):
    dependencies = [("invoices", "0003_attestations")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
