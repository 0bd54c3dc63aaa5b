"""The baseline: a bare Flask "hello" app, served by gunicorn with the IdP's settings."""

from flask import Flask

from idp.web.asgi import ASGIFront

app = Flask(__name__)


@app.get("/")
def hello():
    return "hello"


# The same app behind the IdP's ASGI front (``--worker-class asgi``).
asgi_app = ASGIFront(app)
