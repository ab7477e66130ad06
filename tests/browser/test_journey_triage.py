"""Journey: the staff correct a birth commune the tax office did not recognise, and resend.

Margaux Perrin was born in 1980 in Annecy-le-Vieux, merged into Annecy in 2017. Carol recorded
today's commune, Annecy (74010); the tax office knows her under Annecy-le-Vieux (74011), the
commune as it was on her birth date. URSSAF refuses the registration (ERR_DGFIP_R2P_INCONNU) and
it lands in the staff's "identity" bucket.
"""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from clients import services
from clients.models import AIStatus, Client
from urssaf.models import AIOrigin, AIRegistrationState, TriageState
from urssaf.registration import services as registration_services
from urssaf.registration.triage_table import RegistrationBucket

from ..urssaf.registration.conftest import dgfip_identity, make_ready
from .conftest import log_in

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("urssaf_settings"),
]

IDENTITY_BUCKET = RegistrationBucket.IDENTITY.label


@pytest.fixture
def margaux(carol) -> Client:
    """Carol's client, her birth commune recorded as today's Annecy instead of Annecy-le-Vieux."""
    client, _ = services.client_create_for_provider(
        provider=carol,
        data={
            "civility": "2",
            "birth_name": "Perrin",
            "first_names": "Margaux",
            "birth_date": dt.date(1980, 3, 14),
            "birth_country_code": "99100",
            "birth_department": "074",
            "birth_commune_code": "74010",
            "birth_commune_label": "Annecy",
            "email": "margaux.perrin@example.org",
            "mobile_phone": "0687654321",
            "street_number": "3",
            "street_type": "R",
            "street_name": "des Tilleuls",
            "postal_code": "74000",
            "city": "Annecy",
            "city_insee_code": "74010",
        },
    )
    return make_ready(client)


@pytest.fixture
def failed_margaux(margaux, carol, sandbox) -> Client:
    """Margaux once Carol sent her registration: the tax office knows another birth commune."""
    born_in_annecy_le_vieux = {
        "codePaysNaissance": "99100",
        "departementNaissance": "074",
        "communeNaissance": {"codeCommune": "011", "libelleCommune": "Annecy-le-Vieux"},
    }
    sandbox.add_taxpayer({**dgfip_identity(margaux), "lieuNaissance": born_in_annecy_le_vieux})
    # Committed at once (transactional test): the send task runs eagerly against the sandbox.
    registration_services.ai_registration_start(
        client=margaux, by=carol.user, origin=AIOrigin.PROVIDER
    )
    registration = margaux.ai_registrations.get()
    assert registration.error_codes == ["ERR_DGFIP_R2P_INCONNU"]
    assert registration.triage_bucket == RegistrationBucket.IDENTITY
    return margaux


def test_staff_correct_the_birth_commune_and_the_resend_leaves_the_queue(
    journey, live_server, sam, failed_margaux
):
    page = journey
    margaux = failed_margaux
    log_in(page, live_server, sam.email)

    # The admin home counts what waits in each bucket.
    panel = page.get_by_role("table", name="Inscriptions à l'avance immédiate à traiter")
    bucket_row = panel.get_by_role("row").filter(has=page.get_by_role("link", name=IDENTITY_BUCKET))
    expect(bucket_row.get_by_role("cell")).to_have_text("1")
    bucket_row.get_by_role("link", name=IDENTITY_BUCKET).click()

    # The queue, filtered on that bucket, lists her failed attempt with URSSAF's code.
    attempt_row = page.get_by_role("row").filter(has_text=margaux.email)
    expect(attempt_row).to_contain_text("ERR_DGFIP_R2P_INCONNU")
    attempt_row.get_by_role("link", name=f"{margaux.full_name} ({margaux.email})").click()

    # The attempt explains the failure in French, and what to tell her.
    expect(page.get_by_role("heading", name=IDENTITY_BUCKET)).to_be_visible()
    code_advice = (
        page.get_by_role("listitem")
        .filter(has_text="ERR_DGFIP_R2P_INCONNU")
        .filter(has_text="Conseil au client")
    )
    expect(code_advice).to_contain_text("La DGFiP ne trouve personne avec cet état civil")
    expect(code_advice).to_contain_text("le code de la commune de naissance d'aujourd'hui")
    expect(code_advice).to_contain_text("Conseil au client : Vérifiez sur votre avis d'imposition")
    page.get_by_role("link", name="Corriger et renvoyer", exact=True).click()

    # The correction: the birth commune as it was on 14/03/1980. Her recorded answers stay.
    expect(
        page.get_by_role("heading", name=f"Corriger et renvoyer — {margaux.full_name}")
    ).to_be_visible()
    tax_return = page.get_by_role("group", name=re.compile(r"^Le client a-t-il déjà déposé"))
    expect(tax_return.get_by_role("radio", name="Oui")).to_be_checked()
    expect(page.get_by_role("textbox", name=re.compile(r"^IBAN"))).to_have_value("")
    page.get_by_label("Commune de naissance (code INSEE)").fill("74011")
    page.get_by_role("textbox", name=re.compile(r"^Commune de naissance\W*$")).fill(
        "Annecy-le-Vieux"
    )
    page.get_by_role("button", name="Enregistrer et renvoyer à l'URSSAF").click()

    # A new attempt went out and URSSAF accepted it.
    expect(
        page.get_by_text("Inscription renvoyée à l'URSSAF : voici la nouvelle demande.")
    ).to_be_visible()
    expect(page.get_by_role("link", name="Corriger et renvoyer", exact=True)).to_have_count(0)
    page.get_by_role("link", name="Fiche client").click()
    expect(page.get_by_text(AIStatus.AWAITING_ACTIVATION.label, exact=True)).to_be_visible()

    # The queue has nothing left for her, and the home counts nothing in the bucket.
    page.goto(f"{live_server.url}/admin/urssaf/airegistration/")
    her_attempts = page.get_by_role("row").filter(has_text=margaux.email)
    expect(page.get_by_text("0 inscriptions à l'avance immédiate")).to_be_visible()
    expect(her_attempts).to_have_count(0)
    page.get_by_role("link", name="Toutes les tentatives").click()
    expect(her_attempts).to_have_count(2)
    page.goto(f"{live_server.url}/admin/")
    expect(bucket_row.get_by_role("cell")).to_have_text("0")

    margaux.refresh_from_db()
    assert margaux.ai_status == AIStatus.AWAITING_ACTIVATION
    assert (margaux.birth_commune_code, margaux.birth_commune_label) == ("74011", "Annecy-le-Vieux")
    first, second = margaux.ai_registrations.order_by("created_at")
    assert (first.state, first.triage_state) == (
        AIRegistrationState.SUPERSEDED,
        TriageState.RESOLVED,
    )
    assert (second.state, second.origin, second.started_by) == (
        AIRegistrationState.SENT,
        AIOrigin.STAFF,
        sam,
    )
    assert second.request_summary["lieuNaissance"]["communeNaissance"]["codeCommune"] == "011"
