"""Bringing a request's URSSAF fields up to date from what URSSAF reports (nothing saved)."""

from dataclasses import dataclass, field
from datetime import datetime

from ...payloads import PaymentRequestInfo
from ..models import PaymentRequest
from ..statuses import status_info

# The milestones a status proves reached: a jump (20 → 70 between two polls) fills the
# skipped ones with the moment it was seen.
MILESTONES: dict[str, tuple[str, ...]] = {
    "30": ("validated_at",),
    "50": ("validated_at", "debited_at"),
    "60": ("validated_at", "debited_at"),
    "70": ("validated_at", "debited_at", "paid_at"),
    "270": ("validated_at", "debited_at", "paid_at"),
}


@dataclass
class Change:
    """What one poll changed on a request: the status (old → new) and the fields written."""

    old_code: str
    new_code: str
    fields: set[str] = field(default_factory=set)

    @property
    def status_changed(self) -> bool:
        return self.old_code != self.new_code


def apply_info(
    request: PaymentRequest, code: str, *, now: datetime, info: PaymentRequestInfo | None = None
) -> Change | None:
    """Set the request's status, milestones, reason and transfer from URSSAF's answer.

    The code is kept verbatim, known or not. Returns what changed, None when nothing did.
    """
    change = Change(old_code=request.status_code, new_code=code)
    if code != request.status_code:
        request.status_code = code
        request.status_changed_at = now
        label = (info.status_label if info else "") or status_info(code).label
        request.status_label = label[:120]
        change.fields |= {"status_code", "status_changed_at", "status_label"}
        change.fields |= _fill_milestones(request, code, now)
    if info is not None:
        change.fields |= _apply_details(request, info)
    return change if change.fields else None


def _fill_milestones(request: PaymentRequest, code: str, now: datetime) -> set[str]:
    filled = set()
    for name in MILESTONES.get(code, ()):
        if getattr(request, name) is None:
            setattr(request, name, now)
            filled.add(name)
    if status_info(code).is_final and request.ended_at is None:
        request.ended_at = now
        filled.add("ended_at")
    return filled


def _apply_details(request: PaymentRequest, info: PaymentRequestInfo) -> set[str]:
    changed = set()
    # infoRejet only comes with some statuses: keep the last reason known rather than blank it.
    if info.rejection is not None:
        changed |= _set(request, "rejection_code", info.rejection.code[:40])
        changed |= _set(request, "rejection_comment", info.rejection.comment)
    if info.transfer is not None:
        changed |= _set(request, "transfer_date", info.transfer.date)
        if info.transfer.amount is not None:
            changed |= _set(request, "transfer_amount", info.transfer.amount)
    return changed


def _set(request: PaymentRequest, name: str, value) -> set[str]:
    if getattr(request, name) == value:
        return set()
    setattr(request, name, value)
    return {name}
