"""idp serve: the IdP under gunicorn (embedded default: SQLite + in-process store)."""

from __future__ import annotations

import click

from ..errors import IdPError
from .output import fail, make_app, one_line


def prepare(app) -> None:
    """Schema and first key: automatic in the embedded default, checked otherwise."""
    from ..startup import check_ready

    try:
        check_ready(app, announce=lambda line: click.echo(line, err=True))
    except IdPError as exc:
        raise one_line(exc) from None


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64),
              help="Request threads per worker (asgi, gthread).")
@click.option("--worker-class", type=click.Choice(["asgi", "gthread", "sync"]), default="asgi",
              show_default=True,
              help="gunicorn worker model: asgi serves live account pages without holding a "
                   "request thread; gthread and sync make them poll (docs/live-updates.md).")
def serve(host, port, workers, threads, worker_class):
    """Run the IdP (prints the issuer URL)."""
    from ..app import create_app  # noqa: F401  (import errors surface before gunicorn starts)

    overrides = {}
    from ..config import load_settings

    try:
        settings = load_settings()
    except IdPError as exc:  # ConfigError lists every problem
        raise one_line(exc) from None
    if not settings.issuer:
        overrides["issuer"] = f"http://{host}:{port}"
    if workers > 1 and settings.embedded_store:
        fail("--workers > 1 needs IDP_REDIS_URL: the in-process store is not shared between "
             "worker processes (sessions, codes and rate limits would differ per worker)")
    if workers > 1:
        _multiprocess_metrics()
    app = make_app(**overrides)
    prepare(app)
    issuer = app.config["IDP"].issuer
    database = "SQLite (embedded)" if settings.embedded_database else "PostgreSQL"
    store = "in-process store (embedded)" if settings.embedded_store else "Redis"
    click.echo(f"Tomps Identity: issuer {issuer}  ({database}, {store})")
    threads = threads if worker_class != "sync" else 1
    click.echo(f"listening on http://{host}:{port}  "
               f"(workers {workers}, {worker_class}, threads {threads})")
    _run_gunicorn(overrides, host, port, workers, threads, worker_class)


def _multiprocess_metrics() -> None:
    """Several workers: let /metrics sum them (prometheus_client multiprocess mode).

    Must run before prometheus_client is imported. An operator's own
    PROMETHEUS_MULTIPROC_DIR wins; otherwise a fresh empty directory is used.
    """
    import os
    import tempfile

    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="idp-metrics-")


def _child_exit(server, worker) -> None:
    import os

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


# asgi: uvicorn's worker under gunicorn, the Flask app on a thread pool (idp/web/asgi.py).
WORKER_CLASSES = {"asgi": "idp.web.asgi_worker.Worker"}


def _run_gunicorn(overrides, host, port, workers, threads, worker_class="gthread") -> None:
    from gunicorn.app.base import BaseApplication

    class IdPApplication(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("worker_class", WORKER_CLASSES.get(worker_class, worker_class))
            self.cfg.set("threads", threads)
            self.cfg.set("accesslog", None)
            self.cfg.set("graceful_timeout", 10)
            self.cfg.set("child_exit", _child_exit)

        def load(self):
            from ..app import create_app
            from ..worker import start_in_process

            app = create_app(overrides or None)
            if app.config["IDP"].embedded_store:
                # No Redis: no `idp worker` can see this process's queue, so it runs here.
                start_in_process(app)
            if worker_class == "asgi":
                from ..web.asgi import ASGIFront

                return ASGIFront(app, threads)
            return app

    IdPApplication().run()
