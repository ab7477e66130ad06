"""What each URSSAF answer about a registration means, and what to do about it: data, not ifs.

Every registration code of shared/urssaf/API.md §6 (POST and GET /particulier, plus the
generic ERREUR_VALIDATION / ERREUR_TECHNIQUE), the link statuses of §4 that end a registration,
and the portal's own causes (activation expired, URSSAF unavailable) map to a triage bucket,
an explanation and the next action for the staff, and the advice the client reads. A code not
listed here goes to the "other" bucket for a human to read, never to a guessed one.
"""

from django.db import models

from ..nomenclature import ClientLinkStatus
from ..triage.advice import PORTAL_CHECK, URSSAF_UNAVAILABLE, Advice, AdviceTable, Bucket


class RegistrationBucket(models.TextChoices):
    """Why a registration needs the staff."""

    IDENTITY = "identity", "Identité à corriger avec le client"
    TAX_OFFICE = "tax_office", "Le client doit contacter son centre des impôts"
    BANK = "bank", "Coordonnées bancaires"
    ACTIVATION = "activation", "Activation non faite"
    RETRY = "retry", "URSSAF indisponible — réessayer"
    OTHER = "other", "Autre erreur — à examiner"


# The portal's own cause, recorded like URSSAF codes so one table drives everything.
ACTIVATION_EXPIRED = "ACTIVATION_EXPIREE"
# URSSAF's link statuses (API.md §4) that stop a registration short of "active".
LINK_NOT_FINALISED = ClientLinkStatus.NOT_FINALISED.value
LINK_BLOCKED = ClientLinkStatus.BLOCKED.value
LINK_MANDATE_EXPIRED = ClientLinkStatus.MANDATE_EXPIRED.value
ALREADY_LINKED = "ERR_LIEN_TIERS_PRESTATION_PARTICULIER_EXISTE"
# The idClient URSSAF returned already belongs to another client record of the portal.
DUPLICATE_ID_CLIENT = "IDCLIENT_DEJA_ATTRIBUE"
# URSSAF no longer finds the association: the client refused or broke it in their space.
ASSOCIATION_NOT_FOUND = "ERR_RECHERCHE_PARTICULIER"


BUCKETS: dict[str, Bucket] = {  # RegistrationBucket → its presentation
    RegistrationBucket.IDENTITY: Bucket(
        label=RegistrationBucket.IDENTITY.label,
        explanation=(
            "L'URSSAF, ou la DGFiP derrière elle, ne reconnaît pas l'état civil, les "
            "coordonnées ou l'adresse transmis."
        ),
        next_action=(
            "Appeler le client avec son avis d'imposition en main, corriger la fiche "
            "(« Corriger et renvoyer »), puis renvoyer l'inscription."
        ),
    ),
    RegistrationBucket.TAX_OFFICE: Bucket(
        label=RegistrationBucket.TAX_OFFICE.label,
        explanation="La DGFiP ne peut pas rattacher le client à une situation fiscale unique.",
        next_action=(
            "Expliquer au client qu'il doit contacter son service des impôts des particuliers "
            "(messagerie sécurisée d'impots.gouv.fr), marquer « client contacté », puis "
            "renvoyer quand il confirme que c'est réglé."
        ),
    ),
    RegistrationBucket.BANK: Bucket(
        label=RegistrationBucket.BANK.label,
        explanation="Le compte bancaire ou le mandat de prélèvement pose problème.",
        next_action=(
            "Demander au client un RIB à jour, corriger l'IBAN et le BIC, puis renvoyer ; "
            "pour un compte bloqué, le client doit d'abord régulariser auprès de l'URSSAF."
        ),
    ),
    RegistrationBucket.ACTIVATION: Bucket(
        label=RegistrationBucket.ACTIVATION.label,
        explanation=(
            "L'inscription a été acceptée mais le client n'a pas activé son compte à temps, "
            "ou l'association avec la coopérative a été rompue."
        ),
        next_action=(
            "Appeler le client : vérifier son adresse e-mail et ses courriers indésirables, "
            "puis renvoyer l'inscription pour qu'il reçoive un nouveau lien."
        ),
    ),
    RegistrationBucket.RETRY: Bucket(
        label=RegistrationBucket.RETRY.label,
        explanation="L'URSSAF n'a pas répondu après plusieurs essais espacés.",
        next_action=(
            "Vérifier que le service de l'URSSAF est rétabli, puis relancer l'envoi "
            "(action groupée « Relancer l'envoi »)."
        ),
        notify_client=False,
    ),
    RegistrationBucket.OTHER: Bucket(
        label=RegistrationBucket.OTHER.label,
        explanation="L'URSSAF a renvoyé un code que le portail ne connaît pas.",
        next_action=(
            "Lire le message de l'URSSAF ci-dessous ; au besoin, interroger le support "
            "de l'API Tiers de prestation avant de renvoyer."
        ),
    ),
}

