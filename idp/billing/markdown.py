"""A small, safe Markdown subset for content files edited by non-developers.

Everything is HTML-escaped first, so raw HTML in a file shows as text and never runs.
Supported: ``#``-headings (rendered one level down: the page owns <h1>), paragraphs,
``-``/``*`` and ``1.`` lists, **bold**, *emphasis*, `code` and [links](https://...)
(http, https, mailto and site-relative targets only).
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

_HEADING = re.compile(r"^(#{1,5})\s+(.*)$")
_BULLET = re.compile(r"^[-*]\s+(.*)$")
_NUMBERED = re.compile(r"^\d+[.)]\s+(.*)$")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_SAFE_TARGET = re.compile(r"^(https?://|mailto:|/(?!/))[^\s\"'<>]*$")


def _inline(text: str) -> str:
    """Inline markup over already-escaped text."""
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    text = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", text)
    text = re.sub(r"(?<![*\w])\*([^*]+)\*(?!\*)", r"<em>\1</em>", text)
    return _LINK.sub(_link, text)


def _link(match: re.Match) -> str:
    label, target = match.group(1), match.group(2)
    if not _SAFE_TARGET.match(target.replace("&amp;", "&")):
        return label
    return f'<a href="{target}" rel="noopener">{label}</a>'


def _list(lines: list[str], pattern: re.Pattern, tag: str) -> str:
    items = "".join(f"<li>{_inline(pattern.match(line).group(1))}</li>" for line in lines)
    return f"<{tag}>{items}</{tag}>"


def _block(lines: list[str]) -> str:
    heading = _HEADING.match(lines[0])
    if heading and len(lines) == 1:
        level = min(len(heading.group(1)) + 1, 6)
        return f"<h{level}>{_inline(heading.group(2))}</h{level}>"
    if all(_BULLET.match(line) for line in lines):
        return _list(lines, _BULLET, "ul")
    if all(_NUMBERED.match(line) for line in lines):
        return _list(lines, _NUMBERED, "ol")
    return f"<p>{_inline(' '.join(line.strip() for line in lines))}</p>"


def render(source: str) -> Markup:
    """Render ``source`` to safe HTML."""
    blocks, current = [], []
    for line in str(escape(source or "")).splitlines():
        if _HEADING.match(line):  # a heading is a block of its own
            blocks += [current, [line]] if current else [[line]]
            current = []
        elif line.strip():
            current.append(line.rstrip())
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return Markup("\n".join(_block(b) for b in blocks if b))
