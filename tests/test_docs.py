"""Every relative link in README.md, conf/README.md and docs/*.md points at a file that
exists, and a link to a heading (``file.md#anchor``) at a heading that exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", ROOT / "conf" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"```.*?```", re.DOTALL)


def _anchor(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    text = FENCE.sub("", path.read_text())
    return {_anchor(line.lstrip("#")) for line in text.splitlines() if line.startswith("#")}


def _links(path: Path) -> list[str]:
    return LINK.findall(FENCE.sub("", path.read_text()))


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(doc):
    broken = []
    for link in _links(doc):
        if re.match(r"^[a-z]+:", link):
            continue  # https:, mailto: ...
        target, _, anchor = link.partition("#")
        path = (doc.parent / target).resolve() if target else doc
        if not path.exists():
            broken.append(f"{link}: no such file")
        elif anchor and path.suffix == ".md" and anchor not in _anchors(path):
            broken.append(f"{link}: no such heading")
    assert broken == []


def test_the_readme_fits_its_brief():
    text = (ROOT / "README.md").read_text()
    for heading in ("## Set-up: two commands", "## Try it", "## A product in about 20 lines",
                    "## What it is made of", "## Plan claims",
                    "## Libraries, and why each is there"):
        assert heading in text
    assert len(text) < 12_000  # it was 43 KB: the reference lives in docs/


def test_the_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    command = ("python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]' "
               "&& .venv/bin/python -m pytest")
    assert command in readme and ci.rstrip().endswith(command)
    assert ("python3 -m venv .venv && .venv/bin/pip install -q -e . && .venv/bin/idp serve"
            in readme)


def test_default_toml_links_the_keys_runbook():
    defaults = (ROOT / "idp" / "config" / "default.toml").read_text()
    for path in re.findall(r"docs/[\w-]+\.md", defaults):
        assert (ROOT / path).exists(), path
    assert "docs/keys-runbook.md" in defaults
