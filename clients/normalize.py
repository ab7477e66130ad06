"""How names and labels are written for URSSAF and compared between records: in capitals."""

import re
import unicodedata


def upper_name(value: str) -> str:
    """Return a name upper-cased with single spaces and plain apostrophes, accents kept.

    URSSAF's name patterns accept any letter (`\\pL`), accented ones included, and DGFiP
    compares without accents: keeping them loses nothing and matches the civil status.
    """
    return " ".join(value.replace("\u2019", "'").split()).upper()


def upper_ascii(value: str) -> str:
    """Return a label as postal addresses are written (AFNOR NF Z10-011): capitals, no accents.

    Ligatures are spelt out (Œ → OE) and the apostrophe kept; any other sign becomes a space.
    """
    value = value.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    decomposed = unicodedata.normalize("NFKD", value.replace("\u2019", "'"))
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(re.sub(r"[^A-Za-z0-9' \-]", " ", bare).split()).upper()
