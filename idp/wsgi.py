"""WSGI entry point for gunicorn in production: ``gunicorn idp.wsgi:app``.

Nothing else runs here: migrations are `idp db upgrade`, keys are `idp keys`.
"""

from . import create_app

app = create_app()
