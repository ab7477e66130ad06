"""python manage.py urssaf_sandbox --port 8765 --data-dir var/sandbox [--no-control]"""

import signal
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from sandbox.app import SandboxApp
from sandbox.constants import DEFAULT_PORT, DEFAULT_TOKEN_LIFETIME_SECONDS
from sandbox.server import create_server


class Command(BaseCommand):
    help = "Run the fake URSSAF API (sandbox) in the foreground, with its own state store."
    # The sandbox does not need the portal's URSSAF settings, which it stands in for.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=DEFAULT_PORT)
        parser.add_argument(
            "--data-dir",
            type=Path,
            default=Path(settings.URSSAF_SANDBOX_DATA_DIR),
            help="Directory of the sandbox's own SQLite file (default: var/sandbox).",
        )
        parser.add_argument(
            "--no-control",
            action="store_true",
            help="Refuse the /__sandbox/ control API (403) and show a read-only console.",
        )
        parser.add_argument(
            "--token-lifetime",
            type=int,
            default=DEFAULT_TOKEN_LIFETIME_SECONDS,
            help="Lifetime of access tokens, in seconds of the sandbox clock.",
        )

    def handle(self, *args, **options):
        app = SandboxApp(
            options["data_dir"],
            client_id=settings.URSSAF_SANDBOX_CLIENT_ID,
            client_secret=settings.URSSAF_SANDBOX_CLIENT_SECRET,
            control_enabled=not options["no_control"],
            token_lifetime=options["token_lifetime"],
        )
        server = create_server(app, options["host"], options["port"])
        host, port = server.server_address[:2]
        control = "off" if options["no_control"] else "on"
        self.stdout.write(
            f"URSSAF sandbox listening on http://{host}:{port}/ "
            f"(data: {options['data_dir']}, control API: {control})",
        )
        self.stdout.flush()
        # `kill` (a supervisor, a test fixture) stops it as cleanly as Ctrl-C.
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            self.stdout.write("Stopping the URSSAF sandbox.")
        finally:
            server.server_close()
            app.close()


def _interrupt(signum, frame):
    raise KeyboardInterrupt
