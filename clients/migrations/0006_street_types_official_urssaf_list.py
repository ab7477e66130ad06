"""Move stored street types to URSSAF's official codeTypeVoie list (shared/urssaf/API.md §0.1).

The portal offered QUA for quai and CRS for cours, which URSSAF refuses
(ERR_CONTACT_ADRESSE_TYPE_VOIE); the other codes here are long forms a staff member may have
typed in the admin. The mapping is frozen in this file, as a migration must be.
"""

from django.db import migrations, models

import clients.models

OFFICIAL_CODE_OF = {
    "QUA": "Q",  # offered for quai (in FANTOIR QUA is quartier; the form said quai)
    "QUAI": "Q",
    "CRS": "C",
    "CITE": "CI",
    "CLOS": "CL",
    "PARC": "PAR",
    "VOIE": "VO",
}


def to_official_codes(apps, schema_editor):
    Client = apps.get_model("clients", "Client")
    for old, new in OFFICIAL_CODE_OF.items():
        Client.objects.filter(street_type__iexact=old).update(street_type=new)


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0005_cooperative_vat"),
    ]

    # Backwards: the new codes are URSSAF's own and stay valid; nothing to undo.
    operations = [
        migrations.RunPython(to_official_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="client",
            name="street_type",
            field=models.CharField(
                blank=True,
                choices=clients.models.street_type_choices,
                help_text="Code URSSAF, ex. R pour rue.",
                max_length=4,
                verbose_name="type de voie",
            ),
        ),
    ]
