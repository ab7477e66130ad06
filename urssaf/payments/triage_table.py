"""What each failure of a payment request means and what to do about it: data, not ifs.

Every POST /demandePaiement error code of shared/urssaf/API.md §6, the lifecycle statuses that
need a human (contested, unpaid debit), and the portal's own causes map to a triage bucket, an
explanation and the staff's next action. A code missing here goes to the "other" bucket for a
human to read, never to a guessed one.
"""

from django.db import models

from ..guarantee.figures import THRESHOLD_TEXT
from ..triage.advice import PORTAL_CHECK, URSSAF_UNAVAILABLE, Advice, AdviceTable, Bucket


class PaymentBucket(models.TextChoices):
    """Why a payment request needs the staff."""

    GUARANTEE = "guarantee", "Garantie financière manquante — demandes retenues"
    INVOICE_DATA = "invoice_data", "Données de la facture à corriger"
    CLIENT_ACCOUNT = "client_account", "Compte URSSAF du client"
    UNAVAILABLE = "unavailable", "URSSAF indisponible — réessayer"
    OTHER = "other", "Code inconnu — à examiner"


# The portal's own causes, recorded like URSSAF codes so one table drives everything.
UNKNOWN_STATUS = "STATUT_INCONNU"
NOT_FOUND = "DEMANDE_INTROUVABLE"  # URSSAF no longer finds a request it accepted
DUPLICATE_ELSEWHERE = "DOUBLON_AUTRE_DEMANDE"  # the number is known for another invoice
AMOUNT_MISMATCH = "MONTANT_VIREMENT_INATTENDU"
CONTESTED = "CONTESTEE"
DEBIT_REFUSED = "PRELEVEMENT_REFUSE"
DUPLICATE = "ERR_FACTURE_DOUBLON"
# Held by the portal for want of a valid financial guarantee (urssaf/guarantee/rules.py).
GUARANTEE_DEPOSIT = "GARANTIE_ACOMPTE"
GUARANTEE_THRESHOLD = "GARANTIE_SEUIL"
URSSAF_GUARANTEE = "ERREUR_GARANTIE_FINANCIERE_NON_CONFORME"


BUCKETS: dict[str, Bucket] = {  # PaymentBucket → its presentation
    PaymentBucket.GUARANTEE: Bucket(
        label=PaymentBucket.GUARANTEE.label,
        explanation=(
            "L'URSSAF exige une garantie financière en cours de validité (décret 2024-1161) "
            "pour une facture avec acompte, ou dès que les factures de l'année en avance "
            f"immédiate dépassent {THRESHOLD_TEXT} TTC. Sans elle, ces demandes ne sont pas "
            "envoyées."
        ),
        next_action=(
            "Enregistrer l'attestation de garantie en cours de validité (« Garanties "
            "financières », « Ajouter ») et la transmettre à l'URSSAF : les demandes retenues "
            "partent alors d'elles-mêmes, sans action sur chacune."
        ),
        # The client's share is not at stake: the cooperative fixes this alone.
        notify_client=False,
    ),
    PaymentBucket.INVOICE_DATA: Bucket(
        label=PaymentBucket.INVOICE_DATA.label,
        explanation=(
            "La facture ne respecte pas une règle de l'URSSAF (période, montants, nature, "
            "intervenant) ou le client l'a contestée."
        ),
        next_action=(
            "Lire le motif ci-dessous, puis « Corriger et renvoyer » : la facture est annulée "
            "et un brouillon corrigible est créé pour le prestataire, qui l'émettra sous un "
            "nouveau numéro."
        ),
    ),
    PaymentBucket.CLIENT_ACCOUNT: Bucket(
        label=PaymentBucket.CLIENT_ACCOUNT.label,
        explanation=(
            "Le compte URSSAF du client ne permet pas le paiement : compte bloqué après un "
            "prélèvement rejeté, mandat expiré, inscription pas encore active à cette date."
        ),
        next_action=(
            "Contacter le client pour qu'il régularise sur particulier.urssaf.fr, puis "
            "« Relancer l'envoi » ; sinon « Abandonner » pour qu'il règle la facture "
            "directement."
        ),
    ),
    PaymentBucket.UNAVAILABLE: Bucket(
        label=PaymentBucket.UNAVAILABLE.label,
        explanation="L'URSSAF n'a pas répondu après plusieurs essais espacés.",
        next_action="Vérifier que le service de l'URSSAF est rétabli, puis « Relancer l'envoi ».",
    ),
    PaymentBucket.OTHER: Bucket(
        label=PaymentBucket.OTHER.label,
        explanation=(
            "L'URSSAF a renvoyé un code ou un statut que le portail ne connaît pas, ou une "
            "réponse inattendue."
        ),
        next_action=(
            "Lire la réponse de l'URSSAF ci-dessous ; au besoin, interroger le support de "
            "l'API Tiers de prestation avant d'agir."
        ),
    ),
}

