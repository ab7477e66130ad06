"""The 26 SAP activities (D7231-1), kept as data in invoices/data/service_natures.json.

URSSAF's codeNature values come from its nomenclature (shared/urssaf/API.md §8.3); codeActivite
is left empty: no public table of it exists and the field is optional.
"""

import json
from decimal import Decimal
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "service_natures.json"


def load_service_natures(model) -> None:
    """Create or update every nature from the data file; `model` may be a historical model."""
    for position, row in enumerate(json.loads(DATA.read_text(encoding="utf-8"))):
        model.objects.update_or_create(
            slug=row["slug"],
            defaults={
                "label": row["label"],
                "short_label": row["short_label"],
                "regime": row["regime"],
                "tax_box": row["tax_box"],
                "default_vat_rate": Decimal(row["vat"]),
                "urssaf_code_nature": row["urssaf"],
                "annual_ceiling": Decimal(row["ceiling"]) if "ceiling" in row else None,
                "max_hours_per_intervention": (
                    Decimal(row["max_hours"]) if "max_hours" in row else None
                ),
                "position": position,
            },
        )
