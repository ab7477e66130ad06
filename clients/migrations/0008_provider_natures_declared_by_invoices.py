from django.db import migrations


class Migration(migrations.Migration):
    """Provider.natures becomes ServiceNature.providers (related_name "natures"), declared by the
    invoices app so that clients never depends on it. The table is kept and renamed by
    invoices.0007_servicenature_providers; here only the state changes."""

    dependencies = [
        ("clients", "0007_client_ai_activated_at"),
        ("invoices", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RemoveField(model_name="provider", name="natures")],
            database_operations=[],
        ),
    ]
