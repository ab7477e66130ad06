"""Typed URSSAF objects: the JSON shapes, dates and amounts URSSAF expects."""

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from urssaf.exceptions import UrssafErrorDetail
from urssaf.payloads import (
    BankAccount,
    BirthPlace,
    ClientStatus,
    SubmissionResult,
    encode_json,
    format_date,
    format_datetime,
    parse_date,
)


def test_a_date_travels_as_midnight_utc_with_the_zulu_marker():
    assert format_date(date(2026, 3, 2)) == "2026-03-02T00:00:00Z"


def test_an_aware_datetime_is_converted_to_utc():
    paris_winter = timezone(timedelta(hours=1))
    moment = datetime(2026, 3, 2, 9, 30, tzinfo=paris_winter)

    assert format_datetime(moment) == "2026-03-02T08:30:00Z"


def test_a_naive_datetime_is_refused():
    with pytest.raises(ValueError, match="aware"):
        format_datetime(datetime(2026, 3, 2, 9, 30))  # noqa: DTZ001


def test_urssaf_dates_are_read_as_calendar_dates():
    assert parse_date("2026-03-23T00:00:00Z") == date(2026, 3, 23)
    assert parse_date("") is None


@pytest.mark.parametrize(
    ("insee", "department", "commune"),
    [
        ("69123", "069", "123"),  # Lyon
        ("2A004", "02A", "004"),  # Ajaccio
        ("97411", "974", "011"),  # Saint-Denis (Réunion): URSSAF support's workaround
        ("97101", "971", "001"),  # Les Abymes (Guadeloupe)
    ],
)
def test_a_french_birth_place_is_split_as_urssaf_wants(insee, department, commune):
    place = BirthPlace.from_insee("99100", insee, "Ville")

    assert place.to_payload() == {
        "codePaysNaissance": "99100",
        "departementNaissance": department,
        "communeNaissance": {"codeCommune": commune, "libelleCommune": "Ville"},
    }


def test_a_foreign_birth_place_has_only_the_country():
    assert BirthPlace.from_insee("99139", "", "Porto").to_payload() == {
        "codePaysNaissance": "99139"
    }


def test_amounts_keep_their_exact_digits_in_json():
    encoded = encode_json({"a": Decimal("68.18"), "b": Decimal("16.667"), "c": Decimal("75.00")})

    assert encoded == b'{"a": 68.18, "b": 16.667, "c": 75.0}'


def test_an_amount_json_cannot_carry_exactly_is_refused():
    with pytest.raises(ValueError, match="rounding"):
        encode_json({"a": Decimal("0.12345678901234567890")})


def test_the_iban_never_appears_in_a_repr():
    account = BankAccount(iban="FR7630006000011234567890189", bic="AGRIFRPP882", holder="Mme X")

    assert "FR76" not in repr(account)


def test_activation_moment_is_read_in_french_time():
    status = ClientStatus(
        id_client="c", code="APPAREILLAGE_VALIDE", state="OK", description="03/03/2026 00:30"
    )

    assert status.active_since.astimezone(UTC) == datetime(2026, 3, 2, 23, 30, tzinfo=UTC)


def test_a_rejected_item_whose_status_is_an_error_code_is_not_accepted():
    result = SubmissionResult.from_payload(
        {"numFactureTiers": "F-1", "idDemandePaiement": "dp-1", "statut": "ERR_DATE_FUTUR"}
    )

    assert not result.accepted
    assert result.errors == ()


def test_error_details_tolerate_the_oauth_shape():
    detail = UrssafErrorDetail.from_payload({"error": "invalid_client", "error_description": "no"})

    assert (detail.code, detail.message) == ("invalid_client", "no")
