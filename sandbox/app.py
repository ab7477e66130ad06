"""The fake URSSAF as a plain WSGI application: API, control API and the HTML console."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable, Iterable
from http import HTTPStatus
from pathlib import Path
from typing import Any

from . import clock, control, demandes, page, particulier, tokens
from .constants import API_PREFIX, CONTROL_PREFIX, DEFAULT_FAULTS, TOKEN_PATH
from .errors import error
from .faults import FaultInjector
from .identity import DEMO_CLIENTS_FILE, EXTRA_TAXPAYERS_FILE, load_seed, seed_taxpayers
from .store import Store, get_meta
from .web import HttpError, Request, Response, json_response

logger = logging.getLogger(__name__)

Handler = Callable[[Any, str, Any, Any], tuple[int, Any]]
API_ROUTES: dict[str, dict[str, Handler]] = {
    f"{API_PREFIX}/particulier": {"POST": particulier.register, "GET": particulier.lookup},
    f"{API_PREFIX}/demandePaiement": {"POST": demandes.submit},
    f"{API_PREFIX}/demandePaiement/rechercher": {"POST": demandes.search},
}


class SandboxApp:
    """A WSGI callable behaving like URSSAF's API Tiers de prestation, state under `data_dir`."""

    def __init__(
        self,
        data_dir: Path | str,
        *,
        client_id: str = "sandbox",
        client_secret: str = "sandbox",  # noqa: S107 (the sandbox's documented default)
        control_enabled: bool = True,
        # DEFAULT_FAULTS mixes value types; this entry is an int.
        token_lifetime: int = DEFAULT_FAULTS["token_lifetime_seconds"],  # type: ignore[assignment]
        demo_clients_file: Path | None = DEMO_CLIENTS_FILE,
        extra_taxpayers_file: Path | None = EXTRA_TAXPAYERS_FILE,
    ) -> None:
        self.store = Store(Path(data_dir))
        self.control_enabled = control_enabled
        self.default_faults = {**DEFAULT_FAULTS, "token_lifetime_seconds": token_lifetime}
        self.faults = FaultInjector()
        self._organisation = (client_id, client_secret)
        self._seed = load_seed(demo_clients_file, extra_taxpayers_file)
        with self.store.transaction() as db:
            self.load_seed(db)
            config = self.fault_config(db)
        if config["seed"] is not None:
            self.faults.reseed(config["seed"])

    def load_seed(self, db: Any) -> None:
        """(Re)load the seeded taxpayers and the organisation from the settings."""
        seed_taxpayers(db, self._seed)
        db.execute(
            "INSERT INTO organisations (client_id, client_secret, seeded) VALUES (?, ?, 1) "
            "ON CONFLICT (client_id) DO UPDATE SET client_secret = excluded.client_secret",
            self._organisation,
        )

    def fault_config(self, db: Any) -> dict[str, Any]:
        """Return the injected-fault settings in force (the defaults overlaid with changes)."""
        return {**self.default_faults, **get_meta(db, "faults", {})}

    def close(self) -> None:
        self.store.close()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        try:
            request = Request.from_environ(environ)
            response = self.dispatch(request)
        except HttpError as exc:
            response = json_response(exc.body, status=exc.status)
        except Exception:
            logger.exception("Sandbox failure on %s", environ.get("PATH_INFO"))
            response = json_response([error("ERREUR_TECHNIQUE")], HTTPStatus.INTERNAL_SERVER_ERROR)
        start_response(response.status_line(), response.header_list())
        return [response.body]

    def dispatch(self, request: Request) -> Response:
        """Route to the URSSAF API (with faults), the control API or the console page."""
        path = request.path
        if path == TOKEN_PATH or path.startswith(f"{API_PREFIX}/"):
            return self._with_faults(request)
        if path.startswith(CONTROL_PREFIX):
            return control.dispatch(self, request)
        if path == "/":
            if request.method != "GET":
                raise HttpError(HTTPStatus.METHOD_NOT_ALLOWED, {"error": "GET only"})
            return page.render(self, request)
        raise HttpError(HTTPStatus.NOT_FOUND, {"error": f"no such path: {path}"})

    # --- URSSAF API ----------------------------------------------------------------------------

    def _with_faults(self, request: Request) -> Response:
        with self.store.transaction() as db:
            config = self.fault_config(db)
        if config["delay_ms"]:
            time.sleep(config["delay_ms"] / 1000)
        fault = self.faults.draw(config)
        if fault is None:
            return self._api(request)
        logger.info("Injecting fault %r on %s %s", fault, request.method, request.path)
        if fault == "error":
            return self.faults.error_response(config)
        response = (
            self._api(request)
            if config["process_before_failure"]
            else json_response([error("ERREUR_TECHNIQUE")], HTTPStatus.GATEWAY_TIMEOUT)
        )
        if fault == "timeout":
            time.sleep(config["timeout_seconds"])
            return response
        return _drop(request)

    def _api(self, request: Request) -> Response:
        if request.path == TOKEN_PATH:
            return self._token(request)
        methods = API_ROUTES.get(request.path)
        if methods is None:
            raise HttpError(
                HTTPStatus.NOT_FOUND, [error("ERREUR_VALIDATION", "Ressource inconnue")]
            )
        handler = methods.get(request.method)
        if handler is None:
            raise HttpError(HTTPStatus.METHOD_NOT_ALLOWED, {"error": "method not allowed"})
        payload = request.json() if request.method == "POST" else _params(request)
        with self.store.transaction() as db:
            now = clock.now(db)
            org = tokens.authenticate(db, request.bearer_token(), now)
            if org is None:
                return _unauthorized()
            status, body = handler(db, org, payload, now)
        logger.info("%s %s -> %s", request.method, request.path, status)
        return json_response(body, status=status)

    def _token(self, request: Request) -> Response:
        if request.method != "POST":
            raise HttpError(HTTPStatus.METHOD_NOT_ALLOWED, {"error": "POST only"})
        form = request.form() if request.is_form else {}
        form |= request.basic_credentials()
        with self.store.transaction() as db:
            lifetime = self.fault_config(db)["token_lifetime_seconds"]
            status, body = tokens.issue(db, form, clock.now(db), lifetime)
        return json_response(body, status=status)


def _params(request: Request) -> dict[str, str]:
    return {key: values[0] for key, values in request.query.items() if values}


def _unauthorized() -> Response:
    body = tokens.oauth_error("invalid_token", "the access token is missing, unknown or expired")
    header = ("WWW-Authenticate", 'Bearer error="invalid_token"')
    return json_response(body, status=HTTPStatus.UNAUTHORIZED, headers=[header])


def _drop(request: Request) -> Response:
    """Close the connection without an answer (the server writes into a dead socket after)."""
    connection = request.environ.get("sandbox.socket")
    if connection is None:
        # Called without a server (WSGI unit tests): say so instead of pretending.
        return json_response({"fault": "drop"}, HTTPStatus.BAD_GATEWAY)
    try:
        connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        logger.debug("The client had already gone")
    return Response(status=HTTPStatus.BAD_GATEWAY)
