"""URSSAF reference data as the portal reads it (shared/urssaf/API.md §8).

Plain Python, no Django import. The payment statuses, labels and rejection reasons are URSSAF's
published list, read once for the portal and the sandbox (reference/urssaf_nomenclature.py);
the enum below names the link statuses the portal acts on, and tests check it matches that list.
"""

from enum import StrEnum

# The payment statuses, link-status labels and rejection reasons, as URSSAF publishes them.
from reference.urssaf_nomenclature import *  # noqa: F403


class ClientLinkStatus(StrEnum):
    """`statut.code` of GET /particulier (API.md §4)."""

    PENDING = "APPAREILLAGE_EC"
    ACTIVE = "APPAREILLAGE_VALIDE"
    NOT_FINALISED = "APPAREILLAGE_NF"
    BLOCKED = "PARTICULIER_BLOQUE"
    MANDATE_EXPIRED = "MANDAT_ECHU"
