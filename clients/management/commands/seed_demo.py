"""Load the demo data set: a cooperative, 3 providers, 12 clients, ~14 months of invoices.

Idempotent: running it again creates only what is missing (keyed on e-mails and on
provider + client + service month for invoices). Everything goes through the same services as
the screens, so the demo data obeys the same rules as real data.
"""

import datetime as dt
import json
import random
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from clients.mail import portal_url
from clients.models import Client, Cooperative, Provider, Role, User
from clients.services.accounts import ACCOUNT_LINK_VALIDITY
from invoices import services
from invoices.models import Invoice, PaymentMode, Quote, ServiceNature
from invoices.services import LineData
from urssaf.payments import services as urssaf_services

DEMO_PASSWORD = "demo-sap-2026"  # noqa: S105 - printed in the README for the demo only
DEMO_CLIENTS = Path(settings.BASE_DIR) / "clients" / "data" / "demo_clients.json"
MONTHS_OF_HISTORY = 14

COOPERATIVE = {
    "legal_name": "Coopérative Services Solidaires du Rhône",
    "address_line": "12 rue de la République",
    "postal_code": "69002",
    "city": "Lyon",
    "siren": "732829320",
    "sap_number": "SAP732829320",
    "sap_declaration_date": dt.date(2019, 3, 1),
    "email": "contact@demo.coop",
    "phone": "0472000000",
    "signatory_name": "Claire Fontaine",
    "signatory_title": "Gérante",
    "vat_number": "FR44732829320",
    "vat_return_frequency": "quarterly",
}

# (e-mail, first name, last name, SIRET, worker ref, natures with (hourly price, VAT), clients)
PROVIDERS = [
    (
        "sophie.martin@demo.coop",
        "Sophie",
        "Martin",
        "81234567800013",
        "INT-001",
        {"entretien-maison": "26.00", "preparation-repas": "28.00"},
        range(5),
    ),
    (
        "karim.benali@demo.coop",
        "Karim",
        "Benali",
        "81234567800021",
        "INT-002",
        {"jardinage": "32.00", "petit-bricolage": "38.00"},
        range(4, 9),
    ),
    (
        "julie.chen@demo.coop",
        "Julie",
        "Chen",
        "81234567800039",
        "INT-003",
        {"soutien-scolaire": "35.00", "assistance-informatique": "40.00"},
        range(8, 12),
    ),
]
# The first four clients have a portal account.
CLIENTS_WITH_ACCOUNT = 4


