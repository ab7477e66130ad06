"""The sandbox's single HTML page: the client's URSSAF space and a staff console.

Server-rendered, no external asset; every button is a form posting to the control API, which
redirects back here with a message. Without the control API the page is read-only.
"""

from __future__ import annotations

import json
from decimal import Decimal
from html import escape
from typing import TYPE_CHECKING, Any

from . import clock, lifecycle, particulier
from .constants import ACTION_TRANSITIONS, CONTROL_PREFIX
from .nomenclature import (
    CANCEL_CODES,
    CLIENT_LINK_STATUS_LABELS,
    CONTEST_CODES,
    REJECTION_LABELS,
    PaymentStatus,
)
from .web import Request, Response, html_response

if TYPE_CHECKING:
    from .app import SandboxApp

CLOCK_STEPS = (("+1 h", 3600), ("+1 jour", 86400), ("+48 h", 172800), ("+4 jours", 345600))
ACTION_LABELS = {
    "validate": "Valider (client)",
    "refuse-debit": "Refuser le prélèvement (banque)",
    "recover": "Recouvrée par le prestataire",
    "cancel-unpaid": "Annuler après impayé",
}
# Actions that need a reason code: a small form with a list instead of a plain button.
CODED_ACTIONS = {
    "contest": ("Contester (client)", CONTEST_CODES),
    "cancel": ("Annuler (prestataire)", CANCEL_CODES),
}
SITUATION_LABELS = {
    "ok": "Connu",
    "no_tax_return": "Sans déclaration de revenus",
    "duplicate_civil_status": "État civil en double",
}
STYLE = """
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:1rem;color:#1b1b1b}
header{border-bottom:3px solid #000091;margin-bottom:1rem}h1{color:#000091;font-size:1.5rem}
table{border-collapse:collapse;width:100%;margin-bottom:1.5rem;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#eef}form{display:inline-block;margin:.1rem}
button{cursor:pointer;padding:.2rem .6rem}.ok{background:#dfd}.ko{background:#fdd}
.message{padding:.5rem;border:1px solid #0a0;background:#efe}
.error{border-color:#a00;background:#fee}
.muted{color:#666;font-size:.85rem}code{font-size:.8rem}
"""


def render(app: SandboxApp, request: Request) -> Response:
    """Return the console page."""
    with app.store.transaction() as db:
        now = clock.now(db)
        links = particulier.list_links(db, now)
        demandes = _demandes(db, now)
        taxpayers = db.execute("SELECT * FROM taxpayers ORDER BY id").fetchall()
        faults = app.fault_config(db)
    control = app.control_enabled
    body = "".join(
        (
            _header(now, control),
            _flash(request),
            _links_section(links, control),
            _demandes_section(demandes, control),
            _taxpayers_section(taxpayers, control),
            _faults_section(faults, control),
        )
    )
    return html_response(
        "<!doctype html><html lang='fr'><head><meta charset='utf-8'>"
        "<title>Bac à sable URSSAF</title>"
        f"<style>{STYLE}</style></head><body>{body}</body></html>"
    )


def _demandes(db: Any, now: Any) -> list[dict[str, Any]]:
    rows = db.execute(
        "SELECT d.*, p.data AS person FROM demandes d "
        "LEFT JOIN particuliers p ON p.id_client = d.id_client "
        "ORDER BY d.created_at DESC, d.rowid DESC LIMIT 200"
    ).fetchall()
    found = []
    for row in rows:
        person = json.loads(row["person"]) if row["person"] else {}
        name = f"{person.get('prenoms', '')} {person.get('nomNaissance', '')}".strip()
        found.append({**lifecycle.describe(db, row, now), "client": name or row["id_client"]})
    return found


def _button(action: str, label: str, hidden: dict[str, Any] | None = None, extra: str = "") -> str:
    fields = "".join(
        f"<input type='hidden' name='{escape(k)}' value='{escape(str(v))}'>"
        for k, v in (hidden or {}).items()
    )
    return (
        f"<form method='post' action='{escape(CONTROL_PREFIX + action)}'>"
        f"{fields}{extra}<button type='submit'>{escape(label)}</button></form>"
    )


