"""The IdP's metadata (OIDC Discovery 1.0 §4), fetched once and cached per Cache-Control.

``Discovery(issuer).metadata()`` returns the document from
``{issuer}/.well-known/openid-configuration``; it is fetched again when its
``Cache-Control`` max-age has run out (the IdP sends one hour). The ``issuer``
in the document must equal the configured one exactly (§4.3), or nothing from
it is used. When a refetch fails, the copy in hand is kept for another
``RETRY_AFTER`` seconds rather than failing every request while the IdP is
briefly away.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from .errors import DiscoveryError
from .http import Fetched, get_json, session

WELL_KNOWN = "/.well-known/openid-configuration"
REQUIRED = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
RETRY_AFTER = 30.0


class Discovery:
    """Hold the IdP's metadata; refetch it when its max-age has passed."""

    def __init__(self, issuer: str, http=None, fetch: Callable[[str], Fetched] | None = None,
                 now: Callable[[], float] = time.monotonic):
        if not issuer.startswith(("https://", "http://")) or issuer.endswith("/"):
            raise ValueError("issuer must be an http(s) URL without a trailing slash")
        self.issuer = issuer
        http = http or session(keep_cookies=False)
        self._fetch = fetch or (lambda url: get_json(http, url))
        self._now = now
        self._lock = threading.Lock()
        self._document: dict | None = None
        self._expires = 0.0
        self.fetches = 0

    def metadata(self) -> dict:
        """The metadata document; raise DiscoveryError when none can be had."""
        with self._lock:
            if self._document is None or self._now() >= self._expires:
                self._refresh()
            return self._document

    def __getitem__(self, name: str):
        value = self.metadata().get(name)
        if not value:
            raise DiscoveryError(f"the IdP's metadata has no {name}")
        return value

    def get(self, name: str, default=None):
        return self.metadata().get(name, default)

    def _refresh(self) -> None:
        try:
            fetched = self._fetch(self.issuer + WELL_KNOWN)
            self._document = self._checked(fetched.document)
            self._expires = self._now() + fetched.max_age
            self.fetches += 1
        except DiscoveryError:
            if self._document is None:
                raise
            self._expires = self._now() + RETRY_AFTER  # keep the copy in hand a little longer

    def _checked(self, document: dict) -> dict:
        if document.get("issuer") != self.issuer:
            # §4.3: the issuer returned MUST be identical to the one the URL was built from.
            raise DiscoveryError("the metadata names another issuer")
        missing = [name for name in REQUIRED if not isinstance(document.get(name), str)]
        if missing:
            raise DiscoveryError(f"the metadata lacks {', '.join(missing)}")
        return document
