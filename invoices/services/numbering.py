"""The one numbering of billing documents: a series per cooperative, kind and year.

The law wants invoices (and credit notes) numbered in one unbroken, chronological series per
year; quotes are numbered the same way. The series' last value is a DocumentSequence row,
locked by the transaction that numbers a document: two concurrent issues are serialised, and a
rolled-back one gives its number back, so a series never has a gap or a repeat.
"""

from datetime import date

from django.core.exceptions import ValidationError

from ..models import BillingDocument, DocumentSequence


def _next_value(document: BillingDocument, year: int) -> int:
    """Take the next value of the document's series, under a lock held until the commit."""
    key = {"cooperative_id": document.cooperative_id, "kind": document._meta.model_name}
    # INSERT … ON CONFLICT DO NOTHING: the first document of the year creates the row, and two
    # transactions doing so at once cannot fail on the unique constraint; both then lock it.
    DocumentSequence.objects.bulk_create(
        [DocumentSequence(**key, year=year)], ignore_conflicts=True
    )
    sequence = DocumentSequence.objects.select_for_update().get(**key, year=year)
    sequence.last_value += 1
    sequence.save(update_fields=["last_value"])
    return sequence.last_value


def allocate_number(document: BillingDocument, *, on: date) -> None:
    """Give a locked draft the next number of its series, dated `on`; nothing is saved.

    Call it inside the transaction that saves the document. Raises ValidationError when `on`
    precedes the last document of the series already numbered that year: numbers follow dates.
    """
    document.sequence = _next_value(document, on.year)
    latest = (
        type(document)
        .objects.filter(cooperative_id=document.cooperative_id, year=on.year)
        .exclude(issue_date=None)
        .order_by("-issue_date")
        .values_list("issue_date", flat=True)
        .first()
    )
    if latest and on < latest:
        # Checked under the sequence lock, so no concurrent issue can slip in between.
        raise ValidationError(
            f"La numérotation doit suivre l'ordre des dates : {document.kind.numbered_before} "
            f"le {latest:%d/%m/%Y}."
        )
    document.year = on.year
    document.number = document.kind.number(on.year, document.sequence)
    document.issue_date = on