# When URSSAF returns several codes, the first problem to fix wins.
BUCKET_PRIORITY = (
    PaymentBucket.GUARANTEE,
    PaymentBucket.INVOICE_DATA,
    PaymentBucket.CLIENT_ACCOUNT,
    PaymentBucket.OTHER,
    PaymentBucket.UNAVAILABLE,
)


_DATA = PaymentBucket.INVOICE_DATA
_ACCOUNT = PaymentBucket.CLIENT_ACCOUNT

ADVICE: dict[str, Advice] = {
    # --- invoice data (API.md §6, endpoint D) ----------------------------------------------
    "ERR_DATE_FUTUR": Advice(_DATA, "La période d'emploi est dans le futur."),
    "ERR_DATE_PAIEMENT_AVANT_EXP": Advice(
        _DATA, "La date est antérieure au lancement de l'avance immédiate."
    ),
    "ERR_PERIODE_EMPLOI_MOIS_NON_UNIQUE": Advice(
        _DATA, "La période d'emploi couvre deux mois civils : une facture par mois."
    ),
    "ERR_DATE_FIN_AVANT_DATE_DEB": Advice(_DATA, "La fin de période précède son début."),
    "ERR_MONTANT_ACOMPTE": Advice(_DATA, "L'acompte dépasse 50 % du montant de la facture."),
    "ERR_ACOMPTE_BLOQUE": Advice(
        _DATA, "L'URSSAF n'autorise pas d'acompte pour la coopérative : facture sans acompte."
    ),
    "ERR_TOTAL_PRESTATIONS": Advice(
        _DATA, "La somme des lignes ne correspond pas au total de la facture."
    ),
    "ERR_CODE_NATURE": Advice(_DATA, "Un code nature est inconnu de l'URSSAF."),
    "ERR_CODE_ACTIVITE": Advice(_DATA, "Un code activité est inconnu de l'URSSAF."),
    "ERR_CODE_ACTIVITE_NATURE": Advice(_DATA, "Un code activité ne correspond pas à sa nature."),
    "ERR_FORMAT_VALEUR": Advice(_DATA, "Un montant a plus de deux décimales."),
    "ERR_MNT_PREST_HT_TVA": Advice(_DATA, "Sur une ligne, HT + TVA ne fait pas le TTC."),
    "ERR_MNT_PREST_TTC": Advice(
        _DATA, "Sur une ligne, quantité fois prix unitaire ne fait pas le TTC au centime près."
    ),
    "ERR_VALEUR_NEGATIVE": Advice(_DATA, "Un montant est négatif."),
    "ERR_FORMAT_NUMINTERVENANT": Advice(
        _DATA, "Le SIRET de l'intervenant (complement2) est mal formé : corriger sa fiche."
    ),
    "ERR_NUMINTERVENANT_MANQUANT": Advice(
        _DATA, "Le SIRET de l'intervenant (complement2) manque : compléter sa fiche."
    ),
    "ERR_NUMINTERVENANT_BLOQUE": Advice(
        _DATA, "L'URSSAF refuse cet intervenant (SIRET sans accès autorisé)."
    ),
    "ERREUR_VALIDATION": Advice(
        _DATA, "Un champ ne respecte pas le format de l'URSSAF (le message indique lequel)."
    ),
    PORTAL_CHECK: Advice(_DATA, "Un contrôle du portail a échoué au moment de l'envoi."),
    DUPLICATE_ELSEWHERE: Advice(
        _DATA,
        "Ce numéro de facture est déjà connu de l'URSSAF pour une autre demande : la facture "
        "doit être renvoyée sous un nouveau numéro.",
    ),
    CONTESTED: Advice(_DATA, "Le client a contesté la demande sur son espace URSSAF."),
    # --- the client's URSSAF account --------------------------------------------------------
    "ERR_PARTICULIER_INCONNU": Advice(
        _ACCOUNT,
        "L'URSSAF ne reconnaît pas le client (identifiant ou date de naissance) ou son compte "
        "n'est pas encore validé.",
    ),
    "ERR_LIEN_PARTICULIER_PRESTATAIRE": Advice(
        _ACCOUNT,
        "Le client n'était pas encore inscrit auprès de la coopérative à la date des prestations.",
    ),
    "ERR_CMPT_BLOQUE": Advice(
        _ACCOUNT, "Le compte URSSAF du client est bloqué après un prélèvement rejeté."
    ),
    "ERR_MANDAT_ECHU": Advice(_ACCOUNT, "Le mandat de prélèvement SEPA du client a expiré."),
    DEBIT_REFUSED: Advice(_ACCOUNT, "La banque du client a rejeté le prélèvement."),
    # --- URSSAF unavailable -----------------------------------------------------------------
    URSSAF_UNAVAILABLE: Advice(
        PaymentBucket.UNAVAILABLE,
        "L'URSSAF est restée injoignable ou en erreur après tous les essais automatiques.",
    ),
    "ERREUR_TECHNIQUE": Advice(
        PaymentBucket.UNAVAILABLE, "Erreur technique signalée par l'URSSAF."
    ),
    # --- the cooperative's own set-up, and what the portal cannot interpret -----------------
    "ERR_PRESTATAIRE_EMETTEUR_INCONNU": Advice(
        PaymentBucket.OTHER, "L'URSSAF ne reconnaît pas la coopérative (identifiants de l'API)."
    ),
    "ERR_PRESTATAIRE_FACTURATION_INCONNU": Advice(
        PaymentBucket.OTHER, "Tiers de facturation inconnu de l'URSSAF."
    ),
    # --- the cooperative's financial guarantee ---------------------------------------------
    GUARANTEE_DEPOSIT: Advice(
        PaymentBucket.GUARANTEE,
        "La facture porte un acompte : l'URSSAF exige une garantie financière dès le premier "
        "euro, et aucune n'est en cours de validité.",
    ),
    GUARANTEE_THRESHOLD: Advice(
        PaymentBucket.GUARANTEE,
        f"Avec cette facture, l'avance immédiate de l'année dépasse {THRESHOLD_TEXT} TTC, et "
        "aucune garantie financière n'est en cours de validité.",
    ),
    URSSAF_GUARANTEE: Advice(
        PaymentBucket.GUARANTEE,
        "L'URSSAF juge la garantie financière de la coopérative absente ou non conforme.",
    ),
    UNKNOWN_STATUS: Advice(
        PaymentBucket.OTHER, "L'URSSAF a renvoyé un statut inconnu du portail (gardé tel quel)."
    ),
    NOT_FOUND: Advice(
        PaymentBucket.OTHER, "L'URSSAF ne retrouve plus cette demande, acceptée auparavant."
    ),
    AMOUNT_MISMATCH: Advice(
        PaymentBucket.OTHER,
        "Le virement de l'URSSAF ne correspond pas au reste dû de la facture : à rapprocher.",
    ),
}

TABLE = AdviceTable(
    buckets=BUCKETS,
    priority=BUCKET_PRIORITY,
    advice=ADVICE,
    unknown=Advice(PaymentBucket.OTHER, "Code inconnu du portail : lire le message."),
)
