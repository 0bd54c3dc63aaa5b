"""`idp demo` as a person runs it: ready once everything answers, Ctrl-C stops all it
started (exit 0, every port free again), a second run on the same data works, and a
busy port is one line and exit 1."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from urllib.parse import urljoin, urlsplit

import pytest

from idp.rp.http import session
from tests.demo.conftest import ROOT, DemoProcess
from tests.helpers.ports import port_is_free, reserve_port_block

pytestmark = pytest.mark.slow

STOP_WITHIN = 10.0  # seconds from Ctrl-C to exit


def _sign_in(info: dict, person: dict) -> str:
    """Sign in at Building over plain HTTP; return the page the browser ends on."""
    with session() as browser:
        page = browser.get(info["apps"]["building"] + "/", timeout=10)
        assert urlsplit(page.url).path == "/login", page.url
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
        interaction = re.search(r'name="interaction"[^>]*value="([^"]*)"', page.text).group(1)
        done = browser.post(urljoin(page.url, "/login"), timeout=10, data={
            "email": person["email"], "password": person["password"], "csrf_token": token,
            "interaction": interaction})
        return done.url + "\n" + done.text


def _ports(info: dict) -> list[int]:
    return [urlsplit(url).port for url in (info["issuer"], *info["apps"].values())]


def test_ctrl_c_stops_everything_and_a_second_run_reuses_the_data(tmp_path):
    port = reserve_port_block()
    first = DemoProcess(tmp_path, port)
    try:
        info = first.info
        assert info["issuer"] == f"http://localhost:{port}"
        assert info["apps"] == {"building": f"http://building.localhost:{port + 1}",
                                "project": f"http://project.localhost:{port + 2}",
                                "asset": f"http://asset.localhost:{port + 3}"}
        assert sorted(p["plan"] for p in info["people"]) == ["duo", "suite"]
        assert "Welcome to Tomps Building" in _sign_in(info, first.person("suite"))
    finally:
        code, took = first.interrupt()
    assert code == 0 and took < STOP_WITHIN, first.stderr_path.read_text()[-2000:]
    assert all(port_is_free(p) for p in _ports(info))

    second = DemoProcess(tmp_path, port)  # same instance directory: seeding is idempotent
    try:
        assert [p["email"] for p in second.info["people"]] == [p["email"] for p in info["people"]]
        old, new = first.person("duo"), second.person("duo")
        assert old["password"] != new["password"]  # a new password each run, printed
        assert "Welcome to Tomps Building" in _sign_in(second.info, new)
        assert "Welcome" not in _sign_in(second.info, old)
    finally:
        code, took = second.interrupt()
    assert code == 0 and took < STOP_WITHIN
    assert all(port_is_free(p) for p in _ports(second.info))


def test_a_busy_port_is_one_line_and_exit_1(tmp_path):
    import socket

    port = reserve_port_block()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port + 2))
        taken.listen()
        env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "idp", "demo", "--port", str(port), "--json",
             "--instance-path", str(tmp_path / "d")],
            env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.strip().splitlines()[-1] == \
        f"idp: port {port + 2} is not free (Address already in use); choose others with --port"
    assert time.monotonic() - started < 30
    assert all(port_is_free(port + i) for i in (0, 1, 3))
    assert not (tmp_path / "d").exists()  # nothing was written
