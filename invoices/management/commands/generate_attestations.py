"""Produce the attestations fiscales of a year from the command line (cron), in this process."""

import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from invoices import attestations
from invoices.models import AttestationBatch, BatchItemStatus


class Command(BaseCommand):
    help = (
        "Generate the tax attestations of YEAR for every client who paid in it: the same batch "
        "as the admin's, run here one client after the other, with progress and a summary."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True, help="Year of the payments.")
        parser.add_argument(
            "--every",
            type=int,
            default=25,
            help="Print the progress every N clients (default 25).",
        )

    def handle(self, *args, year: int, every: int, **options) -> None:
        try:
            batch = attestations.batch_create(year=year, by=None)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"Attestations {year}: batch {batch.pk}, {batch.total} client(s).")
        started = time.monotonic()
        client_ids = batch.items.values_list("client_id", flat=True)
        for index, client_id in enumerate(client_ids.iterator(), start=1):
            attestations.batch_process_client(batch_id=batch.pk, client_id=client_id)
            if index % max(every, 1) == 0 or index == batch.total:
                self._progress(batch.pk, started)
        self._summary(batch.pk, started)

    def _progress(self, batch_id: int, started: float) -> None:
        batch = AttestationBatch.objects.get(pk=batch_id)
        self.stdout.write(
            f"  {batch.done + batch.failed}/{batch.total} processed, {batch.failed} failed "
            f"({time.monotonic() - started:.1f} s)"
        )

    def _summary(self, batch_id: int, started: float) -> None:
        batch = AttestationBatch.objects.get(pk=batch_id)
        unchanged = batch.done - batch.created
        self.stdout.write(
            f"Done in {time.monotonic() - started:.1f} s: {batch.total} client(s), "
            f"{batch.created} new version(s), {unchanged} unchanged, {batch.failed} failed."
        )
        failures = batch.items.filter(status=BatchItemStatus.FAILED)
        for item in failures:
            self.stderr.write(f"  client {item.client_id}: {item.reason}")
        if batch.failed:
            raise CommandError(f"{batch.failed} attestation(s) failed; retry from the admin.")
