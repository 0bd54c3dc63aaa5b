"""Configuration: one typed settings object, loaded and validated at start-up.

Settings come from ``conf/default.toml`` (every setting, safe defaults, no
secrets), then the TOML file named by ``IDP_CONFIG``, then ``IDP_<NAME>``
environment variables, then ``IDP_<NAME>_FILE`` files for secrets. Every
problem is reported at once, each on one line naming the setting.
"""

from .settings import ConfigError, Settings, load_settings

__all__ = ["ConfigError", "Settings", "load_settings"]
