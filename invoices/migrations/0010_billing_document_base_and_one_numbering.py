"""Quotes and invoices on one base; one numbering for both: a DocumentSequence per
cooperative, kind and year (InvoiceSequence renamed, with a `kind`), seeded for quotes with the
last number each cooperative gave that year, so sending the next quote continues the series."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Max


def seed_quote_sequences(apps, schema_editor):
    Quote = apps.get_model("invoices", "Quote")
    DocumentSequence = apps.get_model("invoices", "DocumentSequence")
    last_values = (
        Quote.objects.exclude(sequence=None)
        .values("cooperative_id", "year")
        .annotate(last=Max("sequence"))
        .order_by()
    )
    DocumentSequence.objects.bulk_create(
        DocumentSequence(
            cooperative_id=row["cooperative_id"], kind="quote", year=row["year"], last_value=row["last"]
        )
        for row in last_values
    )


def drop_quote_sequences(apps, schema_editor):
    apps.get_model("invoices", "DocumentSequence").objects.filter(kind="quote").delete()


class Migration(migrations.Migration):

    dependencies = [
        ("clients", "0004_ai_registration"),
        ("invoices", "0009_quotes"),
    ]

    operations = [
        # One numbering: the invoice sequence becomes a sequence per kind of document.
        migrations.RenameModel(old_name="InvoiceSequence", new_name="DocumentSequence"),
        migrations.AlterModelOptions(
            name="documentsequence",
            options={"verbose_name": "numérotation", "verbose_name_plural": "numérotations"},
        ),
        migrations.AddField(
            model_name="documentsequence",
            name="kind",
            field=models.CharField(default="invoice", max_length=20, verbose_name="type de document"),
            preserve_default=False,
        ),
        migrations.RemoveConstraint(model_name="documentsequence", name="one_sequence_per_year"),
        migrations.AddConstraint(
            model_name="documentsequence",
            constraint=models.UniqueConstraint(
                fields=("cooperative", "kind", "year"), name="one_sequence_per_kind_and_year"
            ),
        ),
        migrations.RunPython(seed_quote_sequences, drop_quote_sequences),
        # The shared base: the same names, options and constraints for both kinds.
        migrations.AlterModelOptions(
            name="invoice",
            options={"ordering": ["-created_at", "-id"], "verbose_name": "facture"},
        ),
        migrations.RenameField(model_name="quote", old_name="sent_at", new_name="issued_at"),
        migrations.RenameIndex(
            model_name="quote",
            new_name="quote_provider_recent",
            old_name="invoices_qu_provide_32479b_idx",
        ),
        migrations.RemoveConstraint(model_name="quote", name="quote_sent_has_number"),
        migrations.AddConstraint(
            model_name="quote",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("status", "draft"),
                    models.Q(("number__isnull", False), ("issue_date__isnull", False)),
                    _connector="OR",
                ),
                name="quote_issued_has_number",
            ),
        ),
        migrations.AddConstraint(
            model_name="quote",
            constraint=models.UniqueConstraint(
                condition=models.Q(("sequence__isnull", False)),
                fields=("cooperative", "year", "sequence"),
                name="quote_sequence_unique_per_year",
            ),
        ),
        migrations.AddConstraint(
            model_name="quote",
            constraint=models.CheckConstraint(
                condition=models.Q(("total_ht__gte", 0), ("total_tva__gte", 0), ("total_ttc__gte", 0)),
                name="quote_amounts_not_negative",
            ),
        ),
        *(
            migrations.AlterField(
                model_name=model,
                name=name,
                field=models.ForeignKey(
                    on_delete=django.db.models.deletion.PROTECT,
                    related_name="%(class)ss",
                    to=f"clients.{name}",
                ),
            )
            for model in ("invoice", "quote")
            for name in ("client", "cooperative", "provider")
        ),
    ]