# The order in which buckets win when URSSAF returns several codes: the first problem to fix.
BUCKET_PRIORITY = (
    RegistrationBucket.IDENTITY,
    RegistrationBucket.TAX_OFFICE,
    RegistrationBucket.BANK,
    RegistrationBucket.ACTIVATION,
    RegistrationBucket.OTHER,
    RegistrationBucket.RETRY,
)


_IDENTITY_CHECK = (
    "Vérifiez sur votre avis d'imposition votre nom de naissance, tous vos prénoms dans "
    "l'ordre de l'état civil, votre date et votre lieu de naissance."
)
_BIRTHPLACE = (
    "Vérifiez votre lieu de naissance : pays, département et commune telle qu'elle "
    "s'appelait à votre naissance."
)
_ADDRESS = "Vérifiez votre adresse postale : numéro, type et nom de voie, code postal, commune."
_BANK = "Vérifiez votre IBAN et votre BIC sur un relevé d'identité bancaire récent."
_TAX_OFFICE = (
    "Contactez votre service des impôts des particuliers (messagerie sécurisée sur "
    "impots.gouv.fr) ; la coopérative vous réinscrira ensuite."
)
_ACTIVATION = (
    "Le lien d'activation envoyé par l'URSSAF n'a pas été utilisé à temps ; la coopérative "
    "va vous en faire envoyer un nouveau."
)
_NOTHING_TO_DO = "Vous n'avez rien à faire : la coopérative renverra votre inscription."

