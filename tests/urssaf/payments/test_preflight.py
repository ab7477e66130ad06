"""The pre-flight checks run before an invoice goes to URSSAF: one test per rule, then the
refusal of the issue with nothing saved."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from clients.models import AIStatus
from invoices import rules, services
from invoices.models import Invoice, InvoiceLine, InvoiceStatus, ServiceNature, Unit
from invoices.services import DepositData, LineData
from urssaf.models import PaymentRequest
from urssaf.payments import preflight
from urssaf.payments import services as urssaf_services

from ...factories import nature

PARIS = ZoneInfo("Europe/Paris")
TODAY = dt.date(2026, 3, 17)
NOW = dt.datetime(2026, 3, 17, 10, 0, tzinfo=PARIS)
HOUSEWORK = ServiceNature(slug="x", short_label="Ménage-repassage", urssaf_code_nature="60")
BRICOLAGE = ServiceNature(
    slug="y",
    short_label="Petit bricolage",
    urssaf_code_nature="80",
    max_hours_per_intervention=Decimal("2.00"),
)


def line(**changes) -> InvoiceLine:
    values = {
        "nature": HOUSEWORK,
        "service_date": dt.date(2026, 3, 5),
        "unit": Unit.HOUR,
        "quantity": Decimal("3"),
        "unit_price_ttc": Decimal("25.000"),
        "vat_rate": Decimal("10"),
    }
    built = InvoiceLine(**{**values, **changes})
    if "total_ttc" not in changes:
        built.compute_totals()
    return built


def invoice_of(lines, **changes) -> Invoice:
    values = {
        "period_start": dt.date(2026, 3, 2),
        "period_end": dt.date(2026, 3, 16),
        "total_ttc": sum((li.total_ttc for li in lines), Decimal("0.00")),
        "total_ht": sum((li.total_ht for li in lines), Decimal("0.00")),
        "total_tva": sum((li.total_tva for li in lines), Decimal("0.00")),
        "deposit_amount": Decimal("0"),
    }
    return Invoice(**{**values, **changes})


def active_client(on: dt.date, at: dt.time = dt.time()) -> SimpleNamespace:
    return SimpleNamespace(
        urssaf_id_client="id-1",
        has_active_ai=True,
        ai_activated_on=on,
        ai_active_since=dt.datetime.combine(on, at, tzinfo=PARIS),
    )


CLIENT = active_client(dt.date(2026, 3, 2))
PROVIDER = SimpleNamespace(siret="80000000000017")


def problems(lines=None, client=CLIENT, provider=PROVIDER, **invoice_changes) -> list[str]:
    lines = [line()] if lines is None else lines
    return preflight.check(
        invoice=invoice_of(lines, **invoice_changes),
        lines=lines,
        client=client,
        provider=provider,
        now=NOW,
    )


def test_a_clean_invoice_passes_every_check():
    assert problems() == []


def test_the_period_must_fit_in_one_calendar_month():
    client = active_client(dt.date(2026, 1, 5))
    found = problems(
        client=client, period_start=dt.date(2026, 2, 27), period_end=dt.date(2026, 3, 3)
    )
    assert found == [
        "la période de service (du 27/02/2026 au 03/03/2026) doit tenir dans un seul mois "
        "civil : faites une facture par mois, et une facture à part pour corriger un mois "
        "antérieur."
    ]


def test_services_before_the_clients_activation_are_refused():
    client = active_client(dt.date(2026, 3, 4))
    [found] = problems(client=client)
    assert "avant l'activation de l'avance immédiate du client le 04/03/2026 :" in found


def test_the_activation_time_is_named_when_urssaf_gave_it():
    client = active_client(dt.date(2026, 3, 4), dt.time(14, 30))
    [found] = problems(client=client)
    assert "avant l'activation de l'avance immédiate du client le 04/03/2026 à 14 h 30" in found


def test_services_of_the_activation_day_pass_and_start_at_the_activation_minute():
    client = active_client(dt.date(2026, 3, 2), dt.time(9, 15, 20))
    assert problems(client=client) == []
    start, end = rules.employment_window(
        dt.date(2026, 3, 2), dt.date(2026, 3, 16), active_since=client.ai_active_since, now=NOW
    )
    assert start == dt.datetime(2026, 3, 2, 8, 16, tzinfo=dt.UTC)  # 9 h 16 in Paris
    assert end == dt.datetime(2026, 3, 16, 0, 0, tzinfo=dt.UTC)


def test_an_activation_this_very_minute_is_not_yet_a_past_start():
    client = active_client(TODAY, dt.time(10, 0, 20))  # NOW is 10 h 00 in Paris
    found = problems(
        client=client, period_start=TODAY, period_end=TODAY, lines=[line(service_date=TODAY)]
    )
    assert len(found) == 1
    assert "n'est active que depuis le 17/03/2026 à 10 h 00" in found[0]


def test_a_period_ending_today_never_ends_after_the_current_minute():
    later = NOW + dt.timedelta(minutes=5, seconds=42)  # 9 h 05 UTC
    start, end = rules.employment_window(TODAY, TODAY, active_since=None, now=later)
    assert (start, end) == (dt.datetime(2026, 3, 17, tzinfo=dt.UTC),) * 2
    client = active_client(TODAY, dt.time(8, 0))
    start, end = rules.employment_window(
        TODAY, TODAY, active_since=client.ai_active_since, now=later
    )
    assert start == end == dt.datetime(2026, 3, 17, 7, 0, tzinfo=dt.UTC)


def test_a_period_ending_in_the_future_is_refused():
    [found] = problems(period_end=dt.date(2026, 3, 18))
    assert "jusqu'au 18/03/2026, dans le futur" in found


def test_a_line_dated_in_the_future_is_refused_too():
    [found] = problems(lines=[line(service_date=dt.date(2026, 3, 20))])
    assert "dans le futur" in found


def test_an_invoice_needs_at_least_one_line():
    assert "la facture doit comporter au moins une ligne." in problems(lines=[])


def test_every_line_needs_an_urssaf_nature_code():
    nameless = ServiceNature(slug="z", short_label="Sans code", urssaf_code_nature="")
    assert problems(lines=[line(nature=nameless)]) == [
        "ligne 1 : la nature « Sans code » n'a pas de code nature URSSAF."
    ]


def test_amounts_may_not_be_negative():
    bad = line(total_ht=Decimal("-1.00"), total_tva=Decimal("1.00"), total_ttc=Decimal("0.00"))
    assert "ligne 1 : un montant est négatif." in problems(lines=[bad])


def test_amounts_have_two_decimals_at_most():
    bad = line(total_ht=Decimal("68.181"), total_tva=Decimal("6.819"), total_ttc=Decimal("75.00"))
    assert "ligne 1 : un montant a plus de deux décimales." in problems(lines=[bad])


def test_the_unit_price_may_have_three_decimals_but_not_four():
    assert problems(lines=[line(quantity=Decimal("2"), unit_price_ttc=Decimal("12.125"))]) == []
    bad = line(quantity=Decimal("1"), unit_price_ttc=Decimal("12.1255"), total_ttc=Decimal("12.13"))
    bad.total_ht, bad.total_tva = Decimal("11.03"), Decimal("1.10")
    assert "ligne 1 : le prix unitaire a plus de trois décimales." in problems(lines=[bad])


def test_ht_plus_tva_must_make_the_ttc_of_each_line():
    bad = line(total_ht=Decimal("68.18"), total_tva=Decimal("6.81"), total_ttc=Decimal("75.00"))
    assert problems(lines=[bad]) == [
        "ligne 1 : HT (68,18\u00a0€) + TVA (6,81\u00a0€) ne fait pas le TTC (75,00\u00a0€)."
    ]


def test_quantity_times_unit_price_must_make_the_line_ttc_to_the_cent():
    bad = line(total_ht=Decimal("68.19"), total_tva=Decimal("6.82"), total_ttc=Decimal("75.01"))
    found = problems(lines=[bad], total_ttc=Decimal("75.01"), total_ht=Decimal("68.19"))
    assert found == [
        "ligne 1 : quantité fois prix unitaire ne fait pas le total TTC (75,01\u00a0€) au "
        "centime près."
    ]


def test_the_lines_must_add_up_to_the_invoice_total():
    found = problems(total_ttc=Decimal("80.00"), total_ht=Decimal("72.73"))
    assert found == [
        "la somme des lignes (75,00\u00a0€) ne fait pas le total TTC de la facture (80,00\u00a0€).",
        "la somme des lignes HT ne fait pas le total HT de la facture.",
    ]


def test_petit_bricolage_is_limited_to_two_hours_per_intervention():
    assert problems(lines=[line(nature=BRICOLAGE, quantity=Decimal("2"))]) == []
    assert problems(lines=[line(nature=BRICOLAGE, quantity=Decimal("2.5"))]) == [
        "ligne 1 : « Petit bricolage » est limité à 2 h par intervention (2,5 h facturées) ; "
        "une ligne par intervention."
    ]


def test_a_flat_rate_bricolage_line_is_not_counted_in_hours():
    flat = line(nature=BRICOLAGE, unit=Unit.FLAT, quantity=Decimal("3"))
    assert problems(lines=[flat]) == []


def test_the_deposit_may_not_exceed_half_the_invoice():
    assert problems(deposit_amount=Decimal("37.50")) == []
    assert problems(deposit_amount=Decimal("37.51")) == [
        "l'acompte (37,51\u00a0€) dépasse 50 % du total (au plus 37,50\u00a0€)."
    ]


def test_the_worker_must_be_identified_by_a_valid_siret():
    assert preflight.worker_identification(PROVIDER) == "SIR80000000000017"
    [found] = problems(provider=SimpleNamespace(siret="123"))
    assert found.startswith("l'intervenant n'a pas de SIRET valide")


def test_the_client_must_be_known_to_urssaf_and_active():
    client = SimpleNamespace(
        urssaf_id_client="", has_active_ai=False, ai_activated_on=None, ai_active_since=None
    )
    assert problems(client=client) == [
        "le client n'a pas d'identifiant URSSAF (idClient).",
        "l'avance immédiate du client n'est pas active.",
    ]


# --- the issue refuses, and saves nothing ------------------------------------------------------


@pytest.fixture
def active_alice(alice):
    alice.urssaf_id_client = "alice-urssaf"
    alice.ai_status = AIStatus.ACTIVE
    alice.ai_activated_on = dt.date(2026, 11, 1)
    alice.save()
    return alice


def test_drafting_for_an_active_client_refuses_a_two_month_period_with_the_french_reason(
    carol, active_alice, make_draft
):
    with pytest.raises(ValidationError) as caught:
        make_draft(carol, active_alice, period=(dt.date(2026, 10, 28), dt.date(2026, 11, 2)))

    assert caught.value.messages == [
        "Avance immédiate : la période de service (du 28/10/2026 au 02/11/2026) doit tenir "
        "dans un seul mois civil : faites une facture par mois, et une facture à part pour "
        "corriger un mois antérieur.",
        "Avance immédiate : la période commence le 28/10/2026, avant l'activation de "
        "l'avance immédiate du client le 01/11/2026 : facturez à part, hors avance "
        "immédiate, les prestations antérieures.",
    ]
    assert not Invoice.objects.exists()


def test_issuing_refuses_a_draft_saved_before_the_client_became_active(carol, alice, make_draft):
    draft = make_draft(carol, alice, period=(dt.date(2026, 10, 28), dt.date(2026, 11, 2)))
    alice.urssaf_id_client = "alice-urssaf"
    alice.ai_status = AIStatus.ACTIVE
    alice.ai_activated_on = dt.date(2026, 11, 1)
    alice.save()

    with pytest.raises(ValidationError) as caught:
        urssaf_services.invoice_issue_and_submit(invoice=draft, by=carol.user)

    assert "doit tenir dans un seul mois civil" in caught.value.messages[0]
    draft.refresh_from_db()
    assert draft.status == InvoiceStatus.DRAFT
    assert draft.number is None
    assert not PaymentRequest.objects.exists()


def test_a_deposit_over_half_the_invoice_is_refused_at_drafting(carol, active_alice):
    with pytest.raises(ValidationError, match="dépasse 50 % du total"):
        services.invoice_create_draft(
            provider=carol,
            client=active_alice,
            period_start=dt.date(2026, 11, 2),
            period_end=dt.date(2026, 11, 20),
            lines=[
                LineData(
                    nature=nature("entretien-maison"),
                    service_date=dt.date(2026, 11, 2),
                    quantity=Decimal("4"),
                    unit_price_ttc=Decimal("25"),
                    vat_rate=Decimal("10"),
                )
            ],
            deposit=DepositData(Decimal("60.00"), dt.date(2026, 10, 20), "cheque"),
        )

    assert not Invoice.objects.exists()
