"""idp security require-totp ORG --on/--off."""


def make_org(app, name="Acme"):
    from idp.extensions import db
    from idp.storage.models import Organization

    with app.app_context():
        org = Organization(name=name)
        db.session.add(org)
        db.session.commit()
        return org.id


def require_flag(app, org_id):
    from idp.extensions import db
    from idp.storage.models import Organization

    with app.app_context():
        return db.session.get(Organization, org_id).require_totp


def test_require_totp_on_and_off_by_name_or_id(app, run, run_json):
    org_id = make_org(app)
    assert run_json("security", "require-totp", "Acme", "--on") == \
        {"id": org_id, "name": "Acme", "require_totp": True}
    assert require_flag(app, org_id) is True
    code, out, _ = run("security", "require-totp", str(org_id), "--off")
    assert code == 0 and "optional" in out
    assert require_flag(app, org_id) is False


def test_require_totp_is_audited(app, run):
    from idp.audit import search

    org_id = make_org(app)
    run("security", "require-totp", "Acme", "--on")
    with app.app_context():
        [event] = search(type="org.require_totp")
    assert event.detail == {"organization_id": org_id, "require_totp": True}


def test_unknown_org_fails_with_one_line(run):
    code, _, err = run("security", "require-totp", "Nope", "--on")
    assert code != 0 and err.strip() == "idp: no organisation 'Nope'"
