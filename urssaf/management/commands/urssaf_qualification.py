"""python manage.py urssaf_qualification [--base-url URL --token-url URL] [--console URL]

Plays URSSAF's test campaign through urssaf/api.py and writes a dated report (HTML + JSON)
under var/qualification/. Without --base-url it starts a sandbox of its own (a separate
process, `manage.py urssaf_sandbox`, on a free port and a throw-away data directory).
"""

import re
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test import override_settings
from django.utils import timezone

from urssaf import api
from urssaf.qualification import report, scenarios

SANDBOX_API_PATH = "atp/v1/tiersPrestations"
SANDBOX_TOKEN_PATH = "api/oauth/v1/token"  # noqa: S105 (a path)
LISTENING = re.compile(r"listening on (http://\S+?)/? ")
STARTUP_LINES = 50


class Command(BaseCommand):
    help = "Joue la campagne de tests URSSAF et écrit un rapport daté (HTML et JSON)."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", help="Base de l'API (…/atp/v1/tiersPrestations).")
        parser.add_argument(
            "--token-url", help="URL du jeton (défaut : hôte + /api/oauth/v1/token)."
        )
        parser.add_argument(
            "--console",
            help="URL d'un bac à sable dont l'API de contrôle joue le particulier et la banque.",
        )
        parser.add_argument("--output", type=Path, default=Path(settings.VAR_DIR) / "qualification")
        parser.add_argument("--prefix", help="Préfixe des numéros de facture (défaut : daté).")

    def handle(self, *args, **options):
        started = timezone.localtime()
        prefix = options["prefix"] or f"QUAL{started:%Y%m%d%H%M%S}"
        with self._target(options) as target:
            played = _play(*target, prefix=prefix)
        base_url = target[0]
        written = report.write(
            played, directory=options["output"], base_url=base_url, started=started
        )
        for scenario in played:
            self.stdout.write(f"{scenario.verdict:>22}  {scenario.title}")
        self.stdout.write(f"Rapport : {written.html_path}\n          {written.json_path}")
        if not written.green:
            raise CommandError("Au moins un scénario a échoué : voir le rapport.")

    @contextmanager
    def _target(self, options):
        if options["base_url"]:
            if not (settings.URSSAF_CLIENT_ID and settings.URSSAF_CLIENT_SECRET):
                raise CommandError("URSSAF_CLIENT_ID et URSSAF_CLIENT_SECRET sont requis.")
            parts = urlsplit(options["base_url"])
            token_url = (
                options["token_url"] or f"{parts.scheme}://{parts.netloc}/{SANDBOX_TOKEN_PATH}"
            )
            console = scenarios.Console(options["console"]) if options["console"] else None
            yield (
                options["base_url"],
                token_url,
                settings.URSSAF_CLIENT_ID,
                settings.URSSAF_CLIENT_SECRET,
                console,
            )
            return
        with tempfile.TemporaryDirectory() as data_dir, _sandbox_process(data_dir) as root:
            yield (
                f"{root}/{SANDBOX_API_PATH}",
                f"{root}/{SANDBOX_TOKEN_PATH}",
                settings.URSSAF_SANDBOX_CLIENT_ID,
                settings.URSSAF_SANDBOX_CLIENT_SECRET,
                scenarios.Console(root),
            )


def _play(base_url, token_url, client_id, secret, console, *, prefix: str):
    with override_settings(
        URSSAF_BASE_URL=base_url,
        URSSAF_TOKEN_URL=token_url,
        URSSAF_CLIENT_ID=client_id,
        URSSAF_CLIENT_SECRET=secret,
    ):
        api.clear_token_cache()
        try:
            return scenarios.play(console, prefix)
        finally:
            api.clear_token_cache()


@contextmanager
def _sandbox_process(data_dir: str):
    """Run `manage.py urssaf_sandbox` on a free port; yield its root URL; stop it after."""
    command = [
        sys.executable,
        str(Path(settings.BASE_DIR) / "manage.py"),
        "urssaf_sandbox",
        "--port",
        "0",
        "--data-dir",
        data_dir,
    ]
    process = subprocess.Popen(  # noqa: S603 (our own manage.py, fixed arguments)
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    output = process.stdout
    assert output is not None  # stdout=PIPE always gives a pipe
    try:
        for _ in range(STARTUP_LINES):
            line = output.readline()
            if not line:
                break
            if match := LISTENING.search(line):
                yield match.group(1)
                return
        raise CommandError("Le bac à sable URSSAF n'a pas démarré.")
    finally:
        process.terminate()
        process.wait(timeout=10)
        output.close()
