"""bench/run.py runs end to end and prints its figures (one short endpoint)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wrk_is_installed():
    assert shutil.which("wrk"), "the benchmark needs wrk: apt-get install wrk"


def test_run_prints_settings_baseline_and_discovery_figures():
    assert shutil.which("wrk"), "the benchmark needs wrk: apt-get install wrk"
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--duration", "1", "--connections", "4",
         "--workers", "1", "--threads", "2", "--only", "discovery"],
        check=False, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    text = out.stdout
    assert "workers 1" in text and "connections 4" in text and "duration 1s" in text
    assert re.search(r"CPUs \d+", text)
    row = re.search(r"^discovery\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+[\d.]+\s+(\d+)\s+\d+%\s+"
                    r"([\d.]+)", text, re.MULTILINE)
    assert row, text
    requests_per_s, errors, ratio = int(row.group(1)), int(row.group(5)), float(row.group(6))
    assert requests_per_s > 0 and errors == 0 and ratio > 0
    assert re.search(r"^baseline \(bare Flask hello\)\s+\d+", text, re.MULTILINE)


def test_an_unknown_benchmark_name_is_refused():
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--only", "nope"],
                         check=False, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert out.returncode == 2 and "unknown benchmark" in out.stderr


def test_without_wrk_the_run_stops_with_the_install_hint(tmp_path):
    env = {"PATH": str(tmp_path)}  # an empty PATH: no wrk on it
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--only", "discovery"],
                         check=False, capture_output=True, text=True, timeout=60, cwd=ROOT, env=env)
    assert out.returncode != 0 and "apt-get install wrk" in out.stderr
