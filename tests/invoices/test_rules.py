"""The rule table of invoices.rules, checked when the provider drafts a quote or an invoice,
whatever the payment mode, and for the avance immédiate before anything reaches URSSAF."""

import datetime as dt
from decimal import Decimal
from http import HTTPStatus

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from clients.models import AIStatus
from invoices import rules, services
from invoices.models import Invoice, InvoiceStatus, Quote, TaxRuleSet, TaxSubCeiling
from invoices.services import LineData
from urssaf.payments import preflight

from ..factories import nature
from ..reading import as_read

D = Decimal
NOV = (dt.date(2026, 11, 2), dt.date(2026, 11, 20))


def row(slug="entretien-maison", day=dt.date(2026, 11, 2), quantity="3", price="25", **extra):
    return LineData(
        nature=nature(slug),
        service_date=day,
        quantity=D(quantity),
        unit_price_ttc=D(price),
        vat_rate=D("10"),
        **extra,
    )


@pytest.fixture
def active_alice(alice):
    alice.urssaf_id_client = "alice-urssaf"
    alice.ai_status = AIStatus.ACTIVE
    alice.ai_activated_on = dt.date(2026, 11, 2)
    alice.ai_activated_at = dt.datetime(2026, 11, 2, 13, 45, tzinfo=dt.UTC)  # 14 h 45 Paris
    alice.save()
    return alice


# --- every quote and invoice, whatever the payment mode -------------------------------------


def test_a_quote_of_three_hours_of_petit_bricolage_in_one_intervention_is_refused(
    carol, alice, make_quote
):
    with pytest.raises(ValidationError) as caught:
        make_quote(
            carol, alice, lines=[row("petit-bricolage", quantity="3", price="40")], period=NOV
        )

    assert caught.value.messages == [
        "Ligne 1 : « Petit bricolage » est limité à 2 h par intervention (3 h facturées) ; "
        "une ligne par intervention."
    ]
    assert not Quote.objects.exists()


def test_an_invoice_paid_by_cheque_follows_the_same_two_hour_limit(carol, alice, make_draft):
    assert not alice.has_active_ai
    with pytest.raises(ValidationError, match="limité à 2 h par intervention"):
        make_draft(carol, alice, lines=[row("petit-bricolage", quantity="2.5")])

    make_draft(carol, alice, lines=[row("petit-bricolage", quantity="2")])
    assert Invoice.objects.count() == 1


def test_the_hour_limit_comes_from_the_tax_rules_in_force(carol, alice, make_draft):
    # Dated configuration: a later rule set with 1.5 h applies to services of its period.
    TaxRuleSet.objects.filter(valid_to__isnull=True).update(valid_to=dt.date(2026, 10, 31))
    newer = TaxRuleSet.objects.create(
        label="2026-11",
        valid_from=dt.date(2026, 11, 1),
        credit_rate=D("0.500"),
        base_ceiling=D("12000"),
        majoration_per_person=D("1500"),
        majoration_shared_custody=D("750"),
        majorated_ceiling_cap=D("15000"),
        invalidity_ceiling=D("20000"),
        january_advance_rate=D("0.600"),
    )
    TaxSubCeiling.objects.create(
        rule_set=newer,
        nature=nature("petit-bricolage"),
        annual_cap=D("500"),
        max_hours_per_intervention=D("1.50"),
    )

    with pytest.raises(ValidationError, match="limité à 1,5 h par intervention"):
        make_draft(carol, alice, lines=[row("petit-bricolage", quantity="2")])


def test_expenses_go_with_a_service_of_their_nature(carol, alice, make_draft):
    travel = row("jardinage", quantity="1", price="12", unit="FORFAIT", is_expense=True)
    with pytest.raises(ValidationError) as caught:
        make_draft(carol, alice, lines=[row(), travel])

    assert caught.value.messages == [
        "Ligne 2 : des frais de « Jardinage » se facturent avec une prestation de cette nature "
        "sur le même document ; ajoutez-la ou retirez ces frais."
    ]

    invoice = make_draft(carol, alice, lines=[row("jardinage", quantity="2"), travel])
    assert [line.is_expense for line in invoice.lines.all()] == [False, True]


# --- the avance immédiate, refused at drafting ------------------------------------------------


def test_a_free_line_is_refused_for_an_ai_client_but_not_for_another(carol, alice, make_draft):
    gift = row(price="0")
    make_draft(carol, alice, lines=[row(), gift])  # cheque or transfer: allowed

    alice.urssaf_id_client, alice.ai_status = "alice-urssaf", AIStatus.ACTIVE
    alice.ai_activated_on = dt.date(2026, 11, 1)
    alice.save()
    with pytest.raises(ValidationError) as caught:
        make_draft(carol, alice, lines=[row(), gift])

    assert caught.value.messages == [
        "Avance immédiate : ligne 2 : ni remise, ni ligne gratuite ou négative en avance "
        "immédiate ; indiquez directement le prix consenti sur la prestation."
    ]


