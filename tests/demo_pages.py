"""Every role's main pages on the demo's own database (run by tests/test_demo_sqlite.py).

Run with config.settings.demo and SAP_VAR_DIR set to a throwaway folder: migrates, seeds the
demo, then opens each page as its user and prints `demo pages=<n> failed=<list>`.
"""

import io
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from clients.models import Client as Customer  # noqa: E402
from clients.models import Provider, User  # noqa: E402
from invoices.models import Invoice, InvoiceStatus  # noqa: E402


def pages() -> list[tuple[User, str]]:
    provider = Provider.objects.filter(invoices__isnull=False).distinct().first()
    issued = Invoice.objects.filter(provider=provider).exclude(status=InvoiceStatus.DRAFT).first()
    customer = Customer.objects.filter(user__isnull=False, invoices__isnull=False).first()
    own = customer.invoices.exclude(status=InvoiceStatus.DRAFT).first()
    staff = User.objects.filter(is_staff=True).first()
    provider_pages = [
        reverse("provider:dashboard"),
        reverse("provider:invoice_list"),
        reverse("provider:invoice_list") + "?status=issued",
        reverse("provider:quote_list"),
        reverse("provider:client_list"),
        reverse("provider:invoice_detail", args=[issued.code]),
        reverse("provider:client_detail", args=[issued.client.code]),
    ]
    client_pages = [
        reverse("portal:invoice_list"),
        reverse("portal:invoice_detail", args=[own.code]),
        reverse("portal:quote_list"),
        reverse("portal:ai_status"),
        reverse("attestations:list"),
    ]
    staff_pages = [
        reverse("admin:index"),
        reverse("admin:urssaf_airegistration_changelist"),
        reverse("admin:urssaf_paymentrequest_changelist"),
        reverse("admin:invoices_invoice_changelist"),
    ]
    return (
        [(provider.user, url) for url in provider_pages]
        + [(customer.user, url) for url in client_pages]
        + [(staff, url) for url in staff_pages]
    )


def main() -> None:
    assert "sqlite" in django.conf.settings.DATABASES["default"]["ENGINE"], "the demo's SQLite"
    assert os.environ.get("SAP_VAR_DIR"), "a throwaway folder"
    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=io.StringIO())  # its banner is for a person, not this check
    browser = Client(HTTP_HOST="localhost")
    failed, checked = [], pages()
    for user, url in checked:
        browser.force_login(user)
        status = browser.get(url).status_code
        if status != 200:
            failed.append(f"{url}:{status}")
    sys.stdout.write(f"demo pages={len(checked)} failed={','.join(failed) or 'none'}\n")


if __name__ == "__main__":
    main()
