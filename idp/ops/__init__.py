"""Operations: liveness and readiness (health), Prometheus metrics (metrics),
JSON logs with a request id (logging)."""
