"""The sandbox keeps its own copy of URSSAF's codes; the portal must read the same ones."""

from sandbox import nomenclature as served
from urssaf import nomenclature as read


def test_the_portal_knows_every_payment_status_the_sandbox_serves_and_no_other():
    assert {status.value for status in served.PaymentStatus} == {
        status.value for status in read.PaymentStatus
    }


def test_both_sides_list_the_same_client_link_statuses():
    assert set(served.CLIENT_LINK_STATUS_LABELS) == {
        status.value for status in read.ClientLinkStatus
    }
    assert set(served.CLIENT_LINK_STATUS_LABELS) == set(read.CLIENT_LINK_STATUS_LABELS)


def test_both_sides_list_the_same_rejection_reasons_in_the_same_families():
    assert set(served.REJECTION_LABELS) == set(read.REJECTION_LABELS)
    assert served.CONTEST_CODES == read.CONTEST_CODES
    assert served.CANCEL_CODES == read.CANCEL_CODES
