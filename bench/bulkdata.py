"""Bulk rows for page benchmarks and query-count tests: many clients, invoices and payments.

Rows go in with bulk_create, not through the services (100 000 invoices through invoice_issue
would take most of an hour); they respect the same constraints, so pages see realistic data.
"""

import datetime as dt
import itertools
import uuid
from decimal import Decimal

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.utils import timezone

from clients.models import AIStatus, Civility, Client, Cooperative, Provider, Role, User
from invoices.models import (
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Payment,
    PaymentMode,
    ServiceNature,
)
from urssaf.models import AIOrigin, AIRegistration, AIRegistrationState, TriageState
from urssaf.registration.triage_table import RegistrationBucket

# Unusable password: benchmarks and tests log in through sessions.
PASSWORD_HASH = UNUSABLE_PASSWORD_PREFIX
BATCH = 5_000


def _siret(n: int) -> str:
    base = f"9{n:012d}"
    for key in "0123456789":
        digits = [int(c) for c in reversed(base + key)]
        total = sum(
            d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2) for i, d in enumerate(digits)
        )
        if total % 10 == 0:
            return base + key
    raise AssertionError("a Luhn key always exists")


def cooperative() -> Cooperative:
    coop = Cooperative.objects.first()
    if coop is None:
        coop = Cooperative.objects.create(
            legal_name="Coopérative du banc d'essai",
            address_line="1 place Bellecour",
            postal_code="69002",
            city="Lyon",
            siren="732829320",
            sap_number="SAP732829320",
            sap_declaration_date=dt.date(2019, 3, 1),
            email="banc@example.org",
            phone="0472000000",
        )
    return coop


def providers(count: int, prefix: str = "bench") -> list[Provider]:
    coop = cooperative()
    offset = Provider.objects.count()  # keeps SIRETs unique across calls
    users = User.objects.bulk_create(
        User(email=f"{prefix}-provider{i}@example.org", role=Role.PROVIDER, password=PASSWORD_HASH)
        for i in range(count)
    )
    return Provider.objects.bulk_create(
        Provider(
            cooperative=coop,
            user=user,
            first_name="Presta",
            last_name=f"Taire{i}",
            siret=_siret(offset + i),
            worker_reference=f"{prefix[:6]}-{i:05d}",
            payout_iban="FR7630006000011234567890189",
            payout_bic="AGRIFRPP882",
        )
        for i, user in enumerate(users)
    )


def clients(count: int, served_by: list[Provider], prefix: str = "bench") -> list[Client]:
    """Create `count` clients, each with a portal account, spread over the providers."""
    coop = cooperative()
    users = User.objects.bulk_create(
        (
            User(email=f"{prefix}-client{i}@example.org", role=Role.CLIENT, password=PASSWORD_HASH)
            for i in range(count)
        ),
        batch_size=BATCH,
    )
    created = Client.objects.bulk_create(
        (
            Client(
                cooperative=coop,
                user=user,
                civility=Civility.MADAME,
                birth_name=f"Client{i}",
                first_names="Anne",
                birth_date=dt.date(1970, 1, 1) + dt.timedelta(days=i % 9000),
                birth_department="069",
                birth_commune_code="69123",
                birth_commune_label="Lyon",
                email=user.email,
                mobile_phone="0612345678",
                street_number="1",
                street_type="R",
                street_name="de la Paix",
                postal_code="69001",
                city="Lyon",
                city_insee_code="69381",
                ai_status=AIStatus.NOT_REGISTERED,
            )
            for i, user in enumerate(users)
        ),
        batch_size=BATCH,
    )
    links = Client.providers.through
    links.objects.bulk_create(
        (
            links(client_id=c.pk, provider_id=served_by[i % len(served_by)].pk)
            for i, c in enumerate(created)
        ),
        batch_size=BATCH,
    )
    return created


def invoices(
    count: int, of: list[Client], served_by: list[Provider], start_year: int = 2025
) -> int:
    """Create `count` issued invoices (three in four paid) with one line each; return count."""
    coop = cooperative()
    housework = ServiceNature.objects.get(slug="entretien-maison")
    sequence = itertools.count(1 + (Invoice.objects.filter(year=start_year).count()))
    created = 0
    while created < count:
        size = min(BATCH, count - created)
        batch = [
            _invoice(coop, of, served_by, created + i, next(sequence), start_year)
            for i in range(size)
        ]
        Invoice.objects.bulk_create(batch)
        InvoiceLine.objects.bulk_create(_line(inv, housework) for inv in batch)
        Payment.objects.bulk_create(
            Payment(
                invoice=inv, paid_on=inv.issue_date, amount=inv.total_ttc, mode=PaymentMode.TRANSFER
            )
            for inv in batch
            if inv.status == InvoiceStatus.PAID
        )
        created += size
    return created


def _invoice(coop, of, served_by, n: int, seq: int, year: int) -> Invoice:
    # Clients were spread over the providers round-robin: keep each invoice with its provider.
    client_index = n % len(of)
    client = of[client_index]
    provider = served_by[client_index % len(served_by)]
    day = dt.date(year, 1, 1) + dt.timedelta(days=n % 365)
    return Invoice(
        code=uuid.uuid4(),
        cooperative=coop,
        provider=provider,
        client=client,
        # One invoice in four unpaid for every provider (n alone would align with providers).
        status=InvoiceStatus.PAID if (n // len(served_by)) % 4 else InvoiceStatus.ISSUED,
        number=f"{year}-B{seq:07d}",
        year=year,
        sequence=seq,
        issue_date=day,
        period_start=day,
        period_end=day,
        total_ht=Decimal("54.55"),
        total_tva=Decimal("5.45"),
        total_ttc=Decimal("60.00"),
    )


def _line(invoice: Invoice, nature: ServiceNature) -> InvoiceLine:
    return InvoiceLine(
        invoice=invoice,
        nature=nature,
        service_date=invoice.period_start,
        quantity=Decimal("2"),
        unit_price_ttc=Decimal("30"),
        vat_rate=Decimal("10"),
        total_ht=Decimal("54.55"),
        total_tva=Decimal("5.45"),
        total_ttc=Decimal("60.00"),
    )


def failed_registrations(of: list[Client], started_by: User) -> int:
    """Put one failed registration per client in the staff's triage queue; return how many."""
    now = timezone.now()
    rows = AIRegistration.objects.bulk_create(
        (
            AIRegistration(
                client=client,
                started_by=started_by,
                origin=AIOrigin.PROVIDER,
                state=AIRegistrationState.FAILED,
                attempts=1,
                errors=[{"code": "ERR_DGFIP_R2P_INCONNU", "message": "", "description": ""}],
                triage_bucket=RegistrationBucket.IDENTITY,
                triage_state=TriageState.OPEN,
                triage_since=now,
            )
            for client in of
        ),
        batch_size=BATCH,
    )
    Client.objects.filter(pk__in=[c.pk for c in of]).update(
        ai_status=AIStatus.FAILED, ai_failed_at=now
    )
    return len(rows)
