"""Where the worker runs: `idp worker`, and in-process only under `idp serve` without Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.helpers.ports import reserve_port
from tests.sessions.conftest import Receiver

ROOT = Path(__file__).resolve().parents[2]


def _worker_threads():
    return [t for t in threading.enumerate() if t.name == "idp-worker"]


def test_create_app_starts_no_worker(app, clean):
    from tests.conftest import make_app

    make_app()
    assert _worker_threads() == []


def test_worker_loop_delivers_and_stops(app, web, user, rp_clients, receivers, signed_in):
    from idp.sessions import service
    from idp.worker import start_in_process

    thread, stop = start_in_process(app)
    try:
        with app.app_context():
            service.end_session(signed_in)
        assert all(r.wait_for(1) for r in receivers.values())
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()


def _env(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IDP_")}
    env.update(IDP_INSTANCE_PATH=str(tmp_path / "instance"), IDP_KEYS_PATH=str(tmp_path / "keys"),
               PYTHONPATH=str(ROOT))
    return env


SEED = """
import sys
from idp.app import create_app
from idp.storage import migrate
from idp.keystore.keys import ensure_active_key
from idp.clients.registry import create_client
from idp.sessions import backchannel
app = create_app()
with app.app_context():
    migrate.upgrade()
    ensure_active_key("RS256")
    client, _ = create_client("Asset", ["http://127.0.0.1/cb"], product="asset",
                              backchannel_logout_uri=sys.argv[1])
    backchannel.enqueue("s" * 32, 1, [client.client_id], "logout")
"""


@pytest.mark.slow  # a server process
def test_embedded_serve_runs_the_worker_in_process(tmp_path):
    """No Redis: a delivery queued before start is sent by `idp serve`'s own worker thread."""
    receiver = Receiver("asset").start()
    env = _env(tmp_path)
    try:
        subprocess.run([sys.executable, "-c", SEED, receiver.url], env=env, cwd=tmp_path,
                       check=True, capture_output=True, timeout=60)
        assert receiver.received == []
        proc = subprocess.Popen([sys.executable, "-m", "idp", "serve", "--port", str(reserve_port())],
                                env=env, cwd=tmp_path, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            assert receiver.wait_for(1, timeout=30)
        finally:
            proc.terminate()
            proc.wait(15)
    finally:
        receiver.stop()
    assert receiver.received[0]["token"].count(".") == 2
