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
    failures: dict = field(default_factory=dict)  # what went wrong → how often
    items: list = field(default_factory=list)


def basic(client: dict) -> str:
    raw = f"{client['client_id']}:{client['client_secret']}".encode()
    return "Basic " + base64.b64encode(raw).decode()


def sign_in(http: requests.Session, base: str, email: str, password: str) -> bool:
    """Sign the browser in with the password form (raises Failed saying why not)."""
    page = http.get(base + "/login", timeout=30)
    match = CSRF_RE.search(page.text)
    if not match:
        raise Failed(f"login page {page.status_code}")
    answer = http.post(base + "/login", data={"email": email, "password": password,
                                              "csrf_token": match.group(1), "interaction": ""},
                       allow_redirects=False, timeout=30)
    if answer.status_code != 302 or "/login" in answer.headers.get("Location", ""):
        raise Failed(f"login {answer.status_code}")
    return True


class Failed(Exception):
    """One iteration failed; the message says where (summed per kind in the report)."""


def authorize(http, base, client, redirect_uri) -> str | None:
    query = urlencode({"response_type": "code", "client_id": client["client_id"],
                       "redirect_uri": redirect_uri, "scope": SCOPE, "state": "s",
                       "nonce": secrets.token_urlsafe(12), "code_challenge": CHALLENGE,
                       "code_challenge_method": "S256"})
    answer = http.get(f"{base}/oauth2/authorize?{query}", allow_redirects=False, timeout=30)
    location = answer.headers.get("Location", "")
    if answer.status_code != 302 or not location.startswith(redirect_uri):
        raise Failed(f"authorize {answer.status_code} {location[:60]}")
    return (parse_qs(urlsplit(location).query).get("code") or [None])[0]


def exchange(http, base, client, redirect_uri, code) -> dict | None:
    answer = http.post(base + "/oauth2/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
        "code_verifier": VERIFIER}, headers={"Authorization": basic(client)}, timeout=30)
    if answer.status_code != 200:
        raise Failed(f"token {answer.status_code} {answer.text[:120]}")
    return answer.json()


def _work(index, mode, base, seed, client, duration, limit, ready, results) -> None:
    email = seed["emails"][index % len(seed["emails"])]  # one person per browser
    out = Outcome()
    http = requests.Session()
    try:
        if mode != "login":
            sign_in(http, base, email, seed["password"])
    except (requests.RequestException, Failed) as exc:
        out.errors += 1
        out.failures[f"sign-in: {exc}"] = 1
        limit = 0
    ready.wait()  # every browser signed in: the timed part starts together
    deadline = time.time() + duration
    while time.time() < deadline and out.done < limit:
        started = time.perf_counter()
        try:
            ok = _step(mode, http, base, seed, client, out, email)
        except (requests.RequestException, Failed) as exc:
            kind = str(exc) if isinstance(exc, Failed) else type(exc).__name__
            out.failures[kind] = out.failures.get(kind, 0) + 1
            ok = False
        if ok:
            out.done += 1
            out.latencies.append(time.perf_counter() - started)
        else:
            out.errors += 1
    results.put(out)


def _step(mode, http, base, seed, client, out, email) -> bool:
    if mode == "login":
        return sign_in(requests.Session(), base, email, seed["password"])
    code = authorize(http, base, client, seed["redirect_uri"])
    if mode == "authorize":
        out.items.append(code)
        return True
    tokens = exchange(http, base, client, seed["redirect_uri"], code)
    out.items.append((tokens.get("refresh_token"), tokens.get("access_token")))
    return True


def drive(mode: str, base: str, seed: dict, client: dict, *, processes: int,
          duration: float, limit: int = 10**9, cpu=lambda: 0.0, box=lambda: (0, 0),
          db=lambda: 0.0) -> dict:
    """Run ``processes`` browsers for ``duration`` seconds (or ``limit`` iterations in all).

    The browsers sign in first (not timed) and wait at a barrier; ``cpu()`` (the
    server's CPU seconds) and ``box()`` are sampled at the common start and after
    the last browser finishes.
    """
    per_process = -(-limit // processes)
    context = multiprocessing.get_context("fork")
    ready, results = context.Barrier(processes + 1), context.Queue()
    workers = [context.Process(target=_work, args=(i, mode, base, seed, client, duration,
                                                   per_process, ready, results))
               for i in range(processes)]
    for worker in workers:
        worker.start()
    ready.wait(timeout=300)
    start_at, cpu_before, box_before, db_before = time.time(), cpu(), box(), db()
    outcomes = [results.get(timeout=duration + 120) for _ in workers]
    elapsed, cpu_used, box_after = time.time() - start_at, cpu() - cpu_before, box()
    db_used = db() - db_before
    for worker in workers:
        worker.join()
    latencies = sorted(x for o in outcomes for x in o.latencies)
    done = sum(o.done for o in outcomes)
    failures = {}
    for o in outcomes:
        for kind, n in o.failures.items():
            failures[kind] = failures.get(kind, 0) + n
    return {"done": done, "errors": sum(o.errors for o in outcomes), "elapsed": elapsed,
            "cpu_ms": 1000 * cpu_used / max(done, 1), "db_ms": 1000 * db_used / max(done, 1),
            "box": 100.0 * (box_after[0] - box_before[0]) / max(box_after[1] - box_before[1], 1),
            "per_s": done / elapsed if elapsed else 0.0,
            "p50_ms": 1000 * statistics.median(latencies) if latencies else 0.0,
            "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
            if latencies else 0.0,
            "failures": failures,
            "items": [item for o in outcomes for item in o.items]}
