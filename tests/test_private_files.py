"""What the portal writes to disk (database, e-mails, PDFs) is readable by its own user only,
and stored documents have names nobody can guess."""

import datetime as dt
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.mail import send_mail
from django.test import override_settings

from invoices.attestations import attestation_generate
from invoices.models import PaymentMode

from .invoices.conftest import housework_month, pay

pytestmark = pytest.mark.django_db


def private(path: Path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) & 0o077 == 0


def test_a_stored_attestation_is_private_and_its_name_cannot_be_guessed(carol, alice, tmp_path):
    invoice = housework_month(carol, alice, 2025, 5, 4, "30")
    pay(invoice, "120.00", dt.date(2025, 5, 27), PaymentMode.TRANSFER)
    with override_settings(MEDIA_ROOT=tmp_path / "media"):
        attestation, _ = attestation_generate(client=alice, year=2025)
        path = Path(attestation.file.path)

    assert private(path)
    assert private(path.parent)
    assert private(path.parent.parent)
    assert path.name != f"{attestation.reference}.pdf"
    random_part = path.stem.removeprefix(f"{attestation.reference}-")
    assert len(random_part) >= 16


def test_an_email_written_to_the_mail_folder_is_private(tmp_path):
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=tmp_path / "mail",
    ):
        send_mail("Objet", "Votre IBAN se termine par 0189", "a@example.org", ["b@example.org"])

    [written] = list((tmp_path / "mail").iterdir())
    assert private(written)
    assert private(tmp_path / "mail")


def test_the_demo_database_file_is_created_private(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SAP_VAR_DIR")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.local", SAP_VAR_DIR=str(tmp_path))
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.db import connection as c; c.cursor()",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        timeout=120,
        check=True,
    )

    assert private(tmp_path / "db.sqlite3")
