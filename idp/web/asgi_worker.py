"""The gunicorn worker of the ASGI front: uvicorn's, with the IdP's settings.

gunicorn stays the process manager (graceful reload on HUP, max-requests recycling,
worker timeouts, the listening socket kept across restarts); each worker runs one
asyncio loop (uvicorn; uvloop and httptools) that serves the Flask app on ``--threads``
pool threads and the handed-over streams itself (idp/web/asgi.py).

    gunicorn -k idp.web.asgi_worker.Worker --threads 4 idp.asgi:app

Where it differs from uvicorn's defaults, and why:
- ``proxy_headers=False``: X-Forwarded-For is the app's business
  (``trusted_proxy_count``); uvicorn would otherwise trust it from 127.0.0.1.
- ``server_header=False``: the IdP does not announce its server software.
- ``access_log=False``: the IdP writes its own access line (idp/ops/logging.py).
- ``access_log=False``: the IdP writes its own access line (idp/ops/logging.py).
- When the worker is told to stop, the front's shutdown hooks run first: handed-over
  streams end at once (browsers reconnect to another worker) instead of holding the
  old worker until gunicorn kills it.
- The listening sockets get ``TCP_USER_TIMEOUT`` (setting ``tcp_user_timeout``; Linux
  copies it to every accepted connection): a client that vanished without a FIN is
  dropped once a keep-alive goes unacknowledged that long, which frees its stream.
"""

from __future__ import annotations

import socket
import sys
from typing import ClassVar

from gunicorn.arbiter import Arbiter
from uvicorn.server import Server
from uvicorn_worker import UvicornWorker


class GracefulServer(Server):
    """uvicorn's server, telling the front first when it stops (its streams end)."""

    async def shutdown(self, sockets=None):
        front = self.config.app
        if hasattr(front, "begin_shutdown"):
            front.begin_shutdown()
        await super().shutdown(sockets)


class Worker(UvicornWorker):
    CONFIG_KWARGS: ClassVar[dict] = {
        "loop": "auto", "http": "auto", "lifespan": "on", "interface": "asgi3",
        "proxy_headers": False, "server_header": False, "access_log": False}

    async def _serve(self) -> None:
        front = self.config.app = self.wsgi
        if hasattr(front, "set_threads"):
            front.set_threads(self.cfg.threads)
        set_user_timeout(self.sockets, getattr(front, "tcp_user_timeout", 0))
        server = GracefulServer(config=self.config)
        self._install_sigquit_handler()
        await server.serve(sockets=self.sockets)
        if not server.started:
            sys.exit(Arbiter.WORKER_BOOT_ERROR)


def set_user_timeout(listeners, seconds: float) -> None:
    """Give TCP listeners TCP_USER_TIMEOUT (RFC 5482); accepted connections inherit it."""
    option = getattr(socket, "TCP_USER_TIMEOUT", None)
    if not seconds or option is None:
        return
    for listener in listeners:
        sock = getattr(listener, "sock", listener)
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, option, int(seconds * 1000))
