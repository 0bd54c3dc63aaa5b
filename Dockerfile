# Tomps Identity: a slim image running gunicorn as a non-root user.
# Migrations are explicit:   docker run --rm --env-file idp.env IMAGE idp db upgrade
# No gunicorn access log: the IdP writes its own JSON access line without query strings.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY idp ./idp
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
RUN useradd --system --uid 10001 --home /app idp
WORKDIR /app
# Only the installed package: defaults, templates, static files, migrations and content
# ship inside it (docs/packaging.md), so nothing of the source tree is copied.
COPY --from=build /install /usr/local
RUN mkdir -p keys instance /tmp/idp-metrics && chown idp:idp keys instance /tmp/idp-metrics
# Each gunicorn worker writes its metrics here; /metrics sums them (empty at every start).
ENV IDP_ENV=production PYTHONUNBUFFERED=1 PROMETHEUS_MULTIPROC_DIR=/tmp/idp-metrics
USER idp
EXPOSE 8000
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
# The asyncio worker (idp/web/asgi_worker.py): the Flask app on 4 threads per worker, and
# the live account streams on the event loop, holding no thread (docs/live-updates.md).
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "2", "--worker-class", \
     "idp.web.asgi_worker.Worker", "--threads", "4", "idp.asgi:app"]
