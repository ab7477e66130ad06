"""A SEPA credit-transfer file (ISO 20022 pain.001.001.03) for a batch of provider payouts.

The version every French bank accepts for SEPA transfers ("virements SEPA", SCT). Names and
free text are reduced to the SEPA Latin character set, as banks require.
"""

import re
import unicodedata
from decimal import Decimal
from xml.etree import ElementTree as ET

from django.utils import timezone

from .models import Payout, PayoutBatch

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"
# The characters of the SEPA "basic Latin" set; anything else becomes a space.
_NOT_SEPA = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]")


def sepa_text(value: str, length: int) -> str:
    """Return `value` in the SEPA character set, accents removed, cut to `length`."""
    ascii_only = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return " ".join(_NOT_SEPA.sub(" ", ascii_only).split())[:length]


def _amount(value: Decimal) -> str:
    return f"{value:.2f}"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


def _path(parent: ET.Element, tags: str, text: str) -> ET.Element:
    """Create the nested elements `A/B/C` under `parent`, the last one holding `text`."""
    element = parent
    for tag in tags.split("/"):
        element = _sub(element, tag)
    element.text = text
    return element


def batch_xml(batch: PayoutBatch, payouts: list[Payout]) -> bytes:
    """Return the pain.001.001.03 document of the batch (payouts with provider and invoice)."""
    root = ET.Element("Document", xmlns=NAMESPACE)
    initiation = _sub(root, "CstmrCdtTrfInitn")
    header = _sub(initiation, "GrpHdr")
    _sub(header, "MsgId", batch.message_id)
    _sub(header, "CreDtTm", timezone.localtime(batch.created_at).strftime("%Y-%m-%dT%H:%M:%S"))
    _sub(header, "NbOfTxs", str(len(payouts)))
    _sub(header, "CtrlSum", _amount(batch.total))
    _path(header, "InitgPty/Nm", sepa_text(batch.debtor_name, 70))
    _payment_information(initiation, batch, payouts)
    ET.indent(root)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


def _payment_information(parent: ET.Element, batch: PayoutBatch, payouts: list[Payout]) -> None:
    info = _sub(parent, "PmtInf")
    _sub(info, "PmtInfId", batch.message_id)
    _sub(info, "PmtMtd", "TRF")
    _sub(info, "BtchBookg", "false")  # one line per provider on the cooperative's statement
    _sub(info, "NbOfTxs", str(len(payouts)))
    _sub(info, "CtrlSum", _amount(batch.total))
    _path(info, "PmtTpInf/SvcLvl/Cd", "SEPA")
    _sub(info, "ReqdExctnDt", batch.execution_date.isoformat())
    _path(info, "Dbtr/Nm", sepa_text(batch.debtor_name, 70))
    _path(info, "DbtrAcct/Id/IBAN", batch.debtor_iban)
    _path(info, "DbtrAgt/FinInstnId/BIC", batch.debtor_bic)
    _sub(info, "ChrgBr", "SLEV")
    for payout in payouts:
        _transfer(info, payout)


def _transfer(parent: ET.Element, payout: Payout) -> None:
    provider = payout.provider
    transfer = _sub(parent, "CdtTrfTxInf")
    _path(transfer, "PmtId/EndToEndId", f"VERS-{payout.pk}")
    _sub(_sub(transfer, "Amt"), "InstdAmt", _amount(payout.amount), Ccy="EUR")
    _path(transfer, "CdtrAgt/FinInstnId/BIC", provider.payout_bic.replace(" ", "").upper())
    _path(transfer, "Cdtr/Nm", sepa_text(f"{provider.first_name} {provider.last_name}", 70))
    _path(transfer, "CdtrAcct/Id/IBAN", provider.payout_iban.replace(" ", "").upper())
    remittance = f"Facture {payout.invoice.number} versement prestations"
    _path(transfer, "RmtInf/Ustrd", sepa_text(remittance, 140))