def _header(now: Any, control: bool) -> str:
    local = now.astimezone(clock.URSSAF_TZ).strftime("%d/%m/%Y à %H:%M")
    steps = "".join(
        _button("clock", f"Avancer {label}", {"advance_seconds": seconds})
        for label, seconds in CLOCK_STEPS
    )
    reset = _button("reset", "Tout remettre à zéro") if control else ""
    tools = steps + reset if control else "<p class='muted'>Console de contrôle désactivée.</p>"
    return (
        "<header><h1>Bac à sable URSSAF — avance immédiate</h1>"
        f"<p>Horloge du bac à sable : <strong>{escape(local)}</strong> (heure de Paris)</p>"
        f"<p>{tools}</p></header>"
    )


def _flash(request: Request) -> str:
    if request.param("error"):
        return f"<p class='message error'>{escape(request.param('error') or '')}</p>"
    if request.param("message"):
        return f"<p class='message'>{escape(request.param('message') or '')}</p>"
    return ""


# The bank mandate of an active person can expire; an expired one can be renewed.
MANDATE_BUTTONS = {
    "APPAREILLAGE_VALIDE": ("expire-mandate", "Mandat échu"),
    "MANDAT_ECHU": ("renew-mandate", "Renouveler le mandat"),
}


def _links_section(links: list[dict[str, Any]], control: bool) -> str:
    rows = []
    for link in links:
        status = link["statut"]
        label = CLIENT_LINK_STATUS_LABELS.get(status["code"], status["code"])
        action = ""
        if control and status["code"] == "APPAREILLAGE_EC":
            action = _button(
                f"particuliers/{link['idClient']}/activate",
                "Activer le compte",
                {"client_id": link["organisation"]},
            )
        elif control and status["code"] in MANDATE_BUTTONS:
            path, button = MANDATE_BUTTONS[status["code"]]
            action = _button(f"particuliers/{link['idClient']}/{path}", button)
        css = "ok" if status["etat"] == "OK" else ""
        rows.append(
            f"<tr><td>{escape(link['prenoms'])} {escape(link['nomNaissance'])}</td>"
            f"<td>{escape(link['adresseMail'])}</td><td><code>{escape(link['idClient'])}</code></td>"
            f"<td>{escape(link['organisation'])}</td>"
            f"<td class='{css}'>{escape(label)}<br><span class='muted'>"
            f"{escape(status['description'])}</span></td><td>{action}</td></tr>"
        )
    columns = ("Particulier", "E-mail", "idClient", "Organisation", "Statut", "Actions")
    return _section("Particuliers inscrits", columns, rows, "Aucun particulier inscrit.")


def _demandes_section(demandes: list[dict[str, Any]], control: bool) -> str:
    rows = []
    for info in demandes:
        request = info["demandePaiement"]
        status = info["statut"]
        rows.append(
            f"<tr><td>{escape(request['numFactureTiers'])}<br><code>"
            f"{escape(info['idDemandePaiement'])}</code></td><td>{escape(info['client'])}</td>"
            f"<td>du {_fr_date(request['dateDebutEmploi'])} "
            f"au {_fr_date(request['dateFinEmploi'])}</td>"
            f"<td>{_euros(request['mntFactureTTC'])}</td>"
            f"<td>{escape(status['code'])} — {escape(status['libelle'])}{_details(info)}</td>"
            f"<td>{_demande_actions(info) if control else ''}</td></tr>"
        )
    columns = ("Facture", "Client", "Période", "Montant TTC", "Statut", "Actions")
    return _section("Demandes de paiement", columns, rows, "Aucune demande de paiement reçue.")


def _details(info: dict[str, Any]) -> str:
    parts = []
    if "infoRejet" in info:
        rejet = info["infoRejet"]
        label = REJECTION_LABELS.get(rejet["code"], rejet["code"])
        parts.append(f"Motif : {escape(label)} {escape(rejet.get('commentaire', ''))}")
    if "infoVirement" in info:
        transfer = info["infoVirement"]
        amount = transfer.get("mntVirement")
        when = _fr_date(transfer["dateVirement"])
        parts.append(
            f"Virement de {_euros(amount)} le {when}"
            if amount is not None
            else f"Virement prévu le {when} (montant pas encore connu)"
        )
    return "".join(f"<br><span class='muted'>{part}</span>" for part in parts)


