"""French communes through time: which INSEE code a birthplace had on the day of birth.

Merged and renamed communes are the first cause of DGFiP identity mismatches: someone born in
1980 in Annecy-le-Vieux (74011) must be declared with that code, not with today's Annecy
(74010). The data (clients/data/communes.csv.gz) is built from INSEE's history by
scripts/build_communes_history.py.
"""

import csv
import datetime as dt
import gzip
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "communes.csv.gz"


@dataclass(frozen=True)
class Commune:
    code: str
    name: str
    start: dt.date | None  # inclusive; None = before 1943
    end: dt.date | None  # exclusive; None = still valid
    kind: str  # COM (commune), ARM (arrondissement municipal), SUB (déléguée/associée today)
    parent: str  # COM: the commune that continued it; ARM/SUB: its commune

    def valid_on(self, day: dt.date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day < self.end)

    @property
    def department(self) -> str:
        """Return the department code: `69`, `2A`, `974` (overseas use three characters)."""
        return self.code[:3] if self.code.startswith("97") else self.code[:2]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


def normalize_name(name: str) -> str:
    """Fold a commune name for comparison: no accents, case, hyphens or `St` abbreviations."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().upper()
    folded = re.sub(r"[^A-Z0-9]+", " ", folded).strip()
    folded = re.sub(r"\bSTE\b", "SAINTE", folded)
    return re.sub(r"\bST\b", "SAINT", folded)


@dataclass
class _Index:
    by_code: dict[str, list[Commune]]
    by_name: dict[str, list[Commune]]
    absorbed_into: dict[str, set[str]]


def _parse_date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@lru_cache(maxsize=1)
def _index() -> _Index:
    by_code: dict[str, list[Commune]] = defaultdict(list)
    by_name: dict[str, list[Commune]] = defaultdict(list)
    absorbed_into: dict[str, set[str]] = defaultdict(set)
    with gzip.open(DATA, "rt", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            commune = Commune(
                code=row["code"],
                name=row["name"],
                start=_parse_date(row["start"]),
                end=_parse_date(row["end"]),
                kind=row["kind"],
                parent=row["parent"],
            )
            by_code[commune.code].append(commune)
            by_name[normalize_name(commune.name)].append(commune)
            if commune.kind == "COM" and commune.parent and commune.parent != commune.code:
                absorbed_into[commune.parent].add(commune.code)
    return _Index(dict(by_code), dict(by_name), dict(absorbed_into))


def commune_on(code: str, day: dt.date) -> Commune | None:
    """Return the commune or arrondissement that had `code` on `day`, or None."""
    for commune in _index().by_code.get(code.upper(), []):
        if commune.kind in {"COM", "ARM"} and commune.valid_on(day):
            return commune
    return None


def birth_commune_candidates(code: str, day: dt.date) -> list[Commune]:
    """Return the communes, as they were on `day`, that today's commune `code` stands for.

    One element when the code already existed that day; several when the commune was formed
    later by merging (the person must say which one); none for an unknown code.
    """
    direct = commune_on(code, day)
    if direct:
        return [direct]
    index = _index()
    start = {c.parent for c in index.by_code.get(code.upper(), []) if c.kind == "SUB"}
    seen, todo, found = set(), [code.upper(), *start], []
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        commune = commune_on(current, day)
        if commune and current != code.upper():
            found.append(commune)
        todo.extend(index.absorbed_into.get(current, ()))
    return sorted(set(found), key=lambda c: c.name)


def _same_department(a: str, b: str) -> bool:
    # "069", "69" and "69" are one department; so are "02A" and "2A".
    return a.upper().lstrip("0") == b.upper().lstrip("0")


def search_communes(name: str, day: dt.date, department: str = "") -> list[Commune]:
    """Return the communes named `name` (any spelling) on `day`, optionally in `department`.

    A name that only exists today (a commune nouvelle, a commune déléguée) leads to the
    communes it covered on `day`.
    """
    results: set[Commune] = set()
    for commune in _index().by_name.get(normalize_name(name), []):
        if commune.valid_on(day) and commune.kind in {"COM", "ARM"}:
            results.add(commune)
        elif commune.kind == "SUB" or commune.end is None:
            results.update(birth_commune_candidates(commune.code, day))
    if department:
        results = {c for c in results if _same_department(c.department, department)}
    return sorted(results, key=lambda c: (c.name, c.code))
