"""Log-in e-mails in lower case: existing ones normalised, then kept so by the field and a check.

Two accounts whose addresses differ only by capitals cannot be merged automatically (each may
hold a client or a provider): the migration stops and names them, for the staff to settle.
"""

from collections import defaultdict

import django.db.models.functions.text
from django.db import migrations, models

import clients.models


def lower_emails(apps, schema_editor):
    User = apps.get_model("clients", "User")
    by_lower = defaultdict(list)
    for pk, email in User.objects.values_list("pk", "email"):
        by_lower[email.lower()].append(pk)
    clashes = {email: pks for email, pks in by_lower.items() if len(pks) > 1}
    if clashes:
        listed = "; ".join(f"{email}: users {pks}" for email, pks in sorted(clashes.items()))
        raise RuntimeError(
            "Accounts whose e-mails differ only by capitals must be merged by hand before "
            f"this migration: {listed}"
        )
    for pk, email in User.objects.values_list("pk", "email"):
        if email != email.lower():
            User.objects.filter(pk=pk).update(email=email.lower())


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0002_initial"),
    ]

    operations = [
        migrations.RunPython(lower_emails, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="user",
            name="email",
            field=clients.models.LowercaseEmailField(
                max_length=254, unique=True, verbose_name="adresse e-mail"
            ),
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.CheckConstraint(
                condition=models.Q(("email", django.db.models.functions.text.Lower("email"))),
                name="user_email_lowercase",
            ),
        ),
    ]
