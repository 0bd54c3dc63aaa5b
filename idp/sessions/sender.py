"""The HTTP side of back-channel delivery: POST logout tokens, several at once.

No app context here (the sends run in worker threads): the caller passes
plain ``Send`` jobs and gets ``Result`` s back. A slow or dead receiver costs
at most ``timeout`` seconds of its own thread, never another receiver's.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import requests

from ..rp.http import session as loopback_aware_session


@dataclass(frozen=True)
class Send:
    delivery_id: int
    uri: str
    token: str


@dataclass(frozen=True)
class Result:
    delivery_id: int
    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        # Back-Channel Logout §2.8: the RP answers 200 on success; any 2xx counts.
        return self.status_code is not None and 200 <= self.status_code < 300


def _post(job: Send, timeout: float) -> Result:
    started = time.monotonic()
    code, error = None, None
    try:
        # §2.5: form-encoded ``logout_token``; no redirects followed (a 3xx is a failure).
        # http is allowed only on loopback hosts, *.localhost included (DESIGN.md): the
        # kit's session resolves those names itself (RFC 6761 §6.3), libc may not.
        with loopback_aware_session() as http, \
                http.post(job.uri, data={"logout_token": job.token}, timeout=(timeout, timeout),
                          allow_redirects=False, stream=True,
                          headers={"Cache-Control": "no-store"}) as response:
            code = response.status_code
            if not 200 <= code < 300:
                error = f"HTTP {code}"
    except requests.Timeout:
        error = "timed out"
    except requests.ConnectionError:
        error = "connection failed"
    except requests.RequestException as exc:
        error = type(exc).__name__
    return Result(job.delivery_id, code, error, int((time.monotonic() - started) * 1000))


def post_all(jobs: list[Send], timeout: float, concurrency: int) -> list[Result]:
    """POST every job, ``concurrency`` at a time; return one Result per job."""
    if not jobs:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(jobs))),
                            thread_name_prefix="backchannel") as pool:
        return list(pool.map(lambda job: _post(job, timeout), jobs))
