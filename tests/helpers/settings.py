"""Other settings for one test, without editing the frozen ``Settings`` in place.

A test that needs another value (a lower limit, a stand-in's URL, a short timeout)
asks the ``configure`` fixture (tests/conftest.py): ``configure(entitlement_grace=60)``,
or ``configure(other_app, midtrans_api_url=url)`` for a second instance. It builds a
copy with ``Settings.replace`` — coerced and validated like an ``IDP_*`` variable, so a
misspelt name or a wrong type fails the test — puts it into ``app.config["IDP"]`` and
puts the original back when the test ends. Code reads ``current_app.config["IDP"]``
each time it needs a setting, so the next request or job sees the copy.

Why a swap and not a new app per test: the object stays frozen (nothing half-changed is
ever visible; the swap is one assignment, like a restart with another environment), and
a new app per test would cost a database pool and a pub/sub thread each, and every
fixture built on the shared app (``web``, ``ctx``, ``notify``...) would have to follow it.

Settings read only while the app is built (database, store, secrets and keys, cookie and
CSRF lifetimes, proxies, logging) cannot change this way: ``configure`` refuses them.
Build another instance for those: ``make_app(**overrides)`` or the ``instances`` fixture.
"""

from __future__ import annotations

# Read by create_app() (idp/app.py and what it initialises), never again afterwards.
BUILD_TIME = frozenset({
    "env", "issuer", "database_url", "database_pool_size", "redis_url", "redis_prefix",
    "secret_key", "key_encryption_key", "key_encryption_key_file",
    "previous_key_encryption_key", "previous_key_encryption_key_file", "instance_path",
    "keys_path", "log_level", "log_format", "trusted_proxy_count", "session_absolute_timeout",
    "interaction_lifetime",
})


def swap_settings(monkeypatch, app, **changes):
    """Give ``app`` its settings with ``changes`` until the test ends; return them."""
    refused = sorted(BUILD_TIME & changes.keys())
    assert not refused, (f"{', '.join(refused)}: read when the app is built; "
                         "build another one with make_app(...) or the instances fixture")
    settings = app.config["IDP"].replace(**changes)
    monkeypatch.setitem(app.config, "IDP", settings)
    return settings