def test_services_before_the_activation_day_are_refused_at_drafting(
    carol, active_alice, make_draft
):
    with pytest.raises(ValidationError) as caught:
        make_draft(carol, active_alice, period=(dt.date(2026, 11, 1), dt.date(2026, 11, 20)))

    assert caught.value.messages == [
        "Avance immédiate : la période commence le 01/11/2026, avant l'activation de l'avance "
        "immédiate du client le 02/11/2026 à 14 h 45 : facturez à part, hors avance "
        "immédiate, les prestations antérieures."
    ]


def test_a_correction_covers_the_month_it_corrects_only(carol, active_alice, make_draft):
    october = Invoice.objects.create(
        cooperative=carol.cooperative,
        provider=carol,
        client=active_alice,
        period_start=dt.date(2026, 10, 5),
        period_end=dt.date(2026, 10, 9),
        status=InvoiceStatus.CANCELLED,
        number="2026-00007",
        issue_date=dt.date(2026, 10, 10),
    )

    with pytest.raises(ValidationError) as caught:
        services.invoice_create_draft(
            provider=carol,
            client=active_alice,
            period_start=NOV[0],
            period_end=NOV[1],
            lines=[row()],
            replaces=october,
        )

    assert caught.value.messages == [
        "Avance immédiate : cette facture corrige la facture 2026-00007 des prestations de "
        "10/2026 : elle porte sur ce mois-là seulement ; facturez les autres mois à part."
    ]


def test_a_future_period_may_be_drafted_but_not_sent(carol, active_alice, make_draft):
    with time_machine.travel(dt.datetime(2026, 11, 10, 9, tzinfo=dt.UTC), tick=False):
        draft = make_draft(carol, active_alice, period=NOV)

        found = preflight.check(
            invoice=draft,
            lines=draft.lines.all(),
            client=active_alice,
            provider=carol,
            now=dt.datetime.now(dt.UTC),
        )

    assert found == [
        "les prestations vont jusqu'au 20/11/2026, dans le futur : émettez la facture une "
        "fois les prestations faites."
    ]


def test_drafting_and_preflight_read_one_table(carol, alice):
    """The preflight's business messages are exactly the table's: no second copy of a rule."""
    names = [rule.name for rule in rules.RULES]
    assert "hours_per_intervention" in names
    assert not hasattr(preflight, "_hours_per_intervention")
    assert not hasattr(preflight, "_one_month")
    assert not hasattr(preflight, "_deposit")


# --- sub-ceiling notices ------------------------------------------------------------------------


def test_a_document_with_a_capped_nature_tells_the_cap_and_the_year_so_far(
    carol, alice, make_draft
):
    earlier = make_draft(carol, alice, lines=[row("petit-bricolage", quantity="2", price="100")])
    services.invoice_issue(invoice=earlier, by=carol.user, on=dt.date(2026, 11, 3))
    draft = make_draft(
        carol,
        alice,
        lines=[
            row("petit-bricolage", quantity="2", price="100"),
            row("petit-bricolage", day=dt.date(2026, 11, 9), quantity="1.5", price="100"),
            row(),
        ],
    )

    [notice] = rules.notices(rules.subject_of(draft, draft.lines.all()))

    # 200 € already invoiced + 350 € here = 550 € > 500 €.
    assert notice == (
        "« Petit bricolage » : le crédit d'impôt retient au plus 500,00\u00a0€ par an et par "
        "foyer ; avec ce document, ce client atteint 550,00\u00a0€ en 2026 : la part au-delà "
        "n'ouvre pas droit au crédit d'impôt."
    )


def test_the_provider_sees_the_notice_on_a_quote(client, carol, alice, make_quote):
    quote = make_quote(carol, alice)  # jardinage, 120 €
    client.force_login(carol.user)

    response = client.get(reverse("provider:quote_detail", args=[quote.code]))

    assert response.status_code == HTTPStatus.OK
    page = as_read(response)
    assert as_read("« Jardinage » : plafond de 5\u202f000,00\u00a0€ par an et par foyer") in page
    assert as_read("ce client en est à 120,00\u00a0€ en 2026") in page


def test_a_quote_counts_every_invoice_of_the_year_even_one_sharing_its_id(carol, alice, make_draft):
    earlier = make_draft(carol, alice, lines=[row("petit-bricolage", quantity="2", price="100")])
    services.invoice_issue(invoice=earlier, by=carol.user, on=dt.date(2026, 11, 3))
    # Quotes and invoices are numbered apart: a quote may have the same pk as an invoice.
    quote = Quote(
        pk=earlier.pk,
        cooperative=carol.cooperative,
        provider=carol,
        client=alice,
        period_start=dt.date(2026, 12, 1),
        period_end=dt.date(2026, 12, 18),
    )
    lines = [Invoice.line_link().model(nature=nature("petit-bricolage"), total_ttc=Decimal("350"))]

    subject = rules.subject_of(quote, lines)

    assert subject.spent == {nature("petit-bricolage").pk: Decimal("200.00")}
