"""Logs: one JSON object per line (or plain text), each carrying the request id.

The request id comes from ``X-Request-ID`` when it is sane (1–128 characters
of ``A-Z a-z 0-9 - _ . :``), otherwise it is generated; it is returned in the
``X-Request-ID`` response header and stamped on every log line written while
the request runs. The access line logs the path, never the query string
(where codes and tokens travel).
"""

from __future__ import annotations

import json
import logging
import os
import re
import time

from flask import g, has_request_context, request

SANE_REQUEST_ID = _SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
access_log = logging.getLogger("idp.access")


class RequestIdFilter(logging.Filter):
    """Stamp ``record.request_id`` (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = request_id()
        elif not hasattr(record, "request_id"):  # the loop's answers pass theirs (web/loop_routes.py)
            record.request_id = "-"
        return True


def request_id() -> str:
    """This request's id: the caller's sane X-Request-ID, or a new one (made on first use)."""
    if "request_id" not in g:
        offered = request.headers.get("X-Request-ID", "")
        # 128 random bits in hex, as uuid4().hex gave, without building a UUID.
        g.request_id = offered if offered and _SANE_ID.match(offered) else os.urandom(16).hex()
    return g.request_id


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, request_id, extras."""

    EXTRAS = ("method", "path", "status", "duration_ms", "endpoint", "remote_addr")

    _second: tuple[int, str] = (-1, "")  # the last second formatted (strftime is slow)

    def _timestamp(self, record: logging.LogRecord) -> str:
        second = int(record.created)
        if self._second[0] != second:
            self._second = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)))
        return f"{self._second[1]}.{int(record.msecs):03d}Z"

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": self._timestamp(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        for name in self.EXTRAS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def configure_logging(settings) -> None:
    """Install (once) the root handler in the configured format."""
    fmt = settings.log_format or ("json" if settings.production else "text")
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "_idp", False)), None)
    if handler is None:
        handler = logging.StreamHandler()
        handler._idp = True
        handler.addFilter(RequestIdFilter())
        root.addHandler(handler)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root.setLevel(settings.log_level)
    # Our access line replaces werkzeug's, which would log query strings (codes, tokens).
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


def _begin() -> None:
    request_id()
    g.log_started = time.perf_counter()


def _finish(response):
    response.headers["X-Request-ID"] = request_id()
    if not access_log.isEnabledFor(logging.INFO):
        return response  # below the configured level: build nothing
    started = g.get("log_started")
    duration = round((time.perf_counter() - started) * 1000, 1) if started else None
    path = _loggable_path()
    access_log.info("%s %s %s", request.method, path, response.status_code,
                    extra={"method": request.method, "path": path[:512],
                           "status": response.status_code, "duration_ms": duration,
                           "remote_addr": request.remote_addr})
    return response


def _loggable_path() -> str:
    """The path, except where a segment is a secret (an invitation link's ``<token>``):
    then the route pattern, so the log never holds a usable link."""
    rule = request.url_rule
    if rule is not None and "<token>" in rule.rule:
        return rule.rule
    return request.path


def register_request_logging(app) -> None:
    """Give every request an id and one access line."""
    app.before_request(_begin)
    app.after_request(_finish)
