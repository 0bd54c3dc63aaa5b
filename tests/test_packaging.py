"""A wheel that runs anywhere (issue 12 item 5; docs/packaging.md).

The slow test does what an operator does with a checkout: ``pip install .`` into a new
virtualenv (pip reuses its cache; PyPI is reachable), then ``idp serve`` from an empty
directory, with no IDP_* variable and no PYTHONPATH: every file it reads (defaults,
templates, static files, migrations, content) must come from the installed package.
The quick tests check the same in the source: the wheel's package data covers every
file those folders hold.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib
import venv
from pathlib import Path

import pytest
import requests

from idp import resources
from tests.helpers.ports import reserve_port
from tests.helpers.waiting import eventually

ROOT = Path(__file__).resolve().parents[1]
# Folders of idp/ whose files are data, not modules, and must be in the wheel.
DATA = ("config", "templates", "migrations", "content", "web/static", "translations",
        "demo/static", "demo/templates")


def _package_data() -> list[str]:
    with open(ROOT / "pyproject.toml", "rb") as fh:
        return tomllib.load(fh)["tool"]["setuptools"]["package-data"]["idp"]


def test_package_data_covers_every_data_file():
    package = resources.path()
    shipped = {path for pattern in _package_data() for path in package.glob(pattern)}
    for folder in DATA:
        for path in (package / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".py":
                assert path in shipped, f"{path.relative_to(package)} is not in the package-data"


def test_nothing_is_looked_up_outside_the_package():
    """No module finds files through the source tree or the working directory."""
    offenders = []
    for path in (ROOT / "idp").rglob("*.py"):
        text = path.read_text()
        for needle in ("parents[2]", "IDP_HOME", '"conf" /', "ROOT /"):
            if needle in text:
                offenders.append(f"{path.relative_to(ROOT)}: {needle}")
    assert offenders == []


def _source_copy(tmp_path: Path) -> Path:
    """What a fresh clone holds (no venv, no instance data, no build leftovers)."""
    target = tmp_path / "src"
    shutil.copytree(ROOT, target, ignore=shutil.ignore_patterns(
        ".venv", ".git", "instance", "keys", "artifacts", "build", "dist", "*.egg-info",
        "__pycache__", ".hypothesis", ".ruff_cache", ".pytest_cache", "tests", "bench"))
    return target


def _healthy(base: str, proc) -> bool:
    assert proc.poll() is None, f"idp serve exited {proc.returncode}"
    try:
        return requests.get(base + "/healthz", timeout=2).status_code == 200
    except (requests.ConnectionError, requests.Timeout):
        return False


@pytest.mark.slow  # builds and installs a wheel into a new virtualenv
def test_pip_install_then_idp_serve_from_an_empty_directory(tmp_path):
    source = _source_copy(tmp_path)
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    installed = subprocess.run([env_dir / "bin" / "pip", "install", "-q", str(source)],
                               capture_output=True, text=True, timeout=600, check=False)
    assert installed.returncode == 0, installed.stderr[-3000:]
    shutil.rmtree(source)  # nothing may be read from the tree it was built from
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {"PATH": f"{env_dir / 'bin'}:/usr/bin:/bin", "HOME": str(empty)}
    where = subprocess.run([env_dir / "bin" / "python", "-c", "import idp; print(idp.__file__)"],
                           env=env, cwd=empty, capture_output=True, text=True, check=True)
    assert where.stdout.startswith(str(env_dir)), where.stdout
    port = reserve_port()
    base = f"http://127.0.0.1:{port}"
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen([env_dir / "bin" / "idp", "serve", "--port", str(port)], env=env,
                            cwd=empty, stdout=log, stderr=subprocess.STDOUT)
    try:
        eventually(lambda: _healthy(base, proc), 60, 0.2, "idp serve did not answer /healthz")
        assert "Sign in" in requests.get(base + "/login", timeout=5).text  # templates
        assert requests.get(base + "/static/web/idp.css", timeout=5).status_code == 200
        assert "How does billing work?" in requests.get(base + "/plans", timeout=5).text  # content
        assert requests.get(base + "/readyz", timeout=5).status_code == 200  # migrations ran
    finally:
        proc.terminate()
        code = proc.wait(20)
        log.close()
    output = (tmp_path / "serve.log").read_text()
    assert code == 0, output[-3000:]
    assert f"issuer {base}" in output
    assert (empty / "instance" / "idp.sqlite3").exists() and (empty / "keys" / "dev-kek").exists()
    upgrade = subprocess.run([env_dir / "bin" / "idp", "db", "upgrade"], env=env, cwd=empty,
                             capture_output=True, text=True, timeout=120, check=False)
    assert upgrade.returncode == 0, upgrade.stderr
    assert "Traceback" not in output and os.listdir(empty)
