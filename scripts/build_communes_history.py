"""Build clients/data/communes.csv.gz, the commune history the portal owns.

Sources (npm registry, MIT licence, Etalab — data from INSEE's Code officiel géographique):
- @etalab/decoupage-administratif@0.8.0  data/historique-communes.json: every version of every
  commune from 1943 to 1 January 2019, with start/end dates and successors;
- @etalab/decoupage-administratif@6.0.0  data/communes.json: the communes of today, with the
  codes they absorbed (`anciensCodes`), the communes déléguées/associées and the
  arrondissements municipaux of Paris, Lyon and Marseille.

Usage (no network at run time; the packages are fetched once, by whoever refreshes the data):
    npm pack @etalab/decoupage-administratif@0.8.0 @etalab/decoupage-administratif@6.0.0
    (unpack both) then
    python scripts/build_communes_history.py OLD_PACKAGE_DIR NEW_PACKAGE_DIR

Output columns: code, name, start, end, kind, parent
- kind COM: a commune in its own right between start (inclusive, empty = before 1943) and end
  (exclusive, empty = still valid); parent = the commune that continued it, if any.
- kind ARM: an arrondissement municipal (births in Paris/Lyon/Marseille are coded with it).
- kind SUB: a commune déléguée or associée of today; parent = its commune.
"""

import csv
import gzip
import io
import json
import sys
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent.parent / "clients" / "data" / "communes.csv.gz"
# 0.8.0 stops at the COG of 1 January 2019. A commune still open then but gone from today's
# list ended in a later COG whose date the sources do not give: we close it on 1 January 2020.
# No adult's birth date falls after that, so birth look-ups are unaffected.
HISTORY_END = "2019-01-01"
UNKNOWN_LATER_END = "2020-01-01"


def _code_of(version_id: str) -> str:
    # Ids look like "COMD-74011@2017-01-01".
    return version_id.split("-", 1)[1].split("@", 1)[0]


def _history_rows(history: list[dict], current_codes: set[str]) -> list[list[str]]:
    by_id = {v["id"]: v for v in history}
    rows = []
    for version in history:
        if version["type"] != "COM":
            continue
        end = version.get("dateFin", "")
        parent = ""
        if version.get("successeur"):
            successor = by_id.get(version["successeur"], {})
            # A commune that became déléguée/associée lives on inside its "pôle" commune.
            parent = _code_of(successor.get("pole") or version["successeur"])
        elif not end and version["code"] not in current_codes:
            end = UNKNOWN_LATER_END
        start = version.get("dateDebut", "")
        rows.append([version["code"], version["nom"], start, end, "COM", parent])
    return rows


def _current_rows(communes: list[dict], history_rows: list[list[str]]) -> list[list[str]]:
    rows = []
    open_codes = {row[0] for row in history_rows if not row[3]}
    for commune in communes:
        kind = commune["type"]
        if kind == "commune-actuelle" and commune["code"] not in open_codes:
            # Created after the 2019 history (a commune nouvelle of 2019-2026).
            rows.append([commune["code"], commune["nom"], HISTORY_END, "", "COM", ""])
        elif kind == "arrondissement-municipal":
            rows.append([commune["code"], commune["nom"], "", "", "ARM", commune["commune"]])
        elif kind in {"commune-deleguee", "commune-associee"}:
            rows.append([commune["code"], commune["nom"], "", "", "SUB", commune["chefLieu"]])
    return rows


def _absorbed_links(communes: list[dict], history_rows: list[list[str]]) -> None:
    """Point codes absorbed after 2019 at their commune of today (`anciensCodes`)."""
    absorbed_by = {
        old: c["code"]
        for c in communes
        if c["type"] == "commune-actuelle"
        for old in c.get("anciensCodes", [])
    }
    for row in history_rows:
        if row[3] == UNKNOWN_LATER_END and not row[5]:
            row[5] = absorbed_by.get(row[0], "")


def main(old_dir: str, new_dir: str) -> None:
    history = json.loads((Path(old_dir) / "data" / "historique-communes.json").read_text())
    communes = json.loads((Path(new_dir) / "data" / "communes.json").read_text())
    current_codes = {c["code"] for c in communes if c["type"] == "commune-actuelle"}
    rows = _history_rows(history, current_codes)
    _absorbed_links(communes, rows)
    rows += _current_rows(communes, rows)
    rows.sort(key=lambda r: (r[0], r[4], r[2]))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["code", "name", "start", "end", "kind", "parent"])
    writer.writerows(rows)
    # mtime=0 keeps the file byte-identical between runs on the same sources.
    with gzip.GzipFile(OUTPUT, "wb", mtime=0) as out:
        out.write(buffer.getvalue().encode("utf-8"))
    print(f"{len(rows)} rows written to {OUTPUT}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
