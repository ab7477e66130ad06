"""Raw URSSAF payloads for the sandbox contract tests, valid unless a test changes them."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

# Alice Lefebvre is one of the demo clients the sandbox's DGFiP directory is seeded with.
ALICE = {
    "civilite": "2",
    "nomNaissance": "Lefebvre",
    "prenoms": "Alice Marie",
    "dateNaissance": "1972-04-12T00:00:00Z",
    "lieuNaissance": {
        "codePaysNaissance": "99100",
        "departementNaissance": "069",
        "communeNaissance": {"codeCommune": "123", "libelleCommune": "Lyon"},
    },
    "numeroTelephonePortable": "0611223344",
    "adresseMail": "alice.lefebvre@demo.coop",
    "adressePostale": {
        "numeroVoie": "8",
        "codeTypeVoie": "R",
        "libelleVoie": "du Soleil",
        "libelleCommune": "LYON 01",
        "codeCommune": "69381",
        "codePostal": "69001",
        "codePays": "99100",
    },
    "coordonneeBancaire": {
        "bic": "AGRIFRPP882",
        "iban": "FR7630006000011234567890189",
        "titulaire": "Mme Alice Lefebvre",
    },
}
ALICE_BIRTH = "1972-04-12T00:00:00Z"
# Registration on Monday 2 March 2026; invoices are sent on the 17th for 2-16 March.
REGISTERED_AT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
INVOICED_AT = datetime(2026, 3, 17, 8, 0, tzinfo=UTC)


def changed(payload: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """Return a deep copy with dotted paths (`a__b` for a.b) set, or removed when None."""
    result = copy.deepcopy(payload)
    for dotted, value in changes.items():
        *parents, leaf = dotted.split("__")
        target = result
        for key in parents:
            target = target.setdefault(key, {})
        if value is None:
            target.pop(leaf, None)
        else:
            target[leaf] = value
    return result


def registration(**changes: Any) -> dict[str, Any]:
    """Return Alice's registration body with `changes` applied (see `changed`)."""
    return changed(ALICE, **changes)


def line(**changes: Any) -> dict[str, Any]:
    """Return an invoice line: 3 h of housework at 25 € = 75 € TTC (10 % VAT)."""
    return changed(
        {
            "codeNature": "60",
            "quantite": 3,
            "unite": "HEURE",
            "mntUnitaireTTC": 25,
            "mntPrestationTTC": 75,
            "mntPrestationHT": 68.18,
            "mntPrestationTVA": 6.82,
        },
        **changes,
    )


def demande(id_client: str, number: str = "F-2026-0001", **changes: Any) -> dict[str, Any]:
    """Return a payment request for 3-16 March 2026 made of one `line()` (Alice's link is
    active since 2 March, 08:00 UTC: the 2nd at midnight would predate it)."""
    return changed(
        {
            "idTiersFacturation": "cooperative",
            "idClient": id_client,
            "dateNaissanceClient": ALICE_BIRTH,
            "numFactureTiers": number,
            "dateFacture": "2026-03-17T00:00:00Z",
            "dateDebutEmploi": "2026-03-03T00:00:00Z",
            "dateFinEmploi": "2026-03-16T00:00:00Z",
            "mntFactureTTC": 75,
            "mntFactureHT": 68.18,
            "inputPrestations": [line()],
        },
        **changes,
    )


def codes(errors: list[dict[str, Any]]) -> list[str]:
    return [error["code"] for error in errors]
