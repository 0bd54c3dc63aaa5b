"""Files that ship inside the package, found with ``importlib.resources``.

The default settings (``idp/config/default.toml``), the page templates
(``idp/templates/``), the Alembic migrations (``idp/migrations/``) and the plan
descriptions and FAQ (``idp/content/``) live inside the ``idp`` package, so the same
lookup finds them in the source tree, in an editable install and in a wheel installed
anywhere: nothing depends on the working directory (docs/packaging.md).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def path(*parts: str) -> Path:
    """Return ``idp/<parts>`` as a path on disk (Jinja and Alembic read directories)."""
    found = resources.files("idp").joinpath(*parts)
    if isinstance(found, Path):
        return found
    # A zip import has no directory on disk; pip always installs unzipped.
    raise RuntimeError(f"idp/{'/'.join(parts)} is not on a file system: install unzipped")
