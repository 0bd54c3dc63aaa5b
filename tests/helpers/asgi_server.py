"""Serve an app of this test process over real HTTP, the production way: the ASGI front
(idp/web/asgi.py) under uvicorn, on a thread of its own. Streaming needs a real server."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading

import uvicorn

from idp.web.asgi import ASGIFront
from idp.web.asgi_worker import GracefulServer, Worker


@contextlib.contextmanager
def serve(app, threads: int = 4, port: int = 0):
    """Yield the base URL of ``app`` served on 127.0.0.1 (``port``: one from reserve_port,
    for an app whose issuer names it); stop the server afterwards."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    front = ASGIFront(app, threads)
    config = uvicorn.Config(front, log_level="warning", **Worker.CONFIG_KWARGS)
    server = GracefulServer(config)  # as in the worker: streams end when the server stops
    started = threading.Event()

    async def run():
        serving = asyncio.ensure_future(server.serve(sockets=[sock]))
        while not server.started and not serving.done():
            await asyncio.sleep(0.01)
        started.set()
        await serving

    thread = threading.Thread(target=asyncio.run, args=(run(),), daemon=True)
    thread.start()
    assert started.wait(10) and server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()


class HttpResponse:
    """A requests response with the test client's names (status_code, headers, get_json)."""

    def __init__(self, resp):
        self.status_code, self.headers, self._resp = resp.status_code, resp.headers, resp

    def get_json(self):
        return self._resp.json()

    def get_data(self, as_text=False):
        return self._resp.text if as_text else self._resp.content


class HttpClient:
    """``app.test_client()``'s get/post over real HTTP to ``base`` (a served app)."""

    def __init__(self, base: str):
        import requests

        self.base, self.session = base, requests.Session()

    def post(self, path, data=None, headers=None):
        return HttpResponse(self.session.post(self.base + path, data=data, headers=headers,
                                              timeout=30, allow_redirects=False))

    def get(self, path, headers=None):
        return HttpResponse(self.session.get(self.base + path, headers=headers, timeout=30,
                                             allow_redirects=False))
