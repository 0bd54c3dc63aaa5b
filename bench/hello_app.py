"""The baseline: a bare Flask "hello" app, served by gunicorn with the IdP's settings."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "hello"
