"""Bank details and birth data are encrypted at rest; a key can be rotated; equality is searchable.

Each test reads the stored row with raw SQL, as someone holding a database dump would.
"""

import datetime as dt
import io
from decimal import Decimal

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from clients.encryption import check_encryption_keys, decrypt, is_current
from clients.models import Client, Provider
from invoices.models import PayoutBatch
from urssaf.models import AIOrigin, AIRegistration

from ..factories import ClientFactory
from ..urssaf.registration.conftest import make_ready

pytestmark = pytest.mark.django_db

IBAN = "FR7630006000011234567890189"
BIC = "AGRIFRPP882"


def stored(model, pk: int, *columns: str) -> dict:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(map(quote, columns))} FROM {quote(model._meta.db_table)} "  # noqa: S608
            "WHERE id = %s",
            [pk],
        )
        return dict(zip(columns, cursor.fetchone(), strict=True))


def test_a_clients_bank_details_and_birth_data_are_not_stored_in_clear(alice):
    alice.iban, alice.bic = IBAN, BIC
    alice.save()

    row = stored(
        Client,
        alice.pk,
        "iban",
        "bic",
        "birth_date",
        "birth_country_code",
        "birth_department",
        "birth_commune_code",
        "birth_commune_label",
    )

    clear = [IBAN, BIC, "1975-05-17", "99100", "069", "69123", "Lyon"]
    for column, value in zip(row, clear, strict=True):
        assert value not in str(row[column]), column
        assert decrypt(row[column]) == value
    reloaded = Client.objects.get(pk=alice.pk)
    assert (reloaded.iban, reloaded.birth_date) == (IBAN, dt.date(1975, 5, 17))


def test_a_providers_payout_account_is_not_stored_in_clear(carol):
    row = stored(Provider, carol.pk, "payout_iban", "payout_bic")
    assert IBAN not in row["payout_iban"]
    assert BIC not in row["payout_bic"]
    assert Provider.objects.get(pk=carol.pk).payout_iban == IBAN


def test_an_empty_value_stays_empty_so_the_database_still_sees_a_missing_place(cooperative):
    foreign = ClientFactory(
        cooperative=cooperative,
        birth_country_code="99134",
        birth_department="",
        birth_commune_code="",
        birth_commune_label="",
    )
    row = stored(Client, foreign.pk, "iban", "birth_department")
    assert row == {"iban": "", "birth_department": ""}


def test_the_registration_summary_sent_to_urssaf_is_not_stored_in_clear(alice):
    ready = make_ready(alice)
    registration = AIRegistration.objects.create(
        client=ready,
        origin=AIOrigin.CLIENT,
        request_summary={"dateNaissance": "1975-05-17T00:00:00.000Z", "nomNaissance": "X"},
    )
    row = stored(AIRegistration, registration.pk, "request_summary")
    assert "1975-05-17" not in row["request_summary"]
    assert AIRegistration.objects.get(pk=registration.pk).request_summary["nomNaissance"] == "X"


def test_the_cooperatives_debited_account_is_not_stored_in_clear(sam):
    batch = PayoutBatch.objects.create(
        message_id="LOT-1",
        execution_date=timezone.localdate(),
        debtor_name="Coopérative",
        debtor_iban=IBAN,
        debtor_bic=BIC,
        total=Decimal("10.00"),
        count=1,
        created_by=sam,
    )
    row = stored(PayoutBatch, batch.pk, "debtor_iban", "debtor_bic")
    assert IBAN not in row["debtor_iban"]
    assert BIC not in row["debtor_bic"]


def test_a_prefix_search_on_an_encrypted_field_is_refused_not_silently_empty(alice):
    with pytest.raises(FieldError):
        list(Client.objects.filter(iban__startswith="FR76"))
    with pytest.raises(FieldError):
        list(Client.objects.filter(birth_date__year=1975))
    with pytest.raises(ValueError, match="encrypted"):
        list(Client.objects.filter(iban=IBAN))
    assert list(Client.objects.filter(iban="")) == [alice]


def test_clients_born_on_a_day_are_found_through_the_keyed_hash(alice, bob):
    bob.birth_date = dt.date(1980, 1, 2)
    bob.save()

    assert list(Client.objects.with_birth_date(dt.date(1975, 5, 17))) == [alice]
    assert list(Client.objects.with_birth_date(dt.date(1980, 1, 2))) == [bob]
    assert not Client.objects.with_birth_date(dt.date(1990, 1, 1)).exists()
    # The hash is keyed: a plain SHA-256 of the date would let anyone test every day of a century.
    assert "1975-05-17" not in stored(Client, alice.pk, "birth_date_hash")["birth_date_hash"]


def test_rotating_the_key_reencrypts_every_row_and_the_old_key_can_then_go(alice, carol):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    new_hash_key = "a-new-hash-key"
    with override_settings(
        FIELD_ENCRYPTION_KEYS=[new_key, old_key],
        FIELD_HASH_KEYS=[new_hash_key, *settings.FIELD_HASH_KEYS],
    ):
        # Before the command, old rows are still read, and found by birth date.
        assert Client.objects.get(pk=alice.pk).birth_date == dt.date(1975, 5, 17)
        assert Client.objects.with_birth_date(dt.date(1975, 5, 17)).get() == alice
        assert not is_current(stored(Client, alice.pk, "iban", "birth_date")["birth_date"])

        out = io.StringIO()
        call_command("reencrypt_sensitive_data", stdout=out)
        assert "clients.Client: 1 row(s) re-encrypted" in out.getvalue()

    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key], FIELD_HASH_KEYS=[new_hash_key]):
        assert Client.objects.get(pk=alice.pk).birth_date == dt.date(1975, 5, 17)
        assert Provider.objects.get(pk=carol.pk).payout_iban == IBAN
        assert Client.objects.with_birth_date(dt.date(1975, 5, 17)).get() == alice


def test_a_key_that_is_not_a_fernet_key_stops_the_start_up_check():
    with override_settings(FIELD_ENCRYPTION_KEYS=["not-a-key"]):
        errors = check_encryption_keys()
    assert [error.id for error in errors] == ["clients.E002"]
    assert check_encryption_keys() == []


def test_the_audit_trail_says_a_birth_date_changed_without_keeping_it(alice, carol):
    from audit.services import audit_trail
    from urssaf.registration.services import ai_client_prepare

    data = {
        field: getattr(alice, field) for field in ("birth_date", "birth_commune_label", "email")
    }
    ai_client_prepare(
        client=alice, data={**data, "birth_date": dt.date(1976, 6, 18)}, by=carol.user
    )

    [entry] = audit_trail(alice)
    assert entry.changes == {"birth_date": ["(masqué)", "(masqué)"]}
