"""The sandbox and the portal read URSSAF's codes from one file; their enums must match it."""

import json
from pathlib import Path

from sandbox import nomenclature as served
from urssaf import nomenclature as read

SHARED = json.loads(
    (Path(__file__).resolve().parents[2] / "reference" / "urssaf_nomenclature.json").read_text(
        encoding="utf-8"
    )
)


def test_the_portal_knows_every_payment_status_the_sandbox_serves_and_no_other():
    assert {status.value for status in served.PaymentStatus} == {
        status.value for status in read.PaymentStatus
    }


def test_both_enums_name_exactly_the_payment_statuses_of_the_shared_file():
    assert {status.value for status in served.PaymentStatus} == set(SHARED["payment_statuses"])
    assert {status.value for status in read.PaymentStatus} == set(SHARED["payment_statuses"])


def test_every_payment_status_has_a_label_on_both_sides():
    for status in read.PaymentStatus:
        assert read.PAYMENT_STATUS_LABELS[status] == served.PAYMENT_STATUS_LABELS[status] != ""


def test_both_sides_list_the_same_client_link_statuses():
    assert set(served.CLIENT_LINK_STATUS_LABELS) == {
        status.value for status in read.ClientLinkStatus
    }
    assert set(served.CLIENT_LINK_STATUS_LABELS) == set(read.CLIENT_LINK_STATUS_LABELS)


def test_both_sides_list_the_same_rejection_reasons_in_the_same_families():
    assert set(served.REJECTION_LABELS) == set(read.REJECTION_LABELS)
    assert (
        served.CONTEST_CODES
        == read.CONTEST_CODES
        == ("CONTEST_ERR_FACT", "CONTEST_FACT_REGLEE", "CONTEST_AUTRE")
    )
    assert served.CANCEL_CODES == read.CANCEL_CODES
    assert "ANNUL_DBL" in read.CANCEL_CODES
