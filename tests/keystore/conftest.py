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


@pytest.fixture
def second(app, clean):
    """A second IdP instance over the same Postgres and Redis."""
    from tests.conftest import make_app

    other = make_app()
    yield other
    for unsubscribe in other.extensions.get("idp.unsubscribe", []):
        unsubscribe()
