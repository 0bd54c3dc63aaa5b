"""The baseline: a bare Flask "hello" app, served by gunicorn with the IdP's settings."""

from flask import Flask

from idp.web.asgi import ASGIFront

app = Flask(__name__)


@app.get("/")
def hello():
    return "hello"


# The same app behind the IdP's ASGI front (``--worker-class asgi``).
asgi_app = ASGIFront(app)


async def loop_app(scope, receive, send):
    """The floor of the server stack: fixed bytes answered on the event loop (no thread
    hop, no Flask), under the same gunicorn worker (see docs/performance.md)."""
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain"), (b"content-length", b"5")]})
    await send({"type": "http.response.body", "body": b"hello"})
