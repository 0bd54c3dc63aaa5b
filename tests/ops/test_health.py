"""/healthz and /readyz."""


def test_healthz(web):
    resp = web.get("/healthz")
    assert resp.status_code == 200 and resp.get_json() == {"status": "ok"}


def test_readyz_ok_with_database_and_redis(web):
    resp = web.get("/readyz")
    assert resp.status_code == 200
    assert resp.get_json()["checks"] == {"database": True, "store": True}


def test_readyz_names_the_failing_store(clean):
    from tests.conftest import make_app

    broken = make_app(redis_url="redis://127.0.0.1:1/0")
    resp = broken.test_client().get("/readyz")
    assert resp.status_code == 503
    assert resp.get_json()["failing"] == ["store"]


def test_readyz_names_the_failing_database(clean):
    from tests.conftest import make_app

    broken = make_app(database_url="postgresql+psycopg://postgres@127.0.0.1:1/none")
    resp = broken.test_client().get("/readyz")
    assert resp.status_code == 503
    assert resp.get_json()["failing"] == ["database"]
