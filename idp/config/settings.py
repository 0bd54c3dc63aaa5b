"""Load, coerce and validate settings into one typed, frozen ``Settings``."""

from __future__ import annotations

import dataclasses
import difflib
import math
import os
import re
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .. import resources
from ..errors import IdPError

DEFAULTS_LABEL = "idp/config/default.toml"
# A secret never appears in a repr (logs, tracebacks, a debugger's view).
SECRET = {"secret": True}
REQUIRED_IN_PRODUCTION = ("secret_key", "database_url", "redis_url", "issuer")


class ConfigError(IdPError):
    """Raised with every configuration problem, one per line."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True, slots=True, repr=False)
class Settings:
    """Every setting of ``idp/config/default.toml``, with its type; frozen once loaded.

    The defaults and their comments live in that file alone; tests/config checks that
    it and these fields name the same settings with the same types. Code reads a
    setting by attribute (``current_app.config["IDP"].issuer``). ``replace`` returns a
    changed copy, coerced and validated like any other layer.
    """

    env: str
    issuer: str
    database_url: str
    database_pool_size: int
    redis_url: str
    redis_prefix: str
    secret_key: str = field(metadata=SECRET)
    key_encryption_key: str = field(metadata=SECRET)
    key_encryption_key_file: str
    previous_key_encryption_key: str = field(metadata=SECRET)
    previous_key_encryption_key_file: str
    instance_path: str
    keys_path: str
    log_level: str
    log_format: str
    session_idle_timeout: int
    session_absolute_timeout: int
    authorization_code_lifetime: int
    access_token_lifetime: int
    id_token_lifetime: int
    refresh_token_lifetime: int
    refresh_token_grace: int
    interaction_lifetime: int
    argon2_time_cost: int
    argon2_memory_cost: int
    argon2_parallelism: int
    default_signing_alg: str
    jwks_max_age: int
    entitlement_cache_ttl: int
    entitlement_grace: int
    midtrans_server_key: str = field(metadata=SECRET)
    midtrans_production: bool
    midtrans_api_url: str
    midtrans_snap_url: str
    midtrans_timeout: float
    payment_notification_failure_limit: int
    payment_notification_failure_window: int
    payment_notification_rejected_per_day: int
    payment_notification_retention: int
    smtp_host: str
    smtp_port: int
    smtp_username: str
    smtp_password: str = field(metadata=SECRET)
    smtp_starttls: bool
    smtp_from: str
    notify_webhook_url: str
    reminder_days: tuple[int, ...]
    notify_webhook_secret: str = field(metadata=SECRET)
    order_lifetime: int
    reminder_retry_backoff: int
    reminder_max_attempts: int
    content_path: str
    live_streams_per_person: int
    live_streams_per_organization: int
    live_streams_per_process: int
    live_stream_lifetime: int
    live_heartbeat: int
    live_poll_interval: int
    tcp_user_timeout: int
    backchannel_token_lifetime: int
    backchannel_timeout: float
    backchannel_max_attempts: int
    backchannel_retry_base: int
    backchannel_retry_max: int
    backchannel_concurrency: int
    worker_poll_interval: float
    login_max_failures_per_account: int
    login_max_failures_per_ip: int
    login_failure_window: int
    login_lockout_base: int
    login_lockout_max: int
    login_lockout_memory: int
    totp_max_attempts: int
    trusted_proxy_count: int
    token_rate_limit_per_client: int
    token_rate_limit_window: int
    client_auth_failures_per_ip: int
    client_auth_failures_per_client: int
    client_auth_failure_window: int
    metrics_enabled: bool
    default_locale: str
    default_timezone: str

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def embedded_database(self) -> bool:
        return not self.database_url

    @property
    def embedded_store(self) -> bool:
        return not self.redis_url

    def replace(self, **changes: Any) -> Settings:
        """Return a copy with ``changes``, coerced and validated; raise ConfigError."""
        problems: list[str] = []
        values = as_dict(self)
        values.update(_override_layer(changes, problems))
        if not problems:
            _validate(values, problems)
        if problems:
            raise ConfigError(problems)
        return dataclasses.replace(self, **{name: values[name] for name in changes})

    def __repr__(self) -> str:
        shown = ", ".join(f"{f.name}={_shown(f, getattr(self, f.name))!r}"
                          for f in dataclasses.fields(self))
        return f"Settings({shown})"


FIELDS: dict[str, dataclasses.Field] = {f.name: f for f in dataclasses.fields(Settings)}
TYPES: dict[str, Any] = typing.get_type_hints(Settings)
SECRETS = tuple(name for name, f in FIELDS.items() if f.metadata.get("secret"))
_URL_PASSWORD = re.compile(r"(://[^:/@]*):[^@/]*@")


def as_dict(settings: Settings) -> dict[str, Any]:
    """Every setting by name (a plain dict: for layers, tests and tools)."""
    return {name: getattr(settings, name) for name in FIELDS}


def _shown(f: dataclasses.Field, value: Any) -> Any:
    """What a repr shows: secrets as '***' when set, URLs without their password."""
    if f.metadata.get("secret"):
        return "***" if value else ""
    if isinstance(value, str) and f.name.endswith("_url"):
        return _URL_PASSWORD.sub(r"\1:***@", value)
    return value


def _read_toml(path: Path, problems: list[str], label: str) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        problems.append(f"{label}: file not found: {path}")
    except tomllib.TOMLDecodeError as exc:
        problems.append(f"{label}: malformed TOML in {path}: {exc}")
    except OSError as exc:
        problems.append(f"{label}: cannot read {path}: {exc.strerror}")
    return {}


def _bad_type(source: str, kind: type, raw: Any) -> ValueError:
    return ValueError(f"{source}: expected {kind.__name__}, got {type(raw).__name__}")


def _coerce_text(text: str, kind: Any, raw: str, source: str) -> Any:
    """A string (an environment variable) to the setting's type."""
    if kind is bool:
        if text.lower() in ("1", "true", "yes", "on"):
            return True
        if text.lower() in ("0", "false", "no", "off", ""):
            return False
        raise ValueError(f"{source}: expected true or false, got {raw!r}")
    if kind in (int, float):
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not math.isfinite(value):
            noun = "an integer" if kind is int else "a number"
            raise ValueError(f"{source}: expected {noun}, got {raw!r}")
        return value
    if kind == tuple[int, ...]:
        try:
            return tuple(int(item) for item in text.split(",") if item.strip())
        except ValueError:
            raise ValueError(f"{source}: expected integers separated by commas") from None
    return raw