ADVICE: dict[str, Advice] = {
    # --- identity, checked by DGFiP (R2P) -------------------------------------------------
    "ERR_DGFIP_R2P_INCONNU": Advice(
        RegistrationBucket.IDENTITY,
        "La DGFiP ne trouve personne avec cet état civil : le plus souvent un prénom "
        "manquant, un nom d'usage mis à la place du nom de naissance, ou le code de la "
        "commune de naissance d'aujourd'hui au lieu de celui de la date de naissance.",
        _IDENTITY_CHECK,
    ),
    "ERR_DATE_NAISSANCE_FUTUR": Advice(
        RegistrationBucket.IDENTITY,
        "La date de naissance transmise est dans le futur.",
        _IDENTITY_CHECK,
    ),
    "ERR_LIEU_NAISSANCE_OBLIGATOIRE": Advice(
        RegistrationBucket.IDENTITY, "Le libellé de la commune de naissance manque.", _BIRTHPLACE
    ),
    "ERREUR_LIEU_NAISSANCE_DEPT": Advice(
        RegistrationBucket.IDENTITY,
        "Le département de naissance manque pour une naissance en France.",
        _BIRTHPLACE,
    ),
    "ERREUR_LIEU_NAISSANCE_DEPT_FORMAT": Advice(
        RegistrationBucket.IDENTITY, "Le département de naissance est mal formé.", _BIRTHPLACE
    ),
    "ERR_LIEU_NAISSANCE_COMN": Advice(
        RegistrationBucket.IDENTITY,
        "Le code de la commune de naissance manque pour une naissance en France.",
        _BIRTHPLACE,
    ),
    "ERREUR_LIEU_NAISSANCE_PAYS": Advice(
        RegistrationBucket.IDENTITY,
        "Un département ou une commune a été transmis pour une naissance à l'étranger.",
        _BIRTHPLACE,
    ),
    "ERREUR_LIEU_NAISSANCE_OBLIGATOIRE": Advice(
        RegistrationBucket.IDENTITY, "Le lieu de naissance manque.", _BIRTHPLACE
    ),
    "ERREUR_LIEU_NAISSANCE_INVALIDE": Advice(
        RegistrationBucket.IDENTITY,
        "Le libellé de la commune de naissance contient un caractère refusé.",
        _BIRTHPLACE,
    ),
    "ERREUR_VALIDATION": Advice(
        RegistrationBucket.IDENTITY,
        "Un champ ne respecte pas le format de l'URSSAF (le message indique lequel).",
        "Vérifiez vos informations : la coopérative vous précisera laquelle corriger.",
    ),
    # --- contact and address ------------------------------------------------------------------
    "ERR_CONTACT": Advice(
        RegistrationBucket.IDENTITY,
        "Téléphone, e-mail ou adresse invalides, ou différents de ceux d'un compte URSSAF "
        "que le client possède déjà : il faut reprendre ceux de son espace particulier.",
        "Si vous avez déjà un compte sur particulier.urssaf.fr, indiquez exactement le même "
        "e-mail et le même téléphone mobile.",
    ),
    "ERREUR_REFERENCE_PARTICULIER_EXISTANTE_TYPE": Advice(
        RegistrationBucket.IDENTITY,
        "Ce couple e-mail / téléphone est déjà celui d'une autre personne à l'URSSAF "
        "(souvent un conjoint).",
        "Indiquez un e-mail et un téléphone mobile qui vous sont propres.",
    ),
    "ERR_CONTACT_ADRESSE_TYPE_VOIE": Advice(
        RegistrationBucket.IDENTITY, "Le type de voie est inconnu de l'URSSAF.", _ADDRESS
    ),
    "ERR_CONTACT_ADRESSE_TYPEVOIE": Advice(
        RegistrationBucket.IDENTITY,
        "Un libellé de voie a été transmis sans type de voie.",
        _ADDRESS,
    ),
    "ERR_CONTACT_ADRESSE_LETTRE_VOIE": Advice(
        RegistrationBucket.IDENTITY, "L'indice de répétition (bis, ter…) est inconnu.", _ADDRESS
    ),
    "ERR_CONTACT_ADRESSE_LIBELLEVOIE": Advice(
        RegistrationBucket.IDENTITY, "Un type de voie a été transmis sans libellé.", _ADDRESS
    ),
    "ERR_CONTACT_ADRESSE_INFORMATION_SUPPLEMENTAIRE": Advice(
        RegistrationBucket.IDENTITY,
        "L'adresse n'a ni voie, ni complément, ni lieu-dit.",
        _ADDRESS,
    ),
    "ERR_CONTACT_ADRESSE_COMMUNE": Advice(
        RegistrationBucket.IDENTITY,
        "La commune de résidence est introuvable (code INSEE et code postal incohérents ?).",
        _ADDRESS,
    ),
    ALREADY_LINKED: Advice(
        RegistrationBucket.IDENTITY,
        "L'URSSAF dit le client déjà inscrit auprès de la coopérative mais ne le retrouve "
        "pas avec l'e-mail de la fiche : l'e-mail de son compte URSSAF est différent.",
        "Indiquez l'adresse e-mail de votre compte sur particulier.urssaf.fr.",
    ),
    # --- tax office ---------------------------------------------------------------------------
    "ERR_DGFIP_IMPOTPART_INCONNU": Advice(
        RegistrationBucket.TAX_OFFICE,
        "La DGFiP ne trouve aucune déclaration de revenus : l'avance immédiate suppose "
        "d'en avoir déposé au moins une.",
        _TAX_OFFICE,
    ),
    "ERR_ECV_PARTICULIERS_EXISTENT": Advice(
        RegistrationBucket.TAX_OFFICE,
        "Plusieurs personnes partagent cet état civil à la DGFiP : seul le centre des "
        "impôts peut lever l'ambiguïté.",
        _TAX_OFFICE,
    ),
    # --- bank ---------------------------------------------------------------------------------
    "ERR_COORDONNEES_BANCAIRES": Advice(
        RegistrationBucket.BANK, "Le BIC ou l'IBAN est refusé par l'URSSAF.", _BANK
    ),
    "ERR_APPEL_BACB": Advice(
        RegistrationBucket.BANK, "La vérification bancaire de l'URSSAF a refusé le compte.", _BANK
    ),
    "ERR_COMPTE_BLOQUE": Advice(
        RegistrationBucket.BANK,
        "Le compte URSSAF du client est bloqué après un prélèvement refusé : inscription "
        "impossible tant qu'il n'a pas régularisé.",
        "Votre compte URSSAF est bloqué après un prélèvement refusé : régularisez auprès de "
        "l'URSSAF (particulier.urssaf.fr), puis prévenez la coopérative.",
    ),
    "ERR_MANDAT_ECHU": Advice(
        RegistrationBucket.BANK,
        "Le mandat de prélèvement SEPA du client a expiré.",
        "Renouvelez votre mandat de prélèvement dans votre espace particulier.urssaf.fr.",
    ),
    LINK_MANDATE_EXPIRED: Advice(
        RegistrationBucket.BANK,
        "L'URSSAF signale le mandat de prélèvement du client comme expiré.",
        "Renouvelez votre mandat de prélèvement dans votre espace particulier.urssaf.fr.",
    ),
    LINK_BLOCKED: Advice(
        RegistrationBucket.BANK,
        "L'URSSAF a bloqué le compte du client après un prélèvement refusé.",
        "Votre compte URSSAF est bloqué après un prélèvement refusé : régularisez auprès de "
        "l'URSSAF (particulier.urssaf.fr).",
    ),
    # --- activation ---------------------------------------------------------------------------
    ACTIVATION_EXPIRED: Advice(
        RegistrationBucket.ACTIVATION,
        "Sept jours ont passé sans que le client active son compte : le lien de l'URSSAF "
        "n'est plus valable.",
        _ACTIVATION,
    ),
    LINK_NOT_FINALISED: Advice(
        RegistrationBucket.ACTIVATION,
        "L'URSSAF indique l'inscription « non finalisée » : le client n'a pas activé son "
        "compte dans les délais.",
        _ACTIVATION,
    ),
    ASSOCIATION_NOT_FOUND: Advice(
        RegistrationBucket.ACTIVATION,
        "L'URSSAF ne trouve plus l'inscription : le client a refusé ou rompu l'association "
        "avec la coopérative dans son espace.",
        "Si vous souhaitez l'avance immédiate, acceptez la coopérative dans votre espace "
        "particulier.urssaf.fr après sa nouvelle demande.",
    ),
    DUPLICATE_ID_CLIENT: Advice(
        RegistrationBucket.OTHER,
        "L'URSSAF a reconnu une personne déjà enregistrée sous une autre fiche client du "
        "portail : la même personne a sans doute deux fiches. Fusionner les fiches avant de "
        "renvoyer.",
        "La coopérative vérifie votre dossier et vous recontactera si besoin.",
    ),
    PORTAL_CHECK: Advice(
        RegistrationBucket.IDENTITY,
        "La fiche a été modifiée après le lancement de l'inscription et l'URSSAF la "
        "refuserait : rien n'a été envoyé. Corriger la fiche, puis renvoyer.",
        _IDENTITY_CHECK,
    ),
    # --- URSSAF unavailable -------------------------------------------------------------------
    URSSAF_UNAVAILABLE: Advice(
        RegistrationBucket.RETRY,
        "L'URSSAF est restée injoignable ou en erreur après tous les essais automatiques.",
        _NOTHING_TO_DO,
    ),
    "ERREUR_TECHNIQUE": Advice(
        RegistrationBucket.RETRY, "Erreur technique signalée par l'URSSAF.", _NOTHING_TO_DO
    ),
    "ERR_LIEN_TIERS_PRESTATION_PARTICULIER": Advice(
        RegistrationBucket.RETRY,
        "L'URSSAF n'a pas réussi à créer l'association avec la coopérative.",
        _NOTHING_TO_DO,
    ),
}

TABLE = AdviceTable(
    buckets=BUCKETS,
    priority=BUCKET_PRIORITY,
    advice=ADVICE,
    unknown=Advice(
        RegistrationBucket.OTHER,
        "Code inconnu du portail : lire le message de l'URSSAF.",
        "La coopérative examine la réponse de l'URSSAF et vous recontactera si besoin.",
    ),
)
