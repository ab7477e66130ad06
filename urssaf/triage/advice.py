"""What a failure means and what to do about it: data, not ifs, one mechanism for both domains.

Each domain (registration, payment requests) gives a table: its buckets (why the staff are
needed, with the next action), their priority, and per error code the bucket, an explanation
for the staff and, when the client is told, the advice they read. A code missing from a table
goes to its "unknown" advice, in a bucket for a human to read, never a guessed one.
"""

from dataclasses import dataclass

# The portal's own causes, recorded like URSSAF codes so the tables drive everything.
PORTAL_CHECK = "CONTROLE_PORTAIL"  # a portal check failed when sending: nothing was sent
URSSAF_UNAVAILABLE = "URSSAF_INDISPONIBLE"  # every automatic retry failed


@dataclass(frozen=True)
class Bucket:
    """How a bucket is presented to the staff and whether the client hears about it."""

    label: str
    explanation: str
    next_action: str
    # A failure the cooperative fixes alone (URSSAF down) is not worth alarming the client.
    notify_client: bool = True


@dataclass(frozen=True)
class Advice:
    """What one code means: its bucket, what the staff should understand and tell the client."""

    bucket: str  # one of the domain's bucket choices (a TextChoices member is a str)
    explanation: str
    client_advice: str = ""


@dataclass(frozen=True)
class AdviceTable:
    """One domain's triage table: buckets in priority order, advice per code."""

    # Every bucket, in the order the admin home lists them.
    buckets: dict[str, Bucket]
    # When URSSAF returns several codes, the first problem to fix wins.
    priority: tuple[str, ...]
    advice: dict[str, Advice]
    unknown: Advice

    def advice_for(self, code: str) -> Advice:
        """Return the advice for one code; an unknown code gets the table's "unknown" one."""
        return self.advice.get(code, self.unknown)

    def bucket_for(self, codes: list[str]) -> str:
        """Return the bucket of a failure: the highest-priority bucket among its codes."""
        buckets = {self.advice_for(code).bucket for code in codes} or {self.unknown.bucket}
        return next(bucket for bucket in self.priority if bucket in buckets)

    def explain(self, codes: list[str]) -> list[tuple[str, Advice]]:
        """Return each distinct code with its advice, in URSSAF's order."""
        return [(code, self.advice_for(code)) for code in dict.fromkeys(codes)]

    def client_advice(self, codes: list[str]) -> list[str]:
        """Return what the client should check after these codes, each advice once."""
        advice = (advice.client_advice for _, advice in self.explain(codes))
        return list(dict.fromkeys(line for line in advice if line))

    def failure_note(self, codes: list[str]) -> str:
        """Return the French reason of a failure: each distinct code and what it means."""
        return "\n".join(f"{code} : {advice.explanation}" for code, advice in self.explain(codes))

    def bucket(self, value: str) -> Bucket | None:
        """Return the presentation of a stored bucket value, None when there is none."""
        return self.buckets.get(value)
