"""The kit installs into a product app without the IdP's server dependencies.

`rp/pyproject.toml` builds `tomps-identity-rp` from idp/rp/ alone. The slow test
installs it (with the [flask] extra) into a fresh virtual environment from a copy
of just those files, imports every module, and checks that none of the server's
libraries came along. The fast test checks the same boundary in the source: no
module of idp.rp imports the server.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KIT = ROOT / "idp" / "rp"
ALLOWED = {"joserfc", "requests", "flask", "jinja2", "markupsafe", "werkzeug"}


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level > 1:
            names.add("." * node.level + (node.module or ""))  # reaches above idp.rp
    return names


def test_the_kit_imports_nothing_of_the_server():
    for path in KIT.glob("*.py"):
        for name in _imports(path):
            top = name.split(".")[0]
            assert not name.startswith(".."), f"{path.name} imports {name} (outside idp.rp)"
            assert not (top == "idp" and not name.startswith("idp.rp")), f"{path.name}: {name}"
            assert top in ALLOWED or top in sys.stdlib_module_names or top == "idp", \
                f"{path.name} imports {name}: not a kit dependency"
        if not path.name.startswith("flask"):
            assert not any(n.split(".")[0] in ("flask", "jinja2", "markupsafe") for n in _imports(path)), \
                f"{path.name} needs Flask; only idp.rp.flask(_views) may"


def test_importing_the_kit_from_this_repository_does_not_load_the_server():
    # idp/__init__.py imports create_app lazily (PEP 562), so idp.rp stays light here too.
    probe = ("import sys, idp.rp, idp.rp.flask; "
             "print(sorted(n for n in sys.modules if n in ('idp.app', 'flask_sqlalchemy', "
             "'authlib', 'psycopg', 'redis', 'sqlalchemy')))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            cwd=ROOT, timeout=60, check=True)
    assert result.stdout.strip() == "[]"
    from idp import create_app  # still importable the usual way

    assert callable(create_app)


@pytest.mark.slow
def test_the_kit_installs_alone_into_a_fresh_virtualenv(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(KIT, source / "idp" / "rp", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "rp", source / "rp", ignore=shutil.ignore_patterns("build", "*.egg-info"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "-q", f"{source / 'rp'}[flask]"],
                   check=True, capture_output=True, timeout=600)
    probe = ("import sys, importlib.metadata as m, idp.rp, idp.rp.flask, idp.rp.client, "
             "idp.rp.resource, idp.rp.sessions; "
             "print(sorted(d.metadata['Name'].lower() for d in m.distributions())); "
             "print(sorted(n for n in sys.modules if n == 'idp' or n.startswith('idp.')))")
    result = subprocess.run([python, "-c", probe], capture_output=True, text=True, timeout=120,
                            cwd=tmp_path, check=True)
    distributions, modules = result.stdout.strip().splitlines()
    assert "tomps-identity-rp" in distributions and "flask" in distributions
    for name in ("flask-sqlalchemy", "authlib", "psycopg", "psycopg-binary", "redis",
                 "sqlalchemy", "alembic", "gunicorn", "argon2-cffi", "tomps-identity"):
        assert f"'{name}'" not in distributions, f"{name} was installed with the kit"
    assert "idp.app" not in modules and "idp.rp.flask" in modules
