"""Settings: layers, coercion, one line per problem, no default secrets in production."""

import pytest

from idp.config import ConfigError, load_settings


def test_environment_overrides_defaults():
    settings = load_settings(environ={"IDP_ACCESS_TOKEN_LIFETIME": "120", "IDP_SMTP_STARTTLS": "yes"})
    assert settings.access_token_lifetime == 120
    assert settings.smtp_starttls is True


def test_config_file_layer(tmp_path):
    path = tmp_path / "extra.toml"
    path.write_text('issuer = "https://id.example"\nrefresh_token_grace = 9\n')
    settings = load_settings(environ={"IDP_CONFIG": str(path)})
    assert settings.issuer == "https://id.example"
    assert settings.refresh_token_grace == 9


def test_malformed_value_names_the_setting():
    with pytest.raises(ConfigError) as exc:
        load_settings(environ={"IDP_ACCESS_TOKEN_LIFETIME": "soon"})
    assert exc.value.problems == ["IDP_ACCESS_TOKEN_LIFETIME: expected an integer, got 'soon'"]


def test_malformed_config_file_is_one_line(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("issuer = \n")
    with pytest.raises(ConfigError) as exc:
        load_settings(environ={"IDP_CONFIG": str(path)})
    assert len(exc.value.problems) == 1 and "malformed TOML" in exc.value.problems[0]


def test_unknown_setting_in_file_is_refused(tmp_path):
    path = tmp_path / "typo.toml"
    path.write_text("isuer = 'https://id.example'\n")
    with pytest.raises(ConfigError, match="isuer: unknown setting"):
        load_settings(environ={"IDP_CONFIG": str(path)})


def test_production_without_secrets_refuses_listing_every_problem():
    with pytest.raises(ConfigError) as exc:
        load_settings(environ={"IDP_ENV": "production"})
    text = "\n".join(exc.value.problems)
    for name in ("IDP_SECRET_KEY", "IDP_DATABASE_URL", "IDP_REDIS_URL", "IDP_KEY_ENCRYPTION_KEY"):
        assert name in text


def test_production_accepts_secret_from_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s3cr3t-value\n")
    settings = load_settings(environ={
        "IDP_ENV": "production", "IDP_SECRET_KEY_FILE": str(secret),
        "IDP_DATABASE_URL": "postgresql+psycopg://x/y", "IDP_REDIS_URL": "redis://x:6379/0",
        "IDP_ISSUER": "https://id.example", "IDP_KEY_ENCRYPTION_KEY": "a" * 43})
    assert settings.secret_key == "s3cr3t-value"


def test_issuer_with_trailing_slash_is_refused():
    with pytest.raises(ConfigError, match="issuer"):
        load_settings(environ={"IDP_ISSUER": "https://id.example/"})


def test_create_app_refuses_production_without_secret_key(monkeypatch):
    from idp import create_app

    for name in ("IDP_SECRET_KEY", "IDP_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("IDP_ENV", "production")
    with pytest.raises(ConfigError, match="IDP_SECRET_KEY: required in production"):
        create_app()


def test_midtrans_urls_follow_the_environment():
    sandbox = load_settings(environ={})
    assert sandbox.midtrans_production is False
    assert sandbox.midtrans_api_url == "https://api.sandbox.midtrans.com"
    assert sandbox.midtrans_snap_url == "https://app.sandbox.midtrans.com/snap/v1/transactions"
    production = load_settings(environ={"IDP_MIDTRANS_PRODUCTION": "true"})
    assert production.midtrans_api_url == "https://api.midtrans.com"
    assert production.midtrans_snap_url == "https://app.midtrans.com/snap/v1/transactions"


def test_midtrans_urls_can_point_at_a_stand_in():
    settings = load_settings(environ={"IDP_MIDTRANS_PRODUCTION": "true",
                                      "IDP_MIDTRANS_API_URL": "http://127.0.0.1:9999/",
                                      "IDP_MIDTRANS_SNAP_URL": "http://127.0.0.1:9999/snap"})
    assert settings.midtrans_api_url == "http://127.0.0.1:9999"
    assert settings.midtrans_snap_url == "http://127.0.0.1:9999/snap"
    with pytest.raises(ConfigError, match="midtrans_api_url: expected an http"):
        load_settings(environ={"IDP_MIDTRANS_API_URL": "ftp://gateway"})
