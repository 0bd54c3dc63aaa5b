"""`localhost` names are loopback (RFC 6761 §6.3) for the kit's HTTP and the IdP's back-channel
sender, whatever libc says; any other name is resolved as usual."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from idp.rp.http import is_localhost_name, session
from idp.sessions.sender import Send, post_all


class _Recorder(BaseHTTPRequestHandler):
    seen: ClassVar[list] = []

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.seen.append((self.command, self.headers.get("Host"), self.rfile.read(length)))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def loopback_server():
    _Recorder.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], _Recorder.seen
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("host, expected", [
    ("localhost", True), ("LOCALHOST", True), ("localhost.", True), ("building.localhost", True),
    ("a.b.localhost", True), ("localhost.evil.example", False), ("evillocalhost", False),
    ("127.0.0.1", False), ("", False), (None, False), ("building.tomps.example", False),
])
def test_which_names_are_localhost(host, expected):
    assert is_localhost_name(host) is expected


def test_a_localhost_subdomain_reaches_loopback_with_its_host_header(loopback_server, monkeypatch):
    port, seen = loopback_server
    monkeypatch.setenv("HTTP_PROXY", "http://192.0.2.1:9")  # a loopback name never uses a proxy
    with session() as http:
        response = http.get(f"http://building.localhost:{port}/api", timeout=5)
    assert response.status_code == 200
    assert seen == [("GET", f"building.localhost:{port}", b"")]


def test_back_channel_logout_reaches_a_localhost_subdomain(loopback_server):
    # The demo registers http://building.localhost:PORT/backchannel-logout; the sender must
    # deliver there even where libc cannot resolve *.localhost (this machine, for one).
    port, seen = loopback_server
    (result,) = post_all([Send(1, f"http://asset.localhost:{port}/backchannel-logout", "tok")],
                         timeout=5, concurrency=1)
    assert result.ok, result.error
    assert seen == [("POST", f"asset.localhost:{port}", b"logout_token=tok")]


def test_cookies_follow_redirects_between_localhost_names():
    # A redirect from one *.localhost origin to another must carry each origin's own
    # cookies (the demo's sign-in hops localhost → building.localhost).
    from werkzeug.serving import make_server
    from werkzeug.wrappers import Request, Response

    @Request.application
    def app(request):
        if request.path == "/set":
            response = Response("", 302, {"Location": f"http://b.localhost:{port}/check"})
            response.set_cookie("a_cookie", "1")
            return response
        return Response(",".join(sorted(request.cookies)) or "-")

    server = make_server("127.0.0.1", 0, app, threaded=True)
    port = server.server_port
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with session() as http:
            http.get(f"http://b.localhost:{port}/set", timeout=5, allow_redirects=False)
            assert http.get(f"http://b.localhost:{port}/check", timeout=5).text == "a_cookie"
            http.cookies.clear()
            hop = http.get(f"http://a.localhost:{port}/set", timeout=5)  # set at a, follow to b
            assert hop.url == f"http://b.localhost:{port}/check" and hop.text == "-"
            assert http.get(f"http://a.localhost:{port}/check", timeout=5).text == "a_cookie"
            assert http.get(f"http://b.localhost:{port}/check", timeout=5).text == "-"
    finally:
        server.shutdown()
        server.server_close()


def test_the_kits_machine_session_keeps_no_cookies():
    from werkzeug.serving import make_server
    from werkzeug.wrappers import Request, Response

    @Request.application
    def app(request):
        response = Response(",".join(sorted(request.cookies)) or "-")
        response.set_cookie("someone", "1")
        return response

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://api.localhost:{server.server_port}/"
        with session(keep_cookies=False) as machine:
            machine.get(url, timeout=5)
            assert machine.get(url, timeout=5).text == "-"
        with session() as browser:
            browser.get(url, timeout=5)
            assert browser.get(url, timeout=5).text == "someone"
    finally:
        server.shutdown()
        server.server_close()
