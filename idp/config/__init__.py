"""Configuration: one typed, frozen settings object, loaded and validated at start-up.

Settings come from ``idp/config/default.toml`` (every setting, safe defaults, no
secrets; it ships inside the package), then the TOML file named by ``IDP_CONFIG``
(an unknown name there is refused), then ``IDP_<NAME>`` environment variables, then
``IDP_<NAME>_FILE`` files for secrets. Every problem is reported at once, each on one
line naming the setting. ``Settings`` is a frozen dataclass: nothing changes it once
the app is built, and its repr hides every secret.
"""

from .settings import ConfigError, Settings, as_dict, load_settings

__all__ = ["ConfigError", "Settings", "as_dict", "load_settings"]
