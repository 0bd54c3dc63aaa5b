"""The Python load driver for what wrk cannot script: browser flows with cookies.

Each worker process holds its own requests.Session (a cookie jar). Modes:

- ``flow``: a browser already signed in: GET /oauth2/authorize → 302 with a
  code → POST /oauth2/token. One flow = both requests. Keeps the refresh
  tokens it receives (bench/run.py feeds them to the refresh benchmark).
- ``authorize``: only the authorize step; keeps the codes (pre-minted for
  the code-exchange benchmark, each used once).
- ``login``: a fresh browser per iteration: GET /login, POST the password.
"""

from __future__ import annotations

import base64
import hashlib
import multiprocessing
import re
import secrets
import statistics
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
VERIFIER = "bench-" + "v" * 60
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()
SCOPE = "openid profile email offline_access"


@dataclass
class Outcome:
    done: int = 0
    errors: int = 0
    latencies: list = field(default_factory=list)  # seconds
    items: list = field(default_factory=list)


def basic(client: dict) -> str:
    raw = f"{client['client_id']}:{client['client_secret']}".encode()
    return "Basic " + base64.b64encode(raw).decode()


def sign_in(http: requests.Session, base: str, email: str, password: str) -> bool:
    page = http.get(base + "/login", timeout=30)
    match = CSRF_RE.search(page.text)
    if not match:
        return False
    answer = http.post(base + "/login", data={"email": email, "password": password,
                                              "csrf_token": match.group(1), "interaction": ""},
                       allow_redirects=False, timeout=30)
    return answer.status_code == 302 and "/login" not in answer.headers.get("Location", "")


def authorize(http, base, client, redirect_uri) -> str | None:
    query = urlencode({"response_type": "code", "client_id": client["client_id"],
                       "redirect_uri": redirect_uri, "scope": SCOPE, "state": "s",
                       "nonce": secrets.token_urlsafe(12), "code_challenge": CHALLENGE,
                       "code_challenge_method": "S256"})
    answer = http.get(f"{base}/oauth2/authorize?{query}", allow_redirects=False, timeout=30)
    location = answer.headers.get("Location", "")
    if answer.status_code != 302 or not location.startswith(redirect_uri):
        return None
    return (parse_qs(urlsplit(location).query).get("code") or [None])[0]


def exchange(http, base, client, redirect_uri, code) -> dict | None:
    answer = http.post(base + "/oauth2/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
        "code_verifier": VERIFIER}, headers={"Authorization": basic(client)}, timeout=30)
    return answer.json() if answer.status_code == 200 else None


def _work(args) -> Outcome:
    mode, base, seed, client, start_at, deadline, limit = args
    out = Outcome()
    http = requests.Session()
    if mode != "login" and not sign_in(http, base, seed["email"], seed["password"]):
        out.errors += 1
        return out
    time.sleep(max(0.0, start_at - time.time()))  # every browser signed in: start together
    while time.time() < deadline and out.done < limit:
        started = time.perf_counter()
        try:
            ok = _step(mode, http, base, seed, client, out)
        except requests.RequestException:
            ok = False
        if ok:
            out.done += 1
            out.latencies.append(time.perf_counter() - started)
        else:
            out.errors += 1
    return out


def _step(mode, http, base, seed, client, out) -> bool:
    if mode == "login":
        return sign_in(requests.Session(), base, seed["email"], seed["password"])
    code = authorize(http, base, client, seed["redirect_uri"])
    if code is None:
        return False
    if mode == "authorize":
        out.items.append(code)
        return True
    tokens = exchange(http, base, client, seed["redirect_uri"], code)
    if tokens is None:
        return False
    out.items.append((tokens.get("refresh_token"), tokens.get("access_token")))
    return True


def drive(mode: str, base: str, seed: dict, client: dict, *, processes: int,
          duration: float, limit: int = 10**9, cpu=lambda: 0.0, box=lambda: (0, 0)) -> dict:
    """Run ``processes`` browsers for ``duration`` seconds (or ``limit`` iterations in all).

    The browsers sign in first (not timed); ``cpu()`` (the server's CPU seconds)
    is sampled at the common start and after the last browser finishes.
    """
    per_process = -(-limit // processes)
    start_at = time.time() + 1.0 + 0.3 * processes
    jobs = [(mode, base, seed, client, start_at, start_at + duration, per_process)] * processes
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        pending = pool.map_async(_work, jobs)
        time.sleep(max(0.0, start_at - time.time()))
        cpu_before, box_before = cpu(), box()
        outcomes = pending.get()
        elapsed, cpu_used = time.time() - start_at, cpu() - cpu_before
        box_after = box()
    latencies = sorted(x for o in outcomes for x in o.latencies)
    done = sum(o.done for o in outcomes)
    return {"done": done, "errors": sum(o.errors for o in outcomes), "elapsed": elapsed,
            "cpu_ms": 1000 * cpu_used / max(done, 1),
            "box": 100.0 * (box_after[0] - box_before[0]) / max(box_after[1] - box_before[1], 1),
            "per_s": done / elapsed if elapsed else 0.0,
            "p50_ms": 1000 * statistics.median(latencies) if latencies else 0.0,
            "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
            if latencies else 0.0,
            "items": [item for o in outcomes for item in o.items]}
