"""Serve the sandbox over HTTP: a threading wsgiref server, in the foreground or a thread."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from .app import SandboxApp

logger = logging.getLogger(__name__)


class SandboxRequestHandler(WSGIRequestHandler):
    """Expose the socket to the app (to drop connections) and log through `logging`."""

    def get_environ(self) -> dict[str, Any]:
        environ = super().get_environ()
        environ["sandbox.socket"] = self.connection
        return environ

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    """One thread per request, so a sleeping "timeout" fault never blocks the others."""

    daemon_threads = True
    allow_reuse_address = True
    # Concurrent soak-test workers connect in bursts; the default backlog of 5 would refuse.
    request_queue_size = 128


@dataclass
class RunningSandbox:
    """A sandbox served from a background thread (tests, demos)."""

    app: SandboxApp
    server: ThreadingWSGIServer
    thread: threading.Thread
    stopped: bool = False

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"  # type: ignore[str-bytes-safe]  # TCP: host is a str

    def stop(self) -> None:
        """Stop serving, wait for the thread and close the store (once)."""
        if self.stopped:
            return
        self.stopped = True
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)
        self.app.close()


def create_server(app: SandboxApp, host: str, port: int) -> ThreadingWSGIServer:
    """Return a server bound to host:port (port 0 picks a free one)."""
    return make_server(
        host, port, app, server_class=ThreadingWSGIServer, handler_class=SandboxRequestHandler
    )


def start_in_thread(app: SandboxApp, host: str = "127.0.0.1", port: int = 0) -> RunningSandbox:
    """Serve `app` from a daemon thread; return a handle whose `url` is ready to use."""
    server = create_server(app, host, port)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    return RunningSandbox(app=app, server=server, thread=thread)