def _demande_actions(info: dict[str, Any]) -> str:
    status = PaymentStatus(info["statut"]["code"])
    path = f"demandes/{info['idDemandePaiement']}/"
    buttons = [
        _button(path + action, label)
        for action, label in ACTION_LABELS.items()
        if status in ACTION_TRANSITIONS[action]
    ]
    buttons.extend(
        _coded_form(path + action, label, codes)
        for action, (label, codes) in CODED_ACTIONS.items()
        if status in ACTION_TRANSITIONS[action]
    )
    return "".join(buttons)


def _coded_form(action: str, label: str, codes: tuple[str, ...]) -> str:
    options = "".join(
        f"<option value='{code}'>{escape(REJECTION_LABELS[code])}</option>" for code in codes
    )
    extra = (
        f"<select name='code'>{options}</select>"
        "<input name='commentaire' placeholder='Commentaire' size='18'>"
    )
    return _button(action, label, extra=extra)


def _taxpayers_section(taxpayers: list[Any], control: bool) -> str:
    rows = []
    for row in taxpayers:
        who = json.loads(row["identity"])
        place = who["lieuNaissance"]
        commune = (place.get("communeNaissance") or {}).get("libelleCommune", "")
        where = f"{commune} ({place.get('departementNaissance', '')})" if commune else "Étranger"
        civility = "M." if who["civilite"] == "1" else "Mme"
        rows.append(
            f"<tr><td>{civility} {escape(who['prenoms'])} {escape(who['nomNaissance'])}</td>"
            f"<td>{_fr_date(who['dateNaissance'])}</td><td>{escape(where)} "
            f"<code>{escape(place['codePaysNaissance'])}</code></td>"
            f"<td>{escape(SITUATION_LABELS.get(row['situation'], row['situation']))}</td></tr>"
        )
    columns = ("Identité", "Naissance", "Lieu", "Situation fiscale")
    section = _section("Contribuables connus (DGFiP simulée)", columns, rows, "Aucun contribuable.")
    return section + (_taxpayer_form() if control else "")


def _taxpayer_form() -> str:
    inputs = (
        ("nomNaissance", "Nom de naissance"),
        ("prenoms", "Prénoms"),
        ("dateNaissance", "Date de naissance (AAAA-MM-JJ)"),
        ("codePaysNaissance", "Pays INSEE (99100)"),
        ("departementNaissance", "Département (069)"),
        ("codeCommune", "Commune (3 chiffres)"),
        ("libelleCommune", "Libellé commune"),
    )
    fields = "".join(
        f"<input name='{name}' placeholder='{escape(label)}'>" for name, label in inputs
    )
    situations = "".join(
        f"<option value='{key}'>{escape(label)}</option>" for key, label in SITUATION_LABELS.items()
    )
    extra = (
        "<select name='civilite'><option value='2'>Madame</option>"
        f"<option value='1'>Monsieur</option></select>{fields}"
        f"<select name='situation'>{situations}</select>"
    )
    return "<h3>Ajouter un contribuable</h3>" + _button("taxpayers", "Ajouter", extra=extra)


def _faults_section(faults: dict[str, Any], control: bool) -> str:
    summary = ", ".join(f"{escape(key)} = {escape(str(value))}" for key, value in faults.items())
    return f"<h2>Pannes simulées</h2><p class='muted'>{summary}</p>"


def _section(title: str, columns: tuple[str, ...], rows: list[str], empty: str) -> str:
    if not rows:
        return f"<h2>{escape(title)}</h2><p class='muted'>{escape(empty)}</p>"
    head = "".join(f"<th>{escape(column)}</th>" for column in columns)
    return f"<h2>{escape(title)}</h2><table><tr>{head}</tr>{''.join(rows)}</table>"


def _fr_date(text: str) -> str:
    """Return an API date (YYYY-MM-DD...) as dd/mm/yyyy."""
    year, month, day = text[:10].split("-")
    return escape(f"{day}/{month}/{year}")


def _euros(value: Any) -> str:
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    return escape(f"{amount:,.2f} €".replace(",", " ").replace(".", ","))
