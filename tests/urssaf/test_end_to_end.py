"""urssaf/api.py against the sandbox over real HTTP: the whole journey of an invoice."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from urssaf import api
from urssaf.exceptions import PermanentUrssafError, TransientUrssafError
from urssaf.nomenclature import PaymentStatus
from urssaf.payloads import (
    BankAccount,
    BirthPlace,
    Particulier,
    PaymentRequestPayload,
    PostalAddress,
    ServiceLine,
)

from ..sandbox.samples import INVOICED_AT, REGISTERED_AT

pytestmark = pytest.mark.usefixtures("urssaf_settings")


def particulier(**changes) -> Particulier:
    values = {
        "civility": "2",
        "birth_name": "Lefebvre",
        "first_names": "Alice Marie",
        "birth_date": date(1972, 4, 12),
        "birth_place": BirthPlace.from_insee("99100", "69123", "Lyon"),
        "mobile_phone": "0611223344",
        "email": "alice.lefebvre@demo.coop",
        "address": PostalAddress(
            commune_code="69381",
            commune_label="LYON 01",
            postal_code="69001",
            street_number="8",
            street_type="R",
            street_name="du Soleil",
        ),
        "bank": BankAccount(
            iban="FR7630006000011234567890189", bic="AGRIFRPP882", holder="Mme Alice Lefebvre"
        ),
    }
    return Particulier(**{**values, **changes})


def invoice(id_client: str, number: str = "F-2026-0001", **changes) -> PaymentRequestPayload:
    values = {
        "id_client": id_client,
        "client_birth_date": date(1972, 4, 12),
        "invoice_number": number,
        "invoice_date": date(2026, 3, 17),
        "period_start": date(2026, 3, 3),  # the day after activation (API.md §0.2)
        "period_end": date(2026, 3, 16),
        "total_ttc": Decimal("52.50"),
        "total_ht": Decimal("47.73"),
        "lines": (
            ServiceLine(
                nature_code="60",
                quantity=Decimal("2.10"),
                unit="HEURE",
                unit_price_ttc=Decimal("25.000"),
                total_ttc=Decimal("52.50"),
                total_ht=Decimal("47.73"),
                total_tva=Decimal("4.77"),
            ),
        ),
    }
    return PaymentRequestPayload(**{**values, **changes})


@pytest.fixture
def alice_id(sandbox):
    """Alice registered through the client on 2 March, activated; now is 17 March."""
    sandbox.set_now(REGISTERED_AT)
    id_client = api.register_client(particulier())
    sandbox.activate(id_client)
    sandbox.set_now(INVOICED_AT)
    return id_client


def valid_token() -> None:
    """Make a harmless call so that the cached token is valid on the sandbox clock."""
    api.search_payment_requests(invoice_numbers=["F-WARM-UP"])


def status_of(number: str) -> str:
    [found] = api.search_payment_requests(invoice_numbers=[number]).items
    return found.status_code


def test_an_invoice_goes_from_registration_to_payment(sandbox):
    sandbox.set_now(REGISTERED_AT)
    id_client = api.register_client(particulier())
    pending = api.get_client_status(id_client=id_client)
    sandbox.activate(id_client)
    active = api.get_client_status(email="alice.lefebvre@demo.coop")
    sandbox.set_now(INVOICED_AT)

    [result] = api.submit_payment_requests([invoice(id_client)])
    seen = [status_of("F-2026-0001")]
    for hours in (48, 48, 48):
        sandbox.advance(hours=hours)
        seen.append(status_of("F-2026-0001"))

    assert not pending.is_active
    assert active.is_active
    assert active.active_since.date() == date(2026, 3, 2)
    assert result.accepted
    assert result.status == "10"
    assert seen == ["20", "30", "50", "70"]
    [paid] = api.search_payment_requests(ids=[result.request_id]).items
    assert paid.status == PaymentStatus.PAID
    assert paid.transfer.amount == Decimal("52.50")
    assert paid.transfer.date == date(2026, 3, 23)  # validated by silence on the 19th, J+4
    assert paid.request["mntFactureHT"] == Decimal("47.73")


def test_the_scheduled_transfer_has_a_date_but_no_amount_yet(sandbox, alice_id):
    [result] = api.submit_payment_requests([invoice(alice_id)])
    sandbox.validate(result.request_id)
    sandbox.advance(days=2)

    [debited] = api.search_payment_requests(ids=[result.request_id]).items

    assert debited.status == PaymentStatus.DEBITED
    assert debited.transfer.date == date(2026, 3, 21)
    assert debited.transfer.amount is None


def test_a_contested_invoice_comes_back_with_the_clients_reason(sandbox, alice_id):
    [result] = api.submit_payment_requests([invoice(alice_id)])
    sandbox.contest(result.request_id, "CONTEST_ERR_FACT", "Seulement 2 h")

    [found] = api.search_payment_requests(ids=[result.request_id]).items

    assert found.status == PaymentStatus.REFUSED
    assert (found.rejection.code, found.rejection.comment) == ("CONTEST_ERR_FACT", "Seulement 2 h")


def test_the_tax_office_not_knowing_the_client_is_permanent():
    with pytest.raises(PermanentUrssafError) as caught:
        api.register_client(particulier(first_names="Alice"))

    assert caught.value.codes == ["ERR_DGFIP_R2P_INCONNU"]


def test_every_validation_error_reaches_the_caller():
    with pytest.raises(PermanentUrssafError) as caught:
        api.register_client(particulier(mobile_phone="0411223344", email="alice+x@demo.coop"))

    assert caught.value.codes == ["ERREUR_VALIDATION", "ERREUR_VALIDATION"]
    assert [e.description for e in caught.value.errors] == [
        "inputParticulier.numeroTelephonePortable",
        "inputParticulier.adresseMail",
    ]


def test_rejected_invoices_of_a_batch_carry_their_errors(alice_id):
    good, future = api.submit_payment_requests(
        [invoice(alice_id, "F-1"), invoice(alice_id, "F-2", period_end=date(2026, 3, 31))]
    )

    assert good.accepted
    assert not future.accepted
    assert [error.code for error in future.errors] == ["ERR_DATE_FUTUR"]


def test_a_sandbox_clock_jump_expires_the_cached_token_and_the_client_recovers(sandbox):
    first = api.get_access_token()
    sandbox.advance(hours=2)

    api.search_payment_requests(invoice_numbers=["F-404"])

    assert api.get_access_token() != first


def test_an_unavailable_urssaf_is_transient_with_its_retry_after(sandbox):
    valid_token()
    sandbox.set_faults(error_rate=1, error_statuses=[503], retry_after_seconds=30)

    with pytest.raises(TransientUrssafError) as caught:
        api.search_payment_requests(invoice_numbers=["F-1"])

    assert caught.value.status_code == 503
    assert caught.value.retry_after == 30


def test_after_a_timeout_the_invoice_number_tells_whether_urssaf_got_it(
    sandbox, alice_id, settings
):
    valid_token()
    settings.URSSAF_READ_TIMEOUT = 0.2
    sandbox.set_faults(timeout_rate=1, timeout_seconds=0.6)

    with pytest.raises(TransientUrssafError):
        api.submit_payment_requests([invoice(alice_id)])
    sandbox.set_faults(timeout_rate=0)
    found = api.search_payment_requests(invoice_numbers=["F-2026-0001"])

    assert [item.status_code for item in found.items] == ["20"]


def test_a_dropped_connection_is_transient(sandbox):
    valid_token()
    sandbox.set_faults(drop_rate=1)

    with pytest.raises(TransientUrssafError):
        api.get_client_status(id_client="x")


def test_a_client_never_registered_is_a_permanent_lookup_error():
    with pytest.raises(PermanentUrssafError) as caught:
        api.get_client_status(id_client="nobody")

    assert caught.value.codes == ["ERR_RECHERCHE_PARTICULIER"]


def test_nothing_found_is_an_empty_search(sandbox):
    assert api.search_payment_requests(invoice_numbers=["F-404"]).items == ()


def test_the_deposit_is_sent_and_deducted_from_the_transfer(sandbox, alice_id):
    request = invoice(alice_id, deposit=Decimal("20.00"), deposit_date=date(2026, 3, 5))
    [result] = api.submit_payment_requests([request])
    sandbox.validate(result.request_id)
    sandbox.advance(days=4, hours=1)

    [paid] = api.search_payment_requests(ids=[result.request_id]).items

    assert paid.transfer.amount == Decimal("32.50")
    assert paid.transfer.date == (INVOICED_AT + timedelta(days=4)).date()
