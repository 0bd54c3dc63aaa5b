"""Content files edited without touching code: plan descriptions and the pricing FAQ.

Layout (under ``content_path``; by default idp/content/, shipped in the package):
  plans/<plan code>.md, plans/<plan code>.<locale>.md   — one description per plan
  faq.md, faq.<locale>.md                               — the pricing FAQ
Files are read on request and cached by modification time, so an edit shows on the
next page view without a rebuild or restart.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

from flask import current_app
from markupsafe import Markup

from .. import resources
from .markdown import render

_CODE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_cache: dict[Path, tuple[float, str]] = {}
_lock = threading.Lock()


def content_dir() -> Path:
    """``content_path`` (relative to the working directory), else the packaged idp/content/."""
    configured = current_app.config["IDP"].content_path
    return Path(configured).resolve() if configured else resources.path("content")


def _read(path: Path) -> str | None:
    """The file's text, re-read only when its mtime changed; None when absent."""
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        return None
    with _lock:
        cached = _cache.get(path)
        if cached and cached[0] == mtime:
            return cached[1]
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    with _lock:
        _cache[path] = (mtime, text)
    return text


def _localised(base: Path, name: str, locale: str) -> str:
    for candidate in (f"{name}.{locale}.md", f"{name}.md"):
        text = _read(base / candidate)
        if text is not None:
            return text
    return ""


def plan_description(code: str, locale: str = "en") -> str:
    """The Markdown description of plan ``code`` ('' when there is none)."""
    if not _CODE.match(code or ""):
        return ""
    return _localised(content_dir() / "plans", code, locale)


def faq(locale: str = "en") -> Markup:
    """The pricing FAQ as safe HTML."""
    return render(_localised(content_dir(), "faq", locale))
