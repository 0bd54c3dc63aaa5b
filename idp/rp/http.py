"""The kit's HTTP: a requests session that treats ``localhost`` names as loopback,
and JSON fetches that honour ``Cache-Control``.

RFC 6761 §6.3: name-resolution APIs SHOULD recognise ``localhost`` and every
``*.localhost`` name and return the loopback address, without asking DNS.
Browsers do (so ``http://building.localhost:5001`` works in Chromium), but
libc on a machine without systemd-resolved does not, so a server-side call to
such a URL would fail to resolve. ``LoopbackAdapter`` answers those names
itself: it connects to 127.0.0.1 while keeping the request's ``Host`` header
(and, for https, the SNI name and the certificate check) on the original name.
Any other host goes through ordinary resolution. The IdP's back-channel sender
uses the same session (idp/sessions/sender.py).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from http.cookiejar import DefaultCookiePolicy
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from .errors import DiscoveryError

LOOPBACK_ADDRESS = "127.0.0.1"
MAX_BODY = 512 * 1024  # discovery and JWKS documents are a few kB
DEFAULT_MAX_AGE = 300.0  # no Cache-Control: keep it five minutes
MAX_MAX_AGE = 86400.0  # a day at most, whatever the header says


def is_localhost_name(host: str | None) -> bool:
    """Whether ``host`` is ``localhost`` or a name under ``.localhost`` (RFC 6761 §6.3)."""
    name = (host or "").lower().rstrip(".")
    return name == "localhost" or name.endswith(".localhost")


class LoopbackAdapter(HTTPAdapter):
    """An HTTPAdapter that resolves ``localhost`` names to 127.0.0.1 itself."""

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        name = host_params.get("host")
        if is_localhost_name(name):
            host_params = dict(host_params, host=LOOPBACK_ADDRESS)
            if host_params.get("scheme") == "https":
                # TLS still speaks to (and checks the certificate of) the name asked for.
                pool_kwargs = dict(pool_kwargs, server_hostname=name, assert_hostname=name)
        return host_params, pool_kwargs

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        parts = urlsplit(request.url)
        if is_localhost_name(parts.hostname):
            # On a copy: the caller's request must keep no Host header, or requests would
            # match cookies (and the next redirect hop) against this host.
            request = request.copy()
            request.headers["Host"] = parts.netloc.rpartition("@")[2]
            proxies = {}  # a loopback name never goes through a proxy
        return super().send(request, stream=stream, timeout=timeout, verify=verify, cert=cert,
                            proxies=proxies)


def session(keep_cookies: bool = True) -> requests.Session:
    """A requests session whose http(s) transport answers ``localhost`` names itself.

    ``keep_cookies=False`` for machine calls shared by every person's requests (the
    kit's token, discovery, JWKS and API calls): nothing one answer sets can ride along
    on another person's call.
    """
    http = requests.Session()
    if not keep_cookies:
        http.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    adapter = LoopbackAdapter()
    http.mount("http://", adapter)
    http.mount("https://", adapter)
    return http


_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)\"?\s*(?:,|$)", re.IGNORECASE)


def cache_lifetime(cache_control: str | None, default: float = DEFAULT_MAX_AGE) -> float:
    """Seconds a response may be reused per its ``Cache-Control`` (RFC 9111 §5.2.2).

    ``no-store`` and ``no-cache`` → 0 (fetch again next time); ``max-age=N`` → N,
    capped at a day; no header → ``default``.
    """
    if not cache_control:
        return default
    directives = {d.strip().split("=", 1)[0].lower() for d in cache_control.split(",")}
    if directives & {"no-store", "no-cache"}:
        return 0.0
    match = _MAX_AGE.search(cache_control)
    return min(float(match.group(1)), MAX_MAX_AGE) if match else default


@dataclass(frozen=True)
class Fetched:
    """A JSON document and how long it may be cached."""

    document: dict
    max_age: float


def get_json(http: requests.Session, url: str, timeout: float = 5.0) -> Fetched:
    """GET ``url``; return its JSON object and cache lifetime; raise DiscoveryError."""
    try:
        with http.get(url, timeout=timeout, allow_redirects=False, stream=True,
                      headers={"Accept": "application/json"}) as response:
            body = response.raw.read(MAX_BODY + 1, decode_content=True)
            status, cache_control = response.status_code, response.headers.get("Cache-Control")
    except requests.RequestException as exc:
        raise DiscoveryError(f"cannot fetch {url}: {type(exc).__name__}") from None
    if status != 200:
        raise DiscoveryError(f"{url} answered HTTP {status}")
    if len(body) > MAX_BODY:
        raise DiscoveryError(f"{url} is larger than {MAX_BODY} bytes")
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: [[[[… nested too deep
        raise DiscoveryError(f"{url} is not JSON") from None
    if not isinstance(document, dict):
        raise DiscoveryError(f"{url} is not a JSON object")
    return Fetched(document, cache_lifetime(cache_control))
