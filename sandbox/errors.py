"""The sandbox's error catalogue: URSSAF's codes with their French messages (API.md §6)."""

from __future__ import annotations

from .web import api_error

MESSAGES = {
    "ERREUR_VALIDATION": "Erreur de validation",
    "ERREUR_TECHNIQUE": "Erreur technique, veuillez réessayer ultérieurement",
    # POST /particulier
    "ERR_DGFIP_R2P_INCONNU": (
        "Aucun SPI trouvé via l'API DGFiP R2P : veuillez vérifier l'état civil du particulier"
    ),
    "ERR_DGFIP_IMPOTPART_INCONNU": (
        "Situation fiscale : le particulier doit avoir déjà effectué une déclaration de revenus"
    ),
    "ERR_ECV_PARTICULIERS_EXISTENT": "Plusieurs comptes coexistent pour le même état civil",
    "ERREUR_REFERENCE_PARTICULIER_EXISTANTE_TYPE": (
        "Référence particulier déjà existante : le couple e-mail/téléphone doit être unique"
    ),
    "ERR_DATE_NAISSANCE_FUTUR": "La date de naissance est dans le futur",
    "ERR_LIEU_NAISSANCE_OBLIGATOIRE": "Le libellé de la commune de naissance est requis",
    "ERREUR_LIEU_NAISSANCE_DEPT": (
        "Le code département de naissance est obligatoire si le pays de naissance est la France"
    ),
    "ERREUR_LIEU_NAISSANCE_DEPT_FORMAT": "Le format du code département de naissance est erroné",
    "ERR_LIEU_NAISSANCE_COMN": (
        "Le code commune de naissance est obligatoire si le pays de naissance est la France"
    ),
    "ERREUR_LIEU_NAISSANCE_PAYS": (
        "Département ou commune de naissance renseignés pour une naissance à l'étranger"
    ),
    "ERREUR_LIEU_NAISSANCE_OBLIGATOIRE": "La propriété lieuNaissance est absente",
    "ERREUR_LIEU_NAISSANCE_INVALIDE": "Libellé alphanumérique sans point-virgule attendu",
    "ERR_CONTACT": (
        "Téléphone, e-mail ou adresse incomplets, invalides ou différents de ceux du particulier"
    ),
    "ERR_CONTACT_ADRESSE_TYPE_VOIE": "Type de voie introuvable",
    "ERR_CONTACT_ADRESSE_TYPEVOIE": "Le type de voie est requis si le libellé est renseigné",
    "ERR_CONTACT_ADRESSE_LETTRE_VOIE": "Lettre de voie introuvable",
    "ERR_CONTACT_ADRESSE_LIBELLEVOIE": "Le libellé de voie est requis si le type est renseigné",
    "ERR_CONTACT_ADRESSE_INFORMATION_SUPPLEMENTAIRE": (
        "Renseigner le type et le libellé de voie, un complément ou un lieu-dit"
    ),
    "ERR_CONTACT_ADRESSE_COMMUNE": "Commune introuvable",
    "ERR_COORDONNEES_BANCAIRES": "BIC ou IBAN invalide",
    "ERR_COMPTE_BLOQUE": "Le compte du particulier est bloqué : inscription impossible",
    "ERR_LIEN_TIERS_PRESTATION_PARTICULIER_EXISTE": (
        "Le lien entre le tiers de prestation et le particulier existe déjà"
    ),
    # GET /particulier
    "ERR_RECHERCHE_PARTICULIER": (
        "Aucun particulier ne correspond, ou le particulier a rompu son association"
    ),
    # POST /demandePaiement
    "ERR_NBRE_PREST_MAX": "Plus de 10 demandes de paiement transmises",
    "ERR_DATE_FUTUR": "La période d'emploi de la demande de paiement est dans le futur",
    "ERR_PERIODE_EMPLOI_MOIS_NON_UNIQUE": "La période d'emploi s'étend sur deux mois calendaires",
    "ERR_DATE_FIN_AVANT_DATE_DEB": "La date de fin d'emploi est antérieure à la date de début",
    "ERR_MONTANT_ACOMPTE": "L'acompte dépasse 50 % du montant total de la facture",
    "ERR_TOTAL_PRESTATIONS": (
        "La somme des prestations ne correspond pas au montant total de la facture"
    ),
    "ERR_CODE_NATURE": "Code nature inconnu du référentiel des natures",
    "ERR_CODE_ACTIVITE": "Code activité inconnu du référentiel des activités",
    "ERR_CODE_ACTIVITE_NATURE": "Code activité non rattaché à cette nature",
    "ERR_FORMAT_VALEUR": "Valeur avec trop de décimales",
    "ERR_MNT_PREST_HT_TVA": "Montant HT + montant TVA différent du montant TTC",
    "ERR_MNT_PREST_TTC": "Montant TTC différent de quantité multipliée par le montant unitaire",
    "ERR_VALEUR_NEGATIVE": "Valeur négative",
    "ERR_PARTICULIER_INCONNU": (
        "idClient non reconnu, date de naissance différente ou particulier non validé"
    ),
    "ERR_LIEN_PARTICULIER_PRESTATAIRE": (
        "Aucun lien actif entre le particulier et le prestataire à la date d'emploi"
    ),
    "ERR_FACTURE_DOUBLON": "Numéro de facture déjà existant",
    "ERR_CMPT_BLOQUE": "Le compte du particulier est bloqué",
    "ERR_MANDAT_ECHU": "Le mandat SEPA du particulier est échu",
    "ERR_NUMINTERVENANT_MANQUANT": "Numéro NOVA ou SIRET de l'intervenant manquant",
    "ERR_FORMAT_NUMINTERVENANT": "Format du numéro NOVA ou SIRET de l'intervenant incorrect",
    # POST /demandePaiement/rechercher
    "ERR_CRITERE_RECHERCHE_VIDE": "Aucun critère de recherche",
    "ERR_NBRE_MAX_RESULTAT": "Trop de résultats, veuillez affiner la recherche",
    "ERR_RECHERCHE_VIDE": "Aucune demande de paiement ne correspond à la recherche",
}


def error(code: str, description: str = "", message: str | None = None) -> dict[str, str]:
    """Return the URSSAF error object for `code`, its message from the catalogue."""
    return api_error(code, message or MESSAGES[code], description)


def validation_error(path: str, reason: str) -> dict[str, str]:
    """Return an ERREUR_VALIDATION whose message names the field (`champ <path> : <reason>`)."""
    # Format inferred from clients parsing /champ\s+([a-zA-Z0-9_.[\]]+)\s*:/ (API.md §3.3).
    return api_error("ERREUR_VALIDATION", f"champ {path} : {reason}", path)
