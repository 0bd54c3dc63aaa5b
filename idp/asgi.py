"""ASGI entry point for gunicorn in production (docs/live-updates.md):

    gunicorn -k idp.web.asgi_worker.Worker --workers N --threads 4 idp.asgi:app

The same app as ``idp.wsgi:app`` (same start-up checks), behind the ASGI front: each
worker serves the Flask app on its ``--threads`` pool threads, and the live account
streams on its event loop, so an open account page holds no request thread.
``idp.wsgi:app`` still serves everything under a plain WSGI server; account pages then
poll instead of streaming.
"""

from .web.asgi import ASGIFront
from .wsgi import app as wsgi_app

app = ASGIFront(wsgi_app)
