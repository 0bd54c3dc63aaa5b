"""Maintain the gettext catalogues: ``python -m idp.i18n_tools <command>``.

  extract       idp/**/*.py and the templates → idp/translations/messages.pot (pybabel)
  update        messages.pot → en/ and id/ messages.po (new messages appear untranslated)
  compile       every messages.po → messages.mo (committed; the wheel ships them)
  import-dict F  fill untranslated ``id`` entries from the ``ID = {...}`` dictionary of a
                Python file F (the old idp/web/i18n.py of a branch: its new strings)
  check         list ``id`` messages that are missing, fuzzy or whose placeholders differ
  all           extract, update, compile

idp/translations/README.md describes the workflow and the glossary.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

PACKAGE = Path(__file__).resolve().parent  # a source checkout: this tool edits the catalogues
HERE = PACKAGE.joinpath("translations")
POT = HERE / "messages.pot"
LANGUAGES = ("en", "id")
KEYWORDS = ["-k", "N_", "-k", "t", "-k", "lazy_gettext", "-k", "translate"]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def po_path(language: str) -> Path:
    return HERE / language / "LC_MESSAGES" / "messages.po"


def extract() -> None:
    _pybabel("extract", "-F", str(HERE / "babel.cfg"), *KEYWORDS, "--no-location",
             "--sort-output", "--project", "Tomps Identity", "--copyright-holder", "Tomps",
             "-o", str(POT), str(PACKAGE))


def update() -> None:
    for language in LANGUAGES:
        command = "update" if po_path(language).exists() else "init"
        _pybabel(command, "-i", str(POT), "-d", str(HERE), "-l", language,
                 *(["--no-fuzzy-matching", "--ignore-obsolete"] if command == "update" else []))


def compile_all() -> None:
    _pybabel("compile", "-d", str(HERE), "--statistics")


def _read(language: str):
    with open(po_path(language), "rb") as fh:
        return read_po(fh, locale=language)


def _write(language: str, catalog) -> None:
    with open(po_path(language), "wb") as fh:
        write_po(fh, catalog, width=100, omit_header=False, sort_output=True)


def import_dict(source: str) -> int:
    """Copy ``ID = {english: indonesian}`` of a Python file (and its ``*_ID`` blocks, such as
    ``_PEOPLE_ID``, merged into it with ``ID.update``) into untranslated id entries."""
    tree = ast.parse(Path(source).read_text())
    found: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
                getattr(t, "id", "") == "ID" or getattr(t, "id", "").endswith("_ID")
                for t in node.targets) and isinstance(node.value, ast.Dict):
            found.update(ast.literal_eval(node.value))
    catalog, filled = _read("id"), 0
    for message in catalog:
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        if isinstance(message.id, tuple):  # Indonesian has one form: the plural's words
            key = next((k for k in reversed(message.id) if k in found), None)
        if not key or key not in found:
            continue
        if isinstance(message.id, tuple):
            if not any(message.string):
                message.string = tuple(found[key] for _ in message.string) or (found[key],)
                filled += 1
        elif not message.string:
            message.string = found[key]
            filled += 1
    _write("id", catalog)
    return filled


def problems(language: str = "id") -> list[str]:
    """What keeps ``language`` from being complete: missing, fuzzy, placeholders differ."""
    found = []
    for message in _read(language):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            found.append(f"fuzzy: {ids[0]!r}")
        if not all(strings):
            found.append(f"missing: {ids[0]!r}")
            continue
        wanted = set(PLACEHOLDER.findall(" ".join(ids)))
        for text in strings:
            if set(PLACEHOLDER.findall(text)) - wanted or (
                    len(ids) == 1 and set(PLACEHOLDER.findall(text)) != wanted):
                found.append(f"placeholders differ: {ids[0]!r} → {text!r}")
    return found


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command = argv[0] if argv else "help"
    if command == "extract":
        extract()
    elif command == "update":
        update()
    elif command == "compile":
        compile_all()
    elif command == "all":
        extract(), update(), compile_all()
    elif command == "import-dict" and len(argv) == 2:
        print(f"filled {import_dict(argv[1])} id entries")
    elif command == "check":
        found = problems("id")
        print("\n".join(found) or "id: complete")
        return 1 if found else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
