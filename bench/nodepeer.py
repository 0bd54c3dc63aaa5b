"""node-oidc-provider as the benchmark's peer: install it, run it, mint its tokens.

The package is installed with npm into a cache folder outside the repository
(``$IDP_BENCH_NODE_CACHE``, else ``$XDG_CACHE_HOME/tomps-bench/node-oidc-provider``,
else ``~/.cache/...``), one sub-folder per version; the pinned version is
installed with ``npm ci`` from bench/peer/package-lock.json. The server script
is bench/peer/server.mjs (what it configures is documented there and in
docs/performance.md). Its tokens are minted through its real authorization and
token endpoints: the script answers sign-in and consent itself, so a client
that follows redirects from ``/auth`` lands on the redirect URI with a code.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import secrets
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import requests

HERE = Path(__file__).resolve().parent / "peer"
PACKAGE = "oidc-provider"
# The newest release whose own runtime check accepts Node.js 20 (9.x asks for 22+).
VERSION = json.loads((HERE / "package.json").read_text())["dependencies"][PACKAGE]
CLIENT_ID = "bench"
REDIRECT = "http://127.0.0.1:9/callback"
API = "https://api.bench.example"  # the resource whose access tokens are RS256 JWTs
SCOPE = "openid profile email offline_access"
VERIFIER = "bench-" + "v" * 60
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()


class PeerUnavailable(RuntimeError):
    """node or npm is missing, or the package could not be installed (says which)."""


def cache_root() -> Path:
    explicit = os.environ.get("IDP_BENCH_NODE_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tomps-bench" / "node-oidc-provider"


def install(version: str = VERSION, root: Path | None = None) -> Path:
    """Install ``oidc-provider@version`` under the cache (once); return its folder."""
    for tool in ("node", "npm"):
        if not shutil.which(tool):
            raise PeerUnavailable(f"{tool} is not installed (the peer needs Node.js 20+ and npm)")
    folder = (root or cache_root()) / version
    if installed_version(folder) == version:
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    manifest = json.loads((HERE / "package.json").read_text())
    manifest["dependencies"][PACKAGE] = version
    (folder / "package.json").write_text(json.dumps(manifest, indent=2) + "\n")
    if version == VERSION:  # the pinned tree, exactly
        shutil.copy(HERE / "package-lock.json", folder / "package-lock.json")
        command = ["npm", "ci"]
    else:
        command = ["npm", "install"]
    done = subprocess.run(command + ["--no-audit", "--no-fund", "--omit=dev"], cwd=folder,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0 or installed_version(folder) != version:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise PeerUnavailable(f"npm could not install {PACKAGE}@{version} into {folder}: "
                              + " / ".join(tail))
    return folder


def installed_version(folder: Path) -> str | None:
    with contextlib.suppress(OSError, ValueError, KeyError):
        manifest = folder / "node_modules" / PACKAGE / "package.json"
        return json.loads(manifest.read_text())["version"]
    return None


@dataclass
class Peer:
    """node-oidc-provider (bench/peer/server.mjs) in its own process group."""

    modules: Path
    port: int
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    proc: subprocess.Popen | None = None
    log_path: Path | None = None
    paths: dict = field(default_factory=dict)  # endpoint name → path, from its discovery

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def client(self) -> dict:
        return {"client_id": CLIENT_ID, "client_secret": self.secret}

    def __enter__(self):
        env = {**os.environ, "PEER_MODULES": str(self.modules), "PEER_PORT": str(self.port),
               "PEER_CLIENT_SECRET": self.secret, "NODE_ENV": "production"}
        self.log_path = Path(tempfile.mkstemp(prefix="idp-bench-peer-", suffix=".log")[1])
        with self.log_path.open("w") as log:
            self.proc = subprocess.Popen(["node", str(HERE / "server.mjs")], env=env,
                                         stdout=log, stderr=log, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.proc.poll() is None:
            with contextlib.suppress(requests.RequestException):
                answer = requests.get(self.base + "/.well-known/openid-configuration", timeout=1)
                if answer.status_code == 200:
                    self.paths = endpoint_paths(answer.json())
                    return self
            time.sleep(0.1)
        self.__exit__()
        raise RuntimeError(f"the node peer did not start (its log: {self.log_path}): "
                           + self.log_path.read_text()[-500:])

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, 15)
            self.proc.wait(timeout=20)

    def cpu_seconds(self) -> float:
        """User+system CPU of the node process (all its threads: libuv's pool included)."""
        stat = Path(f"/proc/{self.proc.pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2:].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def db_cpu_seconds(self) -> float:
        return 0.0  # in memory

    def flows(self, count: int, resource: str | None = None) -> list[dict]:
        """``count`` authorization code flows (setup, not timed): their token responses."""
        return [flow(self.base, self.paths, self.client, resource) for _ in range(count)]


def endpoint_paths(discovery: dict) -> dict:
    """The benchmark's endpoint paths from a discovery document (either server's)."""
    names = {"jwks": "jwks_uri", "token": "token_endpoint", "userinfo": "userinfo_endpoint",
             "introspection": "introspection_endpoint", "authorize": "authorization_endpoint"}
    return {name: urlsplit(discovery[key]).path for name, key in names.items()}


def flow(base: str, paths: dict, client: dict, resource: str | None = None) -> dict:
    """One authorization code flow against the peer; return its token response.

    ``prompt=consent`` because the peer grants offline_access (a refresh token)
    only then (OIDC Core §11). With ``resource`` (RFC 8707) the access token is
    an RS256 JWT for that API and refreshes keep that resource.
    """
    http = requests.Session()
    params = {"response_type": "code", "client_id": client["client_id"], "redirect_uri": REDIRECT,
              "scope": SCOPE + (" api:read" if resource else ""), "state": "s",
              "nonce": secrets.token_urlsafe(12), "prompt": "consent",
              "code_challenge": CHALLENGE, "code_challenge_method": "S256"}
    if resource:
        params["resource"] = resource
    url = f"{base}{paths['authorize']}?{urlencode(params)}"
    for _ in range(10):  # /auth → /interaction (login) → /auth → /interaction (consent) → /auth
        answer = http.get(url, allow_redirects=False, timeout=30)
        location = answer.headers.get("Location", "")
        if answer.status_code not in (302, 303) or not location:
            raise RuntimeError(f"peer authorize: {answer.status_code} {answer.text[:200]}")
        if location.startswith(REDIRECT):
            break
        url = urljoin(url, location)
    else:
        raise RuntimeError("peer authorize: too many redirects")
    query = parse_qs(urlsplit(location).query)
    if "code" not in query:
        raise RuntimeError(f"peer authorize: {location[:200]}")
    token = http.post(base + paths["token"], data={
        "grant_type": "authorization_code", "code": query["code"][0], "redirect_uri": REDIRECT,
        "code_verifier": VERIFIER}, auth=(client["client_id"], client["client_secret"]), timeout=30)
    if token.status_code != 200:
        raise RuntimeError(f"peer token: {token.status_code} {token.text[:200]}")
    return token.json()
