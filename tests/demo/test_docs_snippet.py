"""README.md and docs/rp-kit.md show the product integration the demo apps really run,
line for line."""

from __future__ import annotations

import re

import pytest

from tests.demo.conftest import ROOT


def _integration() -> str:
    source = (ROOT / "idp" / "demo" / "product_app.py").read_text()
    return source.split("# --- integration: begin ---\n")[1].split("# --- integration: end ---")[0]


def _documented(path) -> str:
    doc = (ROOT / path).read_text()
    section = doc.split("## A product in about 20 lines", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)


@pytest.mark.parametrize("path", ["README.md", "docs/rp-kit.md"])
def test_the_documented_integration_is_the_demo_apps_code(path):
    documented = _documented(path)
    source = (ROOT / "idp" / "demo" / "product_app.py").read_text()
    assert _integration() in documented
    for line in documented.splitlines():
        if line.startswith(("from ", "import ")):
            assert line in source.splitlines(), f"{line!r} is not how the demo imports it"


def test_the_integration_is_about_twenty_lines():
    lines = [line for line in _integration().splitlines() if line.strip()]
    assert len(lines) <= 22
