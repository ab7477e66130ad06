"""Write entries as a FEC (article A47 A-1 du LPF), as a CSV for spreadsheets, and read a FEC
back (the tests and the admin's replay check use the reader)."""

import csv
import io
import unicodedata
from decimal import Decimal

from .entries import JOURNALS, Entry

COLUMNS = [
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
]
SEPARATOR = "|"
# ISO 8859-15, one of the encodings the administration reads; names outside it lose accents.
ENCODING = "iso-8859-15"


def _amount(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",")


def _text(value: str) -> str:
    """One field: no separator, no line break, representable in the file's encoding."""
    value = " ".join(value.replace(SEPARATOR, "/").split())
    try:
        value.encode(ENCODING)
    except UnicodeEncodeError:
        value = unicodedata.normalize("NFKD", value).encode(ENCODING, "ignore").decode(ENCODING)
    return value


def rows(entries: list[Entry]) -> list[list[str]]:
    out = []
    for entry in entries:
        for line in entry.lines:
            out.append(
                [
                    entry.journal,
                    JOURNALS[entry.journal],
                    str(entry.number),
                    f"{entry.date:%Y%m%d}",
                    line.account.number,
                    _text(line.account.label),
                    line.aux.number if line.aux else "",
                    _text(line.aux.label) if line.aux else "",
                    _text(entry.piece_ref),
                    f"{entry.piece_date:%Y%m%d}",
                    _text(entry.label),
                    _amount(line.debit),
                    _amount(line.credit),
                    "",
                    "",
                    # Entries come from issued documents and recorded payments: valid when made.
                    f"{entry.date:%Y%m%d}",
                    "",
                    "",
                ]
            )
    return out


def write_fec(entries: list[Entry]) -> bytes:
    lines = [SEPARATOR.join(COLUMNS), *(SEPARATOR.join(row) for row in rows(entries))]
    return ("\r\n".join(lines) + "\r\n").encode(ENCODING)


def write_csv(entries: list[Entry]) -> bytes:
    """The same lines for a spreadsheet: `;`-separated, UTF-8 with a BOM (Excel reads accents)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows(entries))
    return buffer.getvalue().encode("utf-8-sig")


def read_fec(content: bytes) -> list[dict[str, str]]:
    text = content.decode(ENCODING)
    header, *lines = [line for line in text.split("\r\n") if line]
    columns = header.split(SEPARATOR)
    if columns != COLUMNS:
        raise ValueError(f"Unexpected FEC header: {columns}")
    records = []
    for number, line in enumerate(lines, start=2):
        fields = line.split(SEPARATOR)
        if len(fields) != len(COLUMNS):
            raise ValueError(f"Line {number} has {len(fields)} fields instead of {len(COLUMNS)}")
        records.append(dict(zip(COLUMNS, fields, strict=True)))
    return records


def parse_amount(value: str) -> Decimal:
    return Decimal(value.replace(",", "."))
