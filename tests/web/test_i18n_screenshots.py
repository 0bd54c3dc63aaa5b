"""Screenshots of every page in both languages (issue 14 "Done when"), in Debian's Chromium
through Playwright: the pages of tests/helpers/i18n_tour.py, rendered with their own CSS.
They land in $IDP_ARTIFACTS_DIR/i18n (default artifacts/i18n) as <page>.<lang>.png; CI
keeps them as artefacts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.demo.conftest import CHROMIUM_ARGS, ROOT, chromium_path
from tests.helpers.i18n_tour import setup, tour

pytestmark = pytest.mark.slow  # a browser

ORIGIN = "http://idp.test"


def _artifacts() -> Path:
    path = Path(os.environ.get("IDP_ARTIFACTS_DIR") or ROOT / "artifacts") / "i18n"
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_screenshots_of_every_page_in_both_languages(app, clean):
    from playwright.sync_api import sync_playwright

    data = setup(app)
    pages = {language: tour(app, data, language) for language in ("en", "id")}
    static = app.test_client()
    target, taken = _artifacts(), []

    def answer(route):
        """The tour's HTML for /<lang>/<page>; the IdP's own files (CSS, icon) from the app."""
        path = route.request.url[len(ORIGIN):]
        parts = path.strip("/").split("/")
        if len(parts) == 2 and parts[0] in pages and parts[1] in pages[parts[0]]:
            return route.fulfill(status=200, content_type="text/html; charset=utf-8",
                                 body=pages[parts[0]][parts[1]][1])
        if path.startswith(ORIGIN) or "://" in path:
            return route.abort()
        resp = static.get(path)
        return route.fulfill(status=resp.status_code, body=resp.get_data(),
                             content_type=resp.headers.get("Content-Type", "text/plain"))

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 900, "height": 900})
            context.route("**/*", answer)
            page = context.new_page()
            for language, found in pages.items():
                for name in found:
                    page.goto(f"{ORIGIN}/{language}/{name}")
                    assert page.evaluate("document.documentElement.lang") == language
                    # The stylesheet applied: the card is centred, not the browser's default.
                    assert page.evaluate("getComputedStyle(document.querySelector('main'))"
                                         ".maxWidth") != "none"
                    shot = target / f"{name}.{language}.png"
                    page.screenshot(path=str(shot), full_page=True)
                    taken.append(shot)
        finally:
            browser.close()
    assert len(taken) == 2 * len(pages["en"]) and all(p.stat().st_size > 1000 for p in taken)
