"""URSSAF's codes and labels as the sandbox serves them (shared/urssaf/API.md §4 and §8).

The sandbox plays URSSAF, so it holds its own copy of what URSSAF knows instead of importing
the portal's reading of it (urssaf/nomenclature.py): a fake that shared its codes with the
client under test could never catch the client misreading one. tests/sandbox/test_nomenclature.py
checks that both sides still list the same codes.
"""

from enum import StrEnum


class PaymentStatus(StrEnum):
    """`statut.code` of a payment request (API.md §8.1)."""

    INTEGRATED = "10"
    AWAITING_VALIDATION = "20"
    VALIDATED = "30"
    REFUSED = "40"
    DEBITED = "50"
    DEBIT_REFUSED = "60"
    PAID = "70"
    CANCELLED = "110"
    CANCELLED_AFTER_UNPAID = "111"
    CANCELLED_AFTER_RECOVERY = "112"
    # 113, 260 and 270 were seen in one recent client only (API.md §8.1: unconfirmed); the
    # sandbox never moves a request to them but names them like any other code.
    CANCELLED_SPECIFIC = "113"
    RECOVERED = "120"
    PROVIDER_UNPAID = "260"
    PROVIDER_SETTLED = "270"


# `statut.libelle` sent with each code.
PAYMENT_STATUS_LABELS: dict[str, str] = {
    PaymentStatus.INTEGRATED: "Intégrée",
    PaymentStatus.AWAITING_VALIDATION: "En attente de validation",
    PaymentStatus.VALIDATED: "Validée",
    PaymentStatus.REFUSED: "Refusée",
    PaymentStatus.DEBITED: "Prélevée",
    PaymentStatus.DEBIT_REFUSED: "En refus de prélèvement",
    PaymentStatus.PAID: "Payée",
    PaymentStatus.CANCELLED: "Annulée",
    PaymentStatus.CANCELLED_AFTER_UNPAID: "Annulée après impayé",
    PaymentStatus.CANCELLED_AFTER_RECOVERY: "Annulée après recouvrement",
    PaymentStatus.CANCELLED_SPECIFIC: "Annulée raison spécifique",
    PaymentStatus.RECOVERED: "Recouvrée",
    PaymentStatus.PROVIDER_UNPAID: "Impayé prestataire",
    PaymentStatus.PROVIDER_SETTLED: "Régularisée prestataire",
}

# `statut.code` of GET /particulier (API.md §4), as the console names them.
CLIENT_LINK_STATUS_LABELS: dict[str, str] = {
    "APPAREILLAGE_EC": "En cours",
    "APPAREILLAGE_VALIDE": "Confirmé",
    "APPAREILLAGE_NF": "Non finalisé",
    "PARTICULIER_BLOQUE": "Bloqué",
    "MANDAT_ECHU": "Mandat expiré",
}

# `infoRejet.code` (API.md §8.2): the family is the prefix; "autre motif" says which family.
REJECTION_LABELS: dict[str, str] = {
    "REGUL_MNT_FACT": "Erreur sur le montant facturé et/ou sur le tarif indiqué",
    "REGUL_NB_QTE_FACT": "Nombre d'heures ou quantités facturées erronées",
    "REGUL_PRESTA_FACT": "Erreur sur les prestations facturées",
    "REGUL_AUTRE": "Régularisation : autre motif",
    "CONTEST_ERR_FACT": "La facture comporte une erreur",
    "CONTEST_FACT_REGLEE": "La facture a déjà été réglée",
    "CONTEST_AUTRE": "Contestation : autre motif",
    "ANNUL_DBL": "Demande de paiement en doublon",
    "ANNUL_ERR_MNT": "Montant facturé erroné",
    "ANNUL_ERR_TECH": "Erreur technique",
    "ANNUL_AUTRE": "Annulation : autre motif",
}
CONTEST_CODES = tuple(code for code in REJECTION_LABELS if code.startswith("CONTEST_"))
CANCEL_CODES = tuple(code for code in REJECTION_LABELS if code.startswith("ANNUL_"))