def _coerce(name: str, raw: Any, source: str) -> Any:
    """Coerce ``raw`` to the type of setting ``name``; raise ValueError naming the source."""
    kind = TYPES[name]
    if isinstance(raw, str) and kind is not str:
        return _coerce_text(raw.strip(), kind, raw, source)
    if kind == tuple[int, ...]:
        if isinstance(raw, list | tuple) and all(type(item) is int for item in raw):
            return tuple(raw)
        raise ValueError(f"{source}: expected a list of integers")
    if kind is float and type(raw) in (int, float):
        return float(raw)
    if type(raw) is kind:  # a bool is not an int here
        return raw
    raise _bad_type(source, kind, raw)


def _unknown(name: str, where: str) -> str:
    close = difflib.get_close_matches(name, FIELDS, n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"{name}: unknown setting in {where}{hint}"


def _file_layer(path: str, problems: list[str]) -> dict:
    layer: dict[str, Any] = {}
    for name, value in _read_toml(Path(path), problems, "IDP_CONFIG").items():
        if name not in FIELDS:
            problems.append(_unknown(name, path))
            continue
        try:
            layer[name] = _coerce(name, value, f"{name} in {path}")
        except ValueError as exc:
            problems.append(str(exc))
    return layer


def _environment_layer(environ: dict, problems: list[str]) -> dict:
    layer: dict[str, Any] = {}
    for name in FIELDS:
        key = "IDP_" + name.upper()
        file_key = key + "_FILE"
        if key in environ:
            try:
                layer[name] = _coerce(name, environ[key], key)
            except ValueError as exc:
                problems.append(str(exc))
        elif file_key in environ and name in SECRETS:
            try:
                layer[name] = Path(environ[file_key]).read_text().strip()
            except OSError as exc:
                problems.append(f"{file_key}: cannot read {environ[file_key]}: {exc.strerror}")
    return layer


def _override_layer(overrides: dict, problems: list[str]) -> dict:
    layer: dict[str, Any] = {}
    for name, value in overrides.items():
        if name not in FIELDS:
            problems.append(_unknown(name, "the overrides"))
            continue
        try:
            layer[name] = _coerce(name, value, name)
        except ValueError as exc:
            problems.append(str(exc))
    return layer


def _defaults(problems: list[str]) -> dict:
    """The packaged defaults: every setting, each of its declared type."""
    found = _read_toml(resources.path("config", "default.toml"), problems, DEFAULTS_LABEL)
    defaults = {}
    for name in FIELDS:
        if name not in found:
            problems.append(f"{DEFAULTS_LABEL}: no default for {name}")
            continue
        try:
            defaults[name] = _coerce(name, found[name], f"{name} in {DEFAULTS_LABEL}")
        except ValueError as exc:
            problems.append(str(exc))
    problems.extend(_unknown(name, DEFAULTS_LABEL) for name in found if name not in FIELDS)
    return defaults


# Midtrans' documented bases (docs.midtrans.com "Environment"): sandbox, production.
MIDTRANS_API = ("https://api.sandbox.midtrans.com", "https://api.midtrans.com")
MIDTRANS_SNAP = ("https://app.sandbox.midtrans.com/snap/v1/transactions",
                 "https://app.midtrans.com/snap/v1/transactions")


def _derive(settings: dict) -> None:
    """Fill settings whose default depends on another one."""
    production = 1 if settings.get("midtrans_production") else 0
    settings["midtrans_api_url"] = (settings["midtrans_api_url"]
                                    or MIDTRANS_API[production]).rstrip("/")
    settings["midtrans_snap_url"] = settings["midtrans_snap_url"] or MIDTRANS_SNAP[production]


def _validate(settings: dict, problems: list[str]) -> None:
    if settings["env"] not in ("development", "production"):
        problems.append(f"env: must be development or production, got {settings['env']!r}")
    for name, value in settings.items():
        if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
            problems.append(f"{name}: must not be negative, got {value}")
    url = settings["database_url"]
    if url and not url.startswith(("postgresql", "sqlite")):
        problems.append(f"database_url: expected postgresql+psycopg://... or sqlite:///..., got {url.split(':')[0]}")
    if settings["default_locale"] not in ("en", "id"):
        problems.append(f"default_locale: must be en or id, got {settings['default_locale']!r}")
    try:
        ZoneInfo(settings["default_timezone"])
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"default_timezone: unknown time zone {settings['default_timezone']!r}")
    if settings["log_format"] not in ("", "json", "text"):
        problems.append(f"log_format: must be json or text, got {settings['log_format']!r}")
    redis_url = settings["redis_url"]
    if redis_url and not redis_url.startswith(("redis://", "rediss://", "unix://")):
        problems.append("redis_url: expected redis://host:port/db")
    for name in ("midtrans_api_url", "midtrans_snap_url"):
        if not str(settings[name]).startswith(("http://", "https://")):
            problems.append(f"{name}: expected an http(s) URL")
    issuer = settings["issuer"]
    if issuer and (not issuer.startswith(("http://", "https://")) or issuer.endswith("/")
                   or "?" in issuer or "#" in issuer):
        # OIDC Discovery §3: an https URL with no query or fragment.
        problems.append("issuer: expected an http(s) URL with no trailing slash, query or fragment")
    if settings["env"] == "production":
        for name in REQUIRED_IN_PRODUCTION:
            if not settings[name]:
                problems.append(f"IDP_{name.upper()}: required in production")
        if not (settings["key_encryption_key"] or settings["key_encryption_key_file"]):
            problems.append("IDP_KEY_ENCRYPTION_KEY: required in production (or IDP_KEY_ENCRYPTION_KEY_FILE)")
        if issuer and not issuer.startswith("https://"):
            problems.append("issuer: must be https in production")


def load_settings(overrides: dict | None = None, environ: dict | None = None) -> Settings:
    """Return validated settings; raise ConfigError listing every problem.

    Layers, each over the one before: the packaged defaults, the TOML file named by
    ``IDP_CONFIG``, ``IDP_<NAME>`` variables, ``IDP_<NAME>_FILE`` files (secrets only),
    then ``overrides`` (tests, ``idp serve``'s issuer).
    """
    environ = os.environ if environ is None else environ
    problems: list[str] = []
    settings = _defaults(problems)
    if environ.get("IDP_CONFIG"):
        settings.update(_file_layer(environ["IDP_CONFIG"], problems))
    settings.update(_environment_layer(environ, problems))
    settings.update(_override_layer(overrides or {}, problems))
    if not problems:
        _derive(settings)
        _validate(settings, problems)
    if problems:
        raise ConfigError(problems)
    return Settings(**settings)
