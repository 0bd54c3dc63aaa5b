"""Load, coerce and validate settings."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from ..errors import IdPError


def _project_root() -> Path:
    """Where conf/, templates/ and migrations/ live: IDP_HOME, the source tree, or the cwd."""
    if os.environ.get("IDP_HOME"):
        return Path(os.environ["IDP_HOME"]).resolve()
    source = Path(__file__).resolve().parents[2]
    return source if (source / "conf" / "default.toml").exists() else Path.cwd()


ROOT = _project_root()
DEFAULT_FILE = ROOT / "conf" / "default.toml"

# Settings that are secrets: never given a usable default outside development.
SECRETS = ("secret_key", "key_encryption_key", "midtrans_server_key", "smtp_password",
           "notify_webhook_secret")
REQUIRED_IN_PRODUCTION = ("secret_key", "database_url", "redis_url", "issuer")


class ConfigError(IdPError):
    """Raised with every configuration problem, one per line."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class Settings(dict):
    """A dict of validated settings with attribute access."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError as exc:
            raise AttributeError(name) from exc

    @property
    def production(self) -> bool:
        return self["env"] == "production"

    @property
    def embedded_database(self) -> bool:
        return not self["database_url"]

    @property
    def embedded_store(self) -> bool:
        return not self["redis_url"]


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


def _coerce(name: str, raw: Any, default: Any, source: str) -> Any:
    """Coerce ``raw`` to the type of ``default``; raise ValueError naming the setting."""
    kind = type(default)
    if isinstance(raw, kind) and not (kind is int and isinstance(raw, bool)):
        return raw
    if not isinstance(raw, str):
        raise ValueError(f"{source}: expected {kind.__name__}, got {type(raw).__name__}")  # noqa: TRY004 (a config problem)
    text = raw.strip()
    if kind is bool:
        if text.lower() in ("1", "true", "yes", "on"):
            return True
        if text.lower() in ("0", "false", "no", "off", ""):
            return False
        raise ValueError(f"{source}: expected true or false, got {raw!r}")
    if kind is int:
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"{source}: expected an integer, got {raw!r}") from None
    if kind is list:
        items = [item.strip() for item in text.split(",") if item.strip()]
        if default and isinstance(default[0], int):
            try:
                return [int(item) for item in items]
            except ValueError:
                raise ValueError(f"{source}: expected integers separated by commas") from None
        return items
    return raw


def _environment_layer(defaults: dict, environ: dict, problems: list[str]) -> dict:
    layer: dict[str, Any] = {}
    for name, default in defaults.items():
        key = "IDP_" + name.upper()
        file_key = key + "_FILE"
        if key in environ:
            try:
                layer[name] = _coerce(name, environ[key], default, key)
            except ValueError as exc:
                problems.append(str(exc))
        elif file_key in environ and name in SECRETS:
            try:
                layer[name] = Path(environ[file_key]).read_text().strip()
            except OSError as exc:
                problems.append(f"{file_key}: cannot read {environ[file_key]}: {exc.strerror}")
    return layer


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
        if isinstance(value, int) and not isinstance(value, bool) and value < 0:
            problems.append(f"{name}: must not be negative, got {value}")
    url = settings["database_url"]
    if url and not url.startswith(("postgresql", "sqlite")):
        problems.append(f"database_url: expected postgresql+psycopg://... or sqlite:///..., got {url.split(':')[0]}")
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
    """Return validated settings; raise ConfigError listing every problem."""
    environ = os.environ if environ is None else environ
    problems: list[str] = []
    defaults = _read_toml(DEFAULT_FILE, problems, "conf/default.toml")
    settings = dict(defaults)
    extra = environ.get("IDP_CONFIG")
    if extra:
        for name, value in _read_toml(Path(extra), problems, "IDP_CONFIG").items():
            if name not in defaults:
                problems.append(f"{name}: unknown setting in {extra}")
                continue
            try:
                settings[name] = _coerce(name, value, defaults[name], f"{name} in {extra}")
            except ValueError as exc:
                problems.append(str(exc))
    settings.update(_environment_layer(defaults, environ, problems))
    for name, value in (overrides or {}).items():
        settings[name] = value
    if not problems:
        _derive(settings)
        _validate(settings, problems)
    if problems:
        raise ConfigError(problems)
    return Settings(settings)
