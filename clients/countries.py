"""Countries of birth, by INSEE code (what URSSAF's codePaysNaissance takes).

The list (clients/data/countries.csv) is built from INSEE's Code officiel géographique by
scripts/build_countries.py; it keeps former countries, since people were born there.
"""

import csv
from functools import cache
from pathlib import Path

from .models import FRANCE_INSEE_CODE

DATA = Path(__file__).resolve().parent / "data" / "countries.csv"
FRANCE_LABEL = "FRANCE"


@cache
def countries() -> dict[str, str]:
    """Return every country's label by INSEE code, France first, then by label."""
    with DATA.open(encoding="utf-8", newline="") as source:
        abroad = {row["code"]: row["label"] for row in csv.DictReader(source)}
    return {FRANCE_INSEE_CODE: FRANCE_LABEL, **dict(sorted(abroad.items(), key=lambda i: i[1]))}


def country_label(code: str) -> str:
    """Return the country's label, or the code itself when it is not in the list."""
    return countries().get(code, code)


def country_choices() -> list[tuple[str, str]]:
    return list(countries().items())
