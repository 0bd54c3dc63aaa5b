"""Issue 11 item 11, the Postgres half: refresh chains rotating under load while a
private Postgres cluster is killed (stopped in immediate mode, as a crash) and started
again. Every chain keeps rotating afterwards: none gets invalid_grant, no family is
revoked. A rotation whose COMMIT answer was lost is retried by its client and gets the
successor kept with the rotation (within ``refresh_token_grace``: a retry after the
window is indistinguishable from reuse, RFC 9700 §4.14.2, so the window here is wider
than the outage this test causes on a loaded machine)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import dispose
from tests.faults.test_refresh_outage import CHAINS, Chain, rotate_on_the_loop, run_chains
from tests.helpers.waiting import eventually
from tests.oidc.conftest import Flow

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def pg_app(private_postgres, services_app):
    from tests.conftest import make_app

    app = make_app(database_url=private_postgres.url, database_pool_size=CHAINS + 2,
                   token_rate_limit_per_client=10**6, refresh_token_grace=60)
    app.config["TESTING"] = True
    with app.app_context():
        from idp.accounts.users import create_user
        from idp.clients.registry import create_client
        from idp.extensions import db
        from idp.keystore.keys import new_key
        from idp.storage import migrate

        migrate.upgrade()
        user = create_user("chains@example.com", PASSWORD, email_verified=True)
        new_key("RS256", state="active")
        client, secret = create_client("Chains", ["https://rp.example/cb"], first_party=True)
        db.session.commit()
        app.test_data = ({"id": user.id, "email": user.email, "password": PASSWORD},
                         {"client_id": client.client_id, "client_secret": secret,
                          "redirect_uri": "https://rp.example/cb", "public": False})
    yield app
    dispose(app)


def test_every_chain_keeps_rotating_through_a_postgres_kill(pg_app, private_postgres):
    user, client = pg_app.test_data
    flow = Flow(pg_app.test_client(), client, user)
    chains = [Chain(pg_app, flow, flow.tokens()["refresh_token"]) for _ in range(CHAINS)]

    def outage():
        private_postgres.kill()  # in the middle of rotations
        eventually(lambda: sum(c.unavailable for c in chains) >= 2 * CHAINS, 20)
        private_postgres.start()

    run_chains(chains, outage)
    assert [c.failures for c in chains] == [[]] * CHAINS
    assert sum(c.unavailable for c in chains) >= 2 * CHAINS  # the outage was seen
    with pg_app.app_context():
        from idp.extensions import db
        from idp.storage.models import RefreshToken

        revoked = db.session.scalar(select(func.count()).select_from(RefreshToken)
                                    .where(RefreshToken.revoked_at.is_not(None)))
        assert revoked == 0


def test_every_chain_keeps_rotating_through_a_postgres_kill_on_the_event_loop(
        pg_app, private_postgres):
    """The same over real HTTP, the refresh grant answered on the event loop: its Postgres
    connections die with the server and are replaced; the failures go to the thread path."""
    user, client = pg_app.test_data
    rotate_on_the_loop(pg_app, Flow(pg_app.test_client(), client, user),
                       private_postgres.kill, private_postgres.start)
