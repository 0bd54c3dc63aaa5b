"""Settings: layers, coercion, one line per problem, no default secrets in production."""

import pytest

from idp.config import ConfigError, Settings, load_settings


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


# --- the typed, frozen Settings (issue 12 item 4) ---

def test_the_dataclass_and_the_packaged_defaults_name_the_same_settings():
    import dataclasses
    import tomllib

    from idp import resources
    from idp.config.settings import TYPES

    defaults = tomllib.loads(resources.path("config", "default.toml").read_text())
    assert set(defaults) == {f.name for f in dataclasses.fields(Settings)}
    accepted = {tuple[int, ...]: list, float: (int, float)}
    for name, value in defaults.items():  # each default has its field's type
        assert isinstance(value, accepted.get(TYPES[name], TYPES[name])), name
        assert not isinstance(value, bool) or TYPES[name] is bool, name


def test_settings_are_frozen():
    import dataclasses

    settings = load_settings(environ={})
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.issuer = "https://evil.example"
    with pytest.raises(TypeError):
        settings["issuer"] = "https://evil.example"  # not a dict any more


def test_repr_hides_every_secret_and_url_passwords():
    settings = load_settings(environ={
        "IDP_SECRET_KEY": "s3cret-session", "IDP_KEY_ENCRYPTION_KEY": "K" * 43,
        "IDP_PREVIOUS_KEY_ENCRYPTION_KEY": "P" * 43, "IDP_MIDTRANS_SERVER_KEY": "SB-Mid-xyz",
        "IDP_SMTP_PASSWORD": "mail-pw", "IDP_NOTIFY_WEBHOOK_SECRET": "hook-secret",
        "IDP_DATABASE_URL": "postgresql+psycopg://idp:db-pw@db.example/idp",
        "IDP_REDIS_URL": "redis://:redis-pw@cache.example:6379/0"})
    shown = repr(settings)
    for secret in ("s3cret-session", "K" * 43, "P" * 43, "SB-Mid-xyz", "mail-pw", "hook-secret",
                   "db-pw", "redis-pw"):
        assert secret not in shown
    assert "secret_key='***'" in shown and "smtp_password='***'" in shown
    assert "postgresql+psycopg://idp:***@db.example/idp" in shown
    assert "redis://:***@cache.example:6379/0" in shown
    assert "issuer=''" in shown and "key_encryption_key_file=''" in shown  # the rest shows
    assert settings.secret_key == "s3cret-session"  # hidden from the repr only


def test_values_have_their_declared_types():
    settings = load_settings(environ={"IDP_REMINDER_DAYS": "5, 2", "IDP_BACKCHANNEL_TIMEOUT": "0.5",
                                      "IDP_METRICS_ENABLED": "off"})
    assert settings.reminder_days == (5, 2)
    assert settings.backchannel_timeout == 0.5 and settings.midtrans_timeout == 5.0
    assert settings.metrics_enabled is False and settings.jwks_max_age == 600


@pytest.mark.parametrize(("text", "problem"), [
    ("jwks_max_age = true\n", "jwks_max_age in {path}: expected int, got bool"),
    ("issuer = 42\n", "issuer in {path}: expected str, got int"),
    ("reminder_days = [7, 'x']\n", "reminder_days in {path}: expected a list of integers"),
    ("backchannel_timeout = 'soon'\n", "backchannel_timeout in {path}: expected a number, got 'soon'"),
])
def test_a_value_of_the_wrong_type_in_the_file_is_one_line(tmp_path, text, problem):
    path = tmp_path / "extra.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as exc:
        load_settings(environ={"IDP_CONFIG": str(path)})
    assert exc.value.problems == [problem.format(path=path)]


def test_a_number_that_is_not_finite_is_refused():
    with pytest.raises(ConfigError, match="IDP_MIDTRANS_TIMEOUT: expected a number, got 'nan'"):
        load_settings(environ={"IDP_MIDTRANS_TIMEOUT": "nan"})


def test_unknown_keys_name_the_closest_setting(tmp_path):
    path = tmp_path / "typo.toml"
    path.write_text("isuer = 'https://id.example'\n[database]\nurl = 'postgresql://x/y'\n")
    with pytest.raises(ConfigError) as exc:
        load_settings(environ={"IDP_CONFIG": str(path)})
    assert exc.value.problems == [
        f"isuer: unknown setting in {path} (did you mean issuer?)",
        f"database: unknown setting in {path} (did you mean database_url?)"]


def test_an_unknown_key_stops_idp_serve_with_one_line(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from idp.cli import cli

    path = tmp_path / "typo.toml"
    path.write_text("acess_token_lifetime = 60\n")
    for name in [n for n in __import__("os").environ if n.startswith("IDP_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("IDP_CONFIG", str(path))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 1
    assert result.stderr == (f"idp: configuration: acess_token_lifetime: unknown setting in "
                             f"{path} (did you mean access_token_lifetime?)\n")
    assert not (tmp_path / "instance").exists()  # refused before anything was created


def test_overrides_are_checked_like_any_other_layer():
    assert load_settings({"access_token_lifetime": "120"}, environ={}).access_token_lifetime == 120
    with pytest.raises(ConfigError, match="acess_token_lifetime: unknown setting in the overrides"):
        load_settings({"acess_token_lifetime": 120}, environ={})


def test_replace_returns_a_validated_copy():
    settings = load_settings(environ={})
    changed = settings.replace(entitlement_grace="60", midtrans_timeout=0.3)
    assert (changed.entitlement_grace, changed.midtrans_timeout) == (60, 0.3)
    assert settings.entitlement_grace == 0  # the original is untouched
    with pytest.raises(ConfigError, match="entitlement_grace: must not be negative"):
        settings.replace(entitlement_grace=-1)
    with pytest.raises(ConfigError, match="unknown setting"):
        settings.replace(entitlement_graze=1)


def test_the_defaults_are_found_from_any_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # conf/ is not here: the defaults ship inside the package
    assert load_settings(environ={}).issuer == ""
