from django.db import migrations, models


class Migration(migrations.Migration):
    """Declare the provider ↔ nature relation here (was clients.Provider.natures), keeping its
    rows: the join table has the same columns (provider_id, servicenature_id), only its name
    changes to the one Django gives this side."""

    dependencies = [
        ("clients", "0008_provider_natures_declared_by_invoices"),
        ("invoices", "0006_dashboard_figure_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="servicenature",
                    name="providers",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="natures",
                        to="clients.provider",
                        verbose_name="prestataires autorisés",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE clients_provider_natures RENAME TO invoices_servicenature_providers",
                    reverse_sql=(
                        "ALTER TABLE invoices_servicenature_providers RENAME TO clients_provider_natures"
                    ),
                ),
            ],
        ),
    ]
