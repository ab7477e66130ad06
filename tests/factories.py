import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from clients.models import Civility, Client, Cooperative, Provider, Role, User
from invoices.models import Invoice, InvoiceLine, Payment, PaymentMode, ServiceNature


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "motdepasse-solide-42")
    role = Role.CLIENT

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CooperativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cooperative
        django_get_or_create = ("siren",)

    legal_name = "Coopérative Services Solidaires"
    address_line = "12 rue de la République"
    postal_code = "69002"
    city = "Lyon"
    siren = "732829320"
    sap_number = "SAP732829320"
    sap_declaration_date = dt.date(2019, 3, 1)
    email = "contact@cooperative-sap.fr"
    phone = "0472000000"
    signatory_name = "Claire Fontaine"
    signatory_title = "Gérante"


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider

    cooperative = factory.LazyFunction(lambda: CooperativeFactory())
    user = factory.SubFactory(UserFactory, role=Role.PROVIDER)
    first_name = "Paul"
    last_name = factory.Sequence(lambda n: f"Prestataire{n}")
    siret = factory.Sequence(lambda n: _siret(n))
    worker_reference = factory.Sequence(lambda n: f"INT-{n:03d}")
    payout_iban = "FR7630006000011234567890189"
    payout_bic = "AGRIFRPP882"


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client
        skip_postgeneration_save = True

    cooperative = factory.LazyFunction(lambda: CooperativeFactory())
    civility = Civility.MADAME
    birth_name = factory.Sequence(lambda n: f"Durand{chr(65 + n % 26)}")
    first_names = "Jeanne Marie"
    birth_date = dt.date(1975, 5, 17)
    birth_country_code = "99100"
    birth_department = "069"
    birth_commune_code = "69123"
    birth_commune_label = "Lyon"
    email = factory.Sequence(lambda n: f"client{n}@example.org")
    mobile_phone = "0612345678"
    street_number = "8"
    street_type = "R"
    street_name = "du Soleil"
    postal_code = "69001"
    city = "Lyon"
    city_insee_code = "69381"

    @factory.post_generation
    def providers(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.providers.add(*extracted)


def _siret(n: int) -> str:
    """Return a 14-digit SIRET with a valid Luhn key."""
    base = f"8{n:012d}"
    for key in range(10):
        candidate = base + str(key)
        digits = [int(c) for c in reversed(candidate)]
        total = sum(
            d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(digits)
        )
        if total % 10 == 0:
            return candidate
    raise AssertionError("unreachable")


def nature(slug: str = "entretien-maison") -> ServiceNature:
    return ServiceNature.objects.get(slug=slug)


class InvoiceFactory(factory.django.DjangoModelFactory):
    """A draft invoice; use `invoices.services` to issue it as the product does."""

    class Meta:
        model = Invoice

    provider = factory.SubFactory(ProviderFactory)
    cooperative = factory.SelfAttribute("provider.cooperative")
    client = factory.LazyAttribute(lambda o: ClientFactory(providers=[o.provider]))
    period_start = factory.LazyFunction(lambda: timezone.localdate().replace(day=1))
    period_end = factory.LazyFunction(timezone.localdate)


class InvoiceLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InvoiceLine

    invoice = factory.SubFactory(InvoiceFactory)
    nature = factory.LazyFunction(nature)
    service_date = factory.SelfAttribute("invoice.period_start")
    quantity = Decimal("2.00")
    unit_price_ttc = Decimal("30.000")
    vat_rate = Decimal("10.00")
    total_ht = Decimal("54.55")
    total_tva = Decimal("5.45")
    total_ttc = Decimal("60.00")


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    invoice = factory.SubFactory(InvoiceFactory)
    paid_on = factory.LazyFunction(timezone.localdate)
    amount = Decimal("60.00")
    mode = PaymentMode.TRANSFER
