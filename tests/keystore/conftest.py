import time

import pytest

from idp import clock


def _close(built, db) -> None:
    """Give back a second instance's pool and listener."""
    for unsubscribe in built.extensions.get("idp.unsubscribe", []):
        unsubscribe()
    with built.app_context():
        db.session.remove()
        db.engine.dispose()


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
    """A second IdP instance over the same Postgres and Redis, listening on `keys`."""
    from idp.extensions import db
    from tests.conftest import make_app

    other = make_app()  # its listener is subscribed when make_app returns
    yield other
    _close(other, db)


def _hears_broadcasts(instance) -> bool:
    """Publish a probe on `keys`; True once the instance's listener dropped its cache."""
    cache = instance.extensions["idp.signer_cache"]
    cache.loaded_at = 1.0
    instance.extensions["idp.store"].publish("keys", "probe")
    time.sleep(0.05)
    return cache.loaded_at == 0.0


@pytest.fixture
def instance(app, clean):
    """Build further app instances (other settings, e.g. another KEK); closed afterwards."""
    from tests.conftest import make_app

    made = []

    def build(**overrides):
        made.append(make_app(**overrides))
        return made[-1]

    yield build
    from idp.extensions import db

    for other in made:
        _close(other, db)

