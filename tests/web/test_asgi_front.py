"""The ASGI front (idp/web/asgi.py): the Flask app on a pool thread, and hand-over."""

from __future__ import annotations

import asyncio
import json

import requests
from flask import Flask, Response, request

from idp.web.asgi import ASGIFront, front_of, hand_over
from tests.helpers.asgi_server import serve


class Rest:
    """A handed-over remainder that records how it ended."""

    def __init__(self, chunks, block=False):
        self.chunks, self.block, self.closed = chunks, block, 0

    def __aiter__(self):
        return self._gen()

    async def _gen(self):
        for chunk in self.chunks:
            yield chunk
        if self.block:
            await asyncio.Event().wait()

    async def aclose(self):
        self.closed += 1


def _app(rest=None):
    app = Flask("front")
    app.config["MAX_CONTENT_LENGTH"] = 100

    @app.route("/echo", methods=["GET", "POST"])
    def echo():
        return {"addr": request.remote_addr, "query": request.query_string.decode(),
                "form": request.form.to_dict(), "accept": request.headers.get("Accept"),
                "script": request.script_root, "path": request.path,
                "front": front_of(request.environ) is not None}

    @app.route("/stream")
    def stream():
        hand_over(request.environ, rest)
        return Response(b"first;", mimetype="text/event-stream")

    @app.route("/fails")
    def fails():
        hand_over(request.environ, rest)
        return Response(b"nope", status=500)

    return app


def _call(app, path, *, method="GET", body=(b"",), headers=(), disconnect=False, root=""):
    """Drive the front like a server; return (start message, body messages)."""
    async def run():
        front = ASGIFront(app, threads=2)
        incoming = [{"type": "http.request", "body": part, "more_body": i < len(body) - 1}
                    for i, part in enumerate(body)]
        gone = asyncio.Event()
        sent = []

        async def receive():
            if incoming:
                return incoming.pop(0)
            if disconnect:
                await asyncio.sleep(0.05)
                return {"type": "http.disconnect"}
            await gone.wait()
            return {"type": "http.disconnect"}

        async def send(message):
            sent.append(message)

        path_only, _, query = path.partition("?")
        scope = {"type": "http", "method": method, "path": root + path_only, "root_path": root,
                 "query_string": query.encode(), "http_version": "1.1", "scheme": "http",
                 "server": ("127.0.0.1", 5000), "client": ("10.1.2.3", 4242),
                 "headers": [(k.lower().encode(), v.encode()) for k, v in headers]}
        await asyncio.wait_for(front(scope, receive, send), 10)
        front.executor.shutdown()
        return sent[0], sent[1:]

    return asyncio.run(run())


def test_a_request_runs_the_flask_app_with_a_wsgi_environ():
    start, body = _call(_app(), "/echo?a=1&b=2", headers=[("Accept", "x/y"), ("Accept", "z/w")])
    assert start["status"] == 200
    assert (b"content-type", b"application/json") in start["headers"]
    assert len(body) == 1 and not body[0].get("more_body")
    data = json.loads(body[0]["body"])
    assert data == {"addr": "10.1.2.3", "query": "a=1&b=2", "form": {}, "accept": "x/y,z/w",
                    "script": "", "path": "/echo", "front": True}


def test_a_mounted_prefix_becomes_script_name():
    _, body = _call(_app(), "/echo", root="/idp")
    data = json.loads(body[0]["body"])
    assert data["script"] == "/idp" and data["path"] == "/echo"


def test_a_body_in_pieces_reaches_the_form():
    _, body = _call(_app(), "/echo", method="POST", body=(b"name=an", b"a&x=1"),
                        headers=[("Content-Type", "application/x-www-form-urlencoded")])
    assert json.loads(body[0]["body"])["form"] == {"name": "ana", "x": "1"}


def test_a_declared_body_over_the_limit_is_413_without_reading_it():
    start, _ = _call(_app(), "/echo", method="POST", body=(b"x" * 10,),
                     headers=[("Content-Type", "application/x-www-form-urlencoded"),
                              ("Content-Length", "5000")])
    assert start["status"] == 413


def test_an_undeclared_body_over_the_limit_is_413():
    start, _ = _call(_app(), "/echo", method="POST", body=(b"a=" + b"x" * 80, b"y" * 80),
                     headers=[("Content-Type", "application/x-www-form-urlencoded")])
    assert start["status"] == 413


def test_a_handed_over_response_streams_and_is_closed_once():
    rest = Rest([b"two;", b"three;"])
    start, body = _call(_app(rest), "/stream")
    assert start["status"] == 200
    assert not any(k == b"content-length" for k, _ in start["headers"])
    assert [m["body"] for m in body] == [b"first;", b"two;", b"three;", b""]
    assert [m.get("more_body", False) for m in body] == [True, True, True, False]
    assert rest.closed == 1


def test_a_client_that_goes_away_closes_the_handed_over_response():
    rest = Rest([b"two;"], block=True)
    _, body = _call(_app(rest), "/stream", disconnect=True)
    assert [m["body"] for m in body] == [b"first;", b"two;"]  # no end: nobody is listening
    assert rest.closed == 1


def test_an_error_after_handing_over_sends_the_error_and_closes_the_rest():
    rest = Rest([b"never"])
    start, body = _call(_app(rest), "/fails")
    assert start["status"] == 500 and [m["body"] for m in body] == [b"nope"]
    assert rest.closed == 1


def test_shutdown_hooks_run_once_even_if_one_fails():
    front, ran = ASGIFront(_app()), []

    def broken():
        raise RuntimeError("boom")

    front.on_shutdown(broken)
    front.on_shutdown(lambda: ran.append(1))
    front.begin_shutdown()
    front.begin_shutdown()
    assert ran == [1]


def test_the_server_does_not_take_x_forwarded_for_from_a_local_peer():
    """Forwarded headers are the app's business (trusted_proxy_count), not uvicorn's."""
    with serve(_app()) as base:
        data = requests.get(base + "/echo", headers={"X-Forwarded-For": "203.0.113.9"},
                            timeout=5).json()
        assert data["addr"] == "127.0.0.1" and data["front"] is True
        resp = requests.get(base + "/echo", timeout=5)
        assert "server" not in {k.lower() for k in resp.headers}