class Command(BaseCommand):
    help = "Charge les données de démonstration (idempotent)."

    def handle(self, *args, **options):
        rng = random.Random(2026)  # noqa: S311 - demo data, not security
        with transaction.atomic():
            cooperative = self._cooperative()
            self._user("equipe@demo.coop", Role.STAFF, is_staff=True, is_superuser=True)
            clients = self._clients(cooperative)
            providers = [self._provider(cooperative, row, clients) for row in PROVIDERS]
        # Month by month, so invoice numbers follow issue dates as the law requires.
        created = 0
        for back in range(MONTHS_OF_HISTORY, -1, -1):
            for provider, row in zip(providers, PROVIDERS, strict=True):
                for client in (clients[i] for i in row[6]):
                    created += self._month(provider, client, back, row[5], rng)
        quotes = sum(
            self._next_month_quote(provider, clients[row[6][0]], row[5], rng)
            for provider, row in zip(providers, PROVIDERS, strict=True)
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Données de démonstration prêtes : {len(providers)} prestataires, "
                f"{len(clients)} clients, {created} nouvelles factures, {quotes} nouveaux devis."
            )
        )
        self._signup_hint()

    def _signup_hint(self) -> None:
        """Print an invoice a client without an account can create their portal account with,
        and where the e-mailed link to finish lands in the demo."""
        invoice = (
            Invoice.objects.filter(client__user__isnull=True, number__isnull=False)
            .select_related("client")
            .order_by("-issue_date", "number")
            .first()
        )
        if invoice is None:
            return
        hours = int(ACCOUNT_LINK_VALIDITY.total_seconds() // 3600)
        self.stdout.write(
            f"Espace client en libre-service ({portal_url('signup:start')}) : facture "
            f"{invoice.number} du {invoice.issue_date:%d/%m/%Y} ({invoice.client.full_name}).\n"
            f"  Le lien pour créer le compte part à {invoice.client.email} : ouvrez le plus "
            f"récent fichier de {settings.EMAIL_FILE_PATH}/ et suivez le lien "
            f"« …/inscription/lien/… » (valable {hours} heures)."
        )

    def _user(self, email: str, role: str, **extra) -> User:
        user, created = User.objects.get_or_create(email=email, defaults={"role": role, **extra})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        return user

    def _cooperative(self) -> Cooperative:
        cooperative = Cooperative.objects.first()
        if cooperative is None:
            cooperative = Cooperative(**COOPERATIVE)
            cooperative.full_clean()
            cooperative.save()
        return cooperative

    def _clients(self, cooperative: Cooperative) -> list[Client]:
        rows = json.loads(DEMO_CLIENTS.read_text(encoding="utf-8"))
        clients = []
        for index, row in enumerate(rows):
            fields = {key: value for key, value in row.items() if key != "dgfip"}
            fields["birth_date"] = dt.date.fromisoformat(fields["birth_date"])
            client = Client.objects.filter(cooperative=cooperative, email=row["email"]).first()
            if client is None:
                client = Client(cooperative=cooperative, **fields)
                client.full_clean()
                client.save()
            if index < CLIENTS_WITH_ACCOUNT and client.user is None:
                client.user = self._user(row["email"], Role.CLIENT)
                client.save(update_fields=["user"])
            clients.append(client)
        return clients

    def _provider(self, cooperative: Cooperative, row, clients: list[Client]) -> Provider:
        email, first, last, siret, ref, natures, served = row
        provider = Provider.objects.filter(worker_reference=ref).first()
        if provider is None:
            provider = Provider(
                cooperative=cooperative,
                user=self._user(email, Role.PROVIDER),
                first_name=first,
                last_name=last,
                siret=siret,
                worker_reference=ref,
                phone="0600000000",
                payout_iban="FR7630006000011234567890189",
                payout_bic="AGRIFRPP882",
            )
            provider.full_clean()
            provider.save()
        provider.natures.set(ServiceNature.objects.filter(slug__in=natures))
        for index in served:
            clients[index].providers.add(provider)
        return provider

    def _month(self, provider: Provider, client: Client, back: int, natures: dict, rng) -> int:
        """Invoice one month `back` months ago: issued and mostly paid, or a draft for now."""
        today = timezone.localdate()
        start = _add_months(today.replace(day=1), -back)
        end = min(_add_months(start, 1) - dt.timedelta(days=1), today)
        if Invoice.objects.filter(provider=provider, client=client, period_start=start).exists():
            return 0
        invoice = _draft(services.invoice_create_draft, provider, client, start, end, natures, rng)
        if back > 0:
            self._issue_and_pay(invoice, provider, end, today, rng)
        return 1

    def _next_month_quote(self, provider: Provider, client: Client, natures: dict, rng) -> int:
        """Send the provider's first client a quote for next month's services (once)."""
        start = _add_months(timezone.localdate().replace(day=1), 1)
        if Quote.objects.filter(provider=provider, client=client, period_start=start).exists():
            return 0
        end = _add_months(start, 1) - dt.timedelta(days=1)
        quote = _draft(services.quote_create_draft, provider, client, start, end, natures, rng)
        services.quote_send(quote=quote, by=provider.user)
        return 1

    def _issue_and_pay(self, invoice, provider, end, today, rng) -> None:
        # Every invoice of a month is issued on the same day, two days after the period.
        issue_on = min(end + dt.timedelta(days=2), today)
        invoice = urssaf_services.invoice_issue_and_submit(
            invoice=invoice, by=provider.user, on=issue_on
        )
        paid_on = issue_on + dt.timedelta(days=rng.randint(3, 15))
        if paid_on > today or rng.random() < 0.08:
            return  # recent or forgotten: left unpaid for the dashboard's "unpaid" card
        mode = rng.choices(
            [
                PaymentMode.TRANSFER,
                PaymentMode.CHEQUE,
                PaymentMode.CESU_PREFINANCED,
                PaymentMode.CASH,
            ],
            weights=[70, 18, 8, 4],
        )[0]
        urssaf_services.payment_record_unless_at_urssaf(
            invoice=invoice,
            amount=invoice.total_ttc,
            paid_on=paid_on,
            mode=mode,
            by=provider.user,
        )


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return day.replace(year=index // 12, month=index % 12 + 1, day=1)


def _draft(create, provider, client, start: dt.date, end: dt.date, natures: dict, rng):
    """Create the draft (invoice or quote: `create` is the kind's service) of the period."""
    return create(
        provider=provider,
        client=client,
        period_start=start,
        period_end=end,
        lines=_lines(start, end, natures, rng),
    )


def _lines(start: dt.date, end: dt.date, natures: dict, rng) -> list[LineData]:
    by_slug = {n.slug: n for n in ServiceNature.objects.filter(slug__in=natures)}
    lines: list[LineData] = []
    for slug, price in natures.items():
        if lines and rng.random() < 0.5:
            continue
        nature = by_slug[slug]
        cap = nature.max_hours_per_intervention or Decimal("3")
        for _ in range(rng.randint(1, 3)):
            day = start + dt.timedelta(days=rng.randint(0, (end - start).days))
            lines.append(
                LineData(
                    nature=nature,
                    service_date=day,
                    quantity=min(cap, Decimal(rng.choice(["1.5", "2", "2.5", "3"]))),
                    unit_price_ttc=Decimal(price),
                    vat_rate=nature.default_vat_rate,
                )
            )
    return sorted(lines, key=lambda line: line.service_date)
