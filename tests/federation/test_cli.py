"""idp orgs federation set|show|approve|remove, domain uniqueness, the secret at rest."""

from __future__ import annotations

import threading

from sqlalchemy import select

from idp.storage.models import FederationDomain, OrgFederation

ISSUER = "https://login.acme.example"


def _org(app, name="Acme"):
    from idp.orgs.organizations import create_organization

    with app.app_context():
        return create_organization(name).id


def _set(run, org="Acme", *extra, domain="acme.example", secret="s3cret-upstream"):
    return run("orgs", "federation", "set", org, "--issuer", ISSUER, "--client-id", "tomps",
               "--client-secret-stdin", "--domain", domain, *extra, input=secret + "\n")


def test_set_prints_the_redirect_uri_and_never_the_secret(app, run, run_json):
    org_id = _org(app)
    code, out, err = _set(run, "Acme", "--domain", "Acme-Group.example", "--enforce", "--json")
    assert code == 0, err
    assert "s3cret-upstream" not in out
    shown = run_json("orgs", "federation", "show", str(org_id))
    assert shown["redirect_uri"] == "http://127.0.0.1:5000/login/federated/callback"
    assert shown["issuer"] == ISSUER and shown["client_id"] == "tomps"
    assert shown["enforce"] is True and shown["status"] == "active"
    assert shown["client_secret_set"] is True and "s3cret" not in str(shown)
    assert shown["domains"] == [{"domain": "acme-group.example", "verified": True},
                                {"domain": "acme.example", "verified": True}]
    code, out, _ = run("orgs", "federation", "show", "Acme")
    assert code == 0 and "/login/federated/callback" in out and "s3cret" not in out


def test_the_secret_is_sealed_at_rest_and_bound_to_the_organisation(app, run):
    from idp.crypto.envelope import EnvelopeError
    from idp.extensions import db
    from idp.federation.config import client_secret

    first, second = _org(app), _org(app, "Beta")
    _set(run)
    _set(run, "Beta", domain="beta.example", secret="beta-secret")
    with app.app_context():
        rows = {r.organization_id: r for r in db.session.scalars(select(OrgFederation))}
        assert rows[first].client_secret_sealed.startswith("v1.")
        assert "s3cret" not in rows[first].client_secret_sealed
        assert client_secret(rows[first]) == "s3cret-upstream"
        rows[second].client_secret_sealed = rows[first].client_secret_sealed  # moved row
        try:
            client_secret(rows[second])
        except EnvelopeError:
            pass
        else:
            raise AssertionError("a secret moved to another organisation opened")
        db.session.rollback()


def test_a_domain_claimed_by_one_organisation_cannot_be_claimed_by_another(app, run):
    _org(app), _org(app, "Beta")
    assert _set(run)[0] == 0
    code, out, err = _set(run, "Beta", domain="ACME.example.")
    assert code == 1 and err.strip() == \
        "idp: domain acme.example is already claimed by another organisation"
    with app.app_context():
        from idp.federation.config import find

        assert find("Beta") is None  # nothing changed


def test_two_organisations_claiming_one_domain_at_once_one_wins(app, clean):
    """The primary key decides, not a read-then-write check."""
    from idp.federation.config import set_federation
    from idp.federation.errors import FederationError

    orgs = [_org(app, f"Org {i}") for i in range(4)]
    results, barrier = [], threading.Barrier(len(orgs))

    def claim(org_id):
        with app.app_context():
            barrier.wait()
            try:
                set_federation(org_id, issuer=ISSUER, client_id="c", client_secret="s",
                               domains=["race.example"])
                results.append("won")
            except FederationError:
                results.append("refused")

    threads = [threading.Thread(target=claim, args=(o,)) for o in orgs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == ["refused"] * 3 + ["won"]
    with app.app_context():
        from idp.extensions import db

        assert len(db.session.scalars(select(FederationDomain)).all()) == 1


def test_bad_input_is_one_line_and_changes_nothing(app, run):
    _org(app)
    cases = [
        (["--issuer", "http://login.acme.example"], "must use https"),
        (["--issuer", "not a url"], "issuer"),
        (["--domain", "not_a_domain"], "not a domain name"),
    ]
    for extra, words in cases:
        args = ["orgs", "federation", "set", "Acme", "--client-id", "c", "--client-secret-stdin"]
        if "--issuer" not in extra:
            args += ["--issuer", ISSUER]
        if "--domain" not in extra:
            args += ["--domain", "acme.example"]
        code, _, err = run(*args, *extra, input="secret\n")
        assert code == 1 and words in err and len(err.strip().splitlines()) == 1, err
    code, _, err = run("orgs", "federation", "set", "Acme", "--issuer", ISSUER, "--client-id", "c",
                       "--domain", "acme.example")
    assert code == 1 and "--client-secret-stdin" in err
    code, _, err = run("orgs", "federation", "set", "Acme", "--issuer", ISSUER, "--client-id", "c",
                       "--client-secret-stdin", "--domain", "acme.example", input="\n")
    assert code == 1 and "no client secret" in err
    code, _, err = run("orgs", "federation", "show", "Acme")
    assert code == 1 and "no federation" in err
    code, _, err = run("orgs", "federation", "set", "Nope", "--issuer", ISSUER, "--client-id", "c",
                       "--client-secret-stdin", "--domain", "acme.example", input="s\n")
    assert code == 1 and len(err.strip().splitlines()) == 1


def test_approve_verifies_an_owners_request_and_remove_frees_the_domain(app, run, run_json):
    from idp.federation.config import request_federation
    from tests import factories

    org_id = _org(app)
    with app.app_context():
        owner = factories.make_user("owner")
        request_federation(org_id, owner["id"], issuer=ISSUER, client_id="c", client_secret="s",
                           domains=["acme.example"])
    shown = run_json("orgs", "federation", "show", "Acme")
    assert shown["status"] == "requested" and shown["domains"][0]["verified"] is False
    approved = run_json("orgs", "federation", "approve", "Acme")
    assert approved["status"] == "active" and approved["domains"][0]["verified"] is True
    code, out, _ = run("orgs", "federation", "remove", "Acme")
    assert code == 0
    _org(app, "Beta")
    assert _set(run, "Beta")[0] == 0  # the domain is free again


def test_federation_changes_are_audited(app, run):
    from idp.audit import search

    _org(app)
    _set(run)
    run("orgs", "federation", "remove", "Acme")
    with app.app_context():
        types = [e.type for e in search(type="federation.set")] + \
            [e.type for e in search(type="federation.removed")]
        events = search(type="federation.set")
    assert types == ["federation.set", "federation.removed"]
    assert "s3cret" not in str(events[0].detail)


def test_keys_rewrap_moves_the_upstream_secrets_too(app, run, run_json, tmp_path, monkeypatch):
    from idp.keystore.kek import generate_kek
    from tests.conftest import dispose, make_app

    _org(app)
    _set(run)
    new = generate_kek()
    path = tmp_path / "new.kek"
    path.write_text(new)
    out = run_json("keys", "rewrap", "--new-key-file", str(path))
    assert out["federation_secrets"] == 1
    monkeypatch.setenv("IDP_KEY_ENCRYPTION_KEY", new)
    swapped = make_app()
    try:
        with swapped.app_context():
            from idp.federation.config import client_secret, find

            assert client_secret(find("Acme")) == "s3cret-upstream"
    finally:
        dispose(swapped)
