"""Benchmark of the evidence pack: how long one client's year takes to build, and its size.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sap_h4 .venv/bin/python bench/evidence_pack.py
    ... bench/evidence_pack.py --runs 1      # a quick run

Runs on config.settings.test, in a throwaway PostgreSQL database and media folder (the
attestation benchmark's set-up: twelve monthly invoices of three natures, six lines each, all
paid). Builds the pack of that client's year --runs times with the very service the Celery task
calls, and prints the median wall time, the number of files and the ZIP's size: the reason the
pack is built in the background rather than in the admin's request.
The last line is `evidence_pack build_s=<median> files=<n> zip_kb=<size>`.
"""

import argparse
import shutil
import statistics
import time
import zipfile

from attestation import VAR_DIR, YEAR, build_year, create_database, destroy_database, make_people


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="builds timed for the median")
    args = parser.parse_args()

    from django.conf import settings

    from urssaf.evidence.services import evidence_pack_build
    from urssaf.models import EvidencePack

    original = settings.DATABASES["default"]["NAME"]
    create_database()
    try:
        cooperative, providers, clients, natures = make_people(1)
        build_year(cooperative, providers, clients, natures)
        timings, pack = [], None
        for _ in range(args.runs):
            pack = EvidencePack.objects.create(client=clients[0], year=YEAR)
            started = time.perf_counter()
            pack = evidence_pack_build(pack_id=pack.pk)
            timings.append(time.perf_counter() - started)
        with pack.file.open("rb") as stored:
            files = len(zipfile.ZipFile(stored).namelist())
            size_kb = pack.file.size // 1024
        print(f"builds: {', '.join(f'{t:.2f} s' for t in timings)}")
        median = statistics.median(timings)
        print(f"evidence_pack build_s={median:.2f} files={files} zip_kb={size_kb}")
    finally:
        destroy_database(original)
        shutil.rmtree(VAR_DIR, ignore_errors=True)


if __name__ == "__main__":
    main()
