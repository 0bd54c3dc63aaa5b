"""A client that vanishes without a FIN frees its stream's slot (TCP_USER_TIMEOUT).

The client's address is removed inside a private network namespace (``unshare -n``: its
own loopback, nothing leaves it), so the server's keep-alives go unacknowledged and no
FIN or RST ever arrives; the server must drop the connection and give the slot back
within ``live_heartbeat`` + ``tcp_user_timeout`` (1 s + 1 s here), not after the
stream's lifetime (300 s).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def _namespaces_available() -> bool:
    try:
        return subprocess.run(["unshare", "-n", "ip", "link", "set", "lo", "up"],
                              capture_output=True, timeout=10, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.mark.skipif(not _namespaces_available(), reason="needs unshare -n and ip (root)")
def test_a_vanished_client_frees_its_slot_within_the_user_timeout():
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "PYTHONPATH": ROOT}
    out = subprocess.run(["unshare", "-n", sys.executable, "-m", "tests.billing.vanish_probe"],
                         env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["first"] == 200 and result["second"] == 429  # one stream per person
    assert result["after"] == 200, result
    assert result["freed_after"] < 10, result  # keep-alive 1 s + user timeout 1 s, not 300 s
