"""`idp demo` as a subprocess on free ports, and a headless Chromium driven by Playwright.

The demo runs exactly as a person would run it (its own embedded SQLite and
in-process store, nothing from this run's Postgres/Redis: every IDP_* variable
is removed), in a temporary instance directory.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.helpers.ports import reserve_port_block

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 90.0
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    # Without these Chromium calls Google's services, which this machine's network refuses.
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


class DemoProcess:
    """One `idp demo --json` subprocess: its JSON line, its stderr, and how to stop it."""

    def __init__(self, workdir: Path, port: int):
        self.workdir, self.port = workdir, port
        env = {k: v for k, v in os.environ.items() if not k.startswith("IDP_")}
        env["PYTHONPATH"] = str(ROOT)
        self.stderr_path = workdir / f"demo-{port}.stderr"
        self._stderr = open(self.stderr_path, "w")  # noqa: SIM115 — closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "idp", "demo", "--port", str(port), "--json",
             "--instance-path", str(workdir / "instance-demo")],
            env=env, cwd=workdir, stdout=subprocess.PIPE, stderr=self._stderr, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.info = self._ready()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line)

    def _ready(self) -> dict:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            try:
                return json.loads(self.lines.get(timeout=0.5))
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
        self.stop()
        raise AssertionError(f"idp demo did not get ready:\n{self.stderr_path.read_text()[-3000:]}")

    def person(self, plan: str) -> dict:
        return next(p for p in self.info["people"] if p["plan"] == plan)

    def interrupt(self, timeout: float = 20.0) -> tuple[int, float]:
        """Send SIGINT (Ctrl-C); return the exit code and the seconds it took to exit."""
        started = time.monotonic()
        self.proc.send_signal(signal.SIGINT)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()  # never leave a demo behind; the test fails on the code
            code = self.proc.wait(5)
        self._stderr.close()
        return code, time.monotonic() - started

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._stderr.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    running = DemoProcess(tmp_path_factory.mktemp("demo"), reserve_port_block())
    yield running
    running.stop()


def chromium_path() -> str:
    path = os.environ.get("IDP_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail("Chromium is not installed (apt-get install chromium; .ci/run does it)")
    return path


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def artifacts() -> Path:
    """Where screenshots go: $IDP_ARTIFACTS_DIR/demo, else artifacts/demo (CI keeps it)."""
    base = Path(os.environ.get("IDP_ARTIFACTS_DIR") or ROOT / "artifacts")
    path = base / "demo"
    path.mkdir(parents=True, exist_ok=True)
    return path
