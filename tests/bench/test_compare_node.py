"""bench/run.py --compare-node: ours and node-oidc-provider, same run, interleaved (briefly)."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("bench_nodepeer", ROOT / "bench" / "nodepeer.py")
nodepeer = sys.modules[_spec.name] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(nodepeer)  # by path: bench/ stays off sys.path


@pytest.fixture(scope="module")
def peer_installed():
    """The pinned peer in the cache (npm, once); skipped only if npm cannot install it."""
    try:
        return nodepeer.install()
    except nodepeer.PeerUnavailable as exc:
        pytest.skip(f"node-oidc-provider could not be installed, so no comparison: {exc}")


@pytest.mark.slow
def test_the_refresh_comparison_prints_both_sides_and_the_ratio(peer_installed):
    assert shutil.which("wrk"), "the benchmark needs wrk: apt-get install wrk"
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--compare-node", "--only", "refresh",
         "--duration", "1", "--rounds", "2", "--warmup", "0", "--connections", "4",
         "--workers", "1", "--threads", "2"],
        check=False, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    text = out.stdout
    assert f"node-oidc-provider {nodepeer.VERSION}" in text
    # two paired rounds, alternating order: ours first, then the peer first
    rounds = re.findall(r"^  round (\d) refresh (ours|peer)\s+(\d+)", text, re.MULTILINE)
    assert [(r, side) for r, side, _ in rounds] == [
        ("1", "ours"), ("1", "peer"), ("2", "peer"), ("2", "ours")], text
    assert all(int(rate) > 0 for _, _, rate in rounds), text
    row = re.search(r"^refresh\s+(\d+)\s+(\d+)\s+([\d.]+)\s+[\d.]+–[\d.]+\s+([\d.]+)\s+([\d.]+)\s+"
                    r"([\d.]+)\s+3\.00\s+[\d.]+\s+([\d.]+)\s+(\d+)\s+[\d.]+", text, re.MULTILINE)
    assert row, text
    ours, peer, ratio = int(row.group(1)), int(row.group(2)), float(row.group(3))
    cpu, errors = float(row.group(6)), int(row.group(8))
    assert ours > 0 and peer > 0 and ratio > 0 and cpu > 0
    assert errors == 0, text  # every rotation chain stayed valid on both sides, across rounds
    assert "load average" in text


def test_compare_node_takes_only_the_five_hot_endpoints():
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--compare-node",
                          "--only", "login"],
                         check=False, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert out.returncode == 2 and "unknown benchmark" in out.stderr


@pytest.mark.slow
def test_npm_failing_stops_the_comparison_with_one_line(tmp_path):
    """An unknown peer version cannot be installed: exit 3 and say so, nothing started."""
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--compare-node",
                          "--node-version", "0.0.0-does-not-exist", "--node-cache", str(tmp_path)],
                         check=False, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 3, out.stdout + out.stderr
    assert "node peer unavailable" in out.stderr and "0.0.0-does-not-exist" in out.stderr
