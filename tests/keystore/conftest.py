import time

import pytest

from idp import clock


def wait_out_max_age(app) -> None:
    """Move the clock past the time a next key must stay published before it signs."""
    from idp.keystore.rotation import PROPAGATION_SECONDS

    clock.advance(app.config["IDP"].jwks_max_age + PROPAGATION_SECONDS + 1)


def claims(lifetime: int = 3600) -> dict:
    now = clock.timestamp()
    return {"iss": "http://127.0.0.1:5000", "sub": "u1", "aud": "rp", "iat": now,
            "exp": now + lifetime}


def _subscribers(app) -> int:
    import redis

    from tests.conftest import REDIS_URL

    channel = app.config["IDP"].redis_prefix + "keys"
    client = redis.Redis.from_url(REDIS_URL)
    try:
        return dict(client.pubsub_numsub(channel)).get(channel.encode(), 0)
    finally:
        client.close()


@pytest.fixture
def second(app, clean):
    """A second IdP instance over the same Postgres and Redis, listening on `keys`."""
    from tests.conftest import make_app

    before = _subscribers(app)
    other = make_app()
    _wait(lambda: _subscribers(app) > before)
    yield other
    for unsubscribe in other.extensions.get("idp.unsubscribe", []):
        unsubscribe()
    _wait(lambda: _subscribers(app) <= before)  # its listener thread has left


def _wait(condition, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
