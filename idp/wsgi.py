"""WSGI entry point for gunicorn in production: ``gunicorn idp.wsgi:app``.

Each worker checks it can serve (schema current, keys open under the KEK, a first
signing key) and exits with one line otherwise. Migrations stay explicit
(`idp db upgrade`); keys are managed with `idp keys`.
"""

import sys

from . import create_app
from .config import ConfigError
from .errors import IdPError
from .startup import check_ready


def _build():
    try:
        application = create_app()
        check_ready(application, announce=lambda line: print(f"idp: {line}", file=sys.stderr))
        return application
    except ConfigError as exc:
        reason = "configuration: " + "; ".join(exc.problems)
    except IdPError as exc:  # a wrong KEK, an unreadable key, a schema not current
        reason = str(exc)
    print(f"idp: {reason}", file=sys.stderr)
    sys.exit(1)


app = _build()
