"""Run inside a private network namespace (``unshare -n``) by test_live_vanish.py.

The embedded default (`idp serve`: one process, SQLite, the in-process store) with one
stream per person. A client on 127.0.0.2 opens a stream, then its address disappears:
from then on the server's keep-alives are never acknowledged and no FIN ever arrives.
Prints one JSON line: what the server answered, and how long the slot took to free.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

import requests

from bench.sse import Streams

PASSWORD = "correct horse battery"
SEED = """
from idp.app import create_app
from idp.storage import migrate
from idp.accounts.users import create_user
from idp.extensions import db
from idp.storage.models import Membership, Organization
app = create_app()
with app.app_context():
    migrate.upgrade()
    org = Organization(name="vanish")
    db.session.add(org)
    db.session.commit()
    user = create_user("admin@vanish.example", PASSWORD, "Ana", "Putri", email_verified=True)
    db.session.add(Membership(organization_id=org.id, user_id=user.id, role="admin"))
    db.session.commit()
    print(org.id)
""".replace("PASSWORD", repr(PASSWORD))


def sh(command: str) -> None:
    subprocess.run(command, shell=True, check=True)


def main() -> None:
    sh("ip link set lo up && ip addr del 127.0.0.1/8 dev lo && ip addr add 127.0.0.1/32 dev lo"
       " && ip addr add 127.0.0.2/32 dev lo")
    with tempfile.TemporaryDirectory(prefix="idp-vanish-") as tmp:
        probe(tmp)


def probe(tmp: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IDP_")}
    env.update(IDP_INSTANCE_PATH=f"{tmp}/instance", IDP_KEYS_PATH=f"{tmp}/keys",
               IDP_LOG_LEVEL="WARNING", IDP_ARGON2_TIME_COST="1", IDP_ARGON2_MEMORY_COST="8192",
               IDP_ARGON2_PARALLELISM="1", IDP_LIVE_STREAMS_PER_PERSON="1",
               IDP_LIVE_HEARTBEAT="1", IDP_TCP_USER_TIMEOUT="1")
    seeded = subprocess.run([sys.executable, "-c", SEED], env=env, capture_output=True, text=True,
                            check=False)
    if seeded.returncode:
        sys.exit("seed failed: " + seeded.stderr[-2000:])
    org_id = int(seeded.stdout.split()[-1])
    server = subprocess.Popen([sys.executable, "-m", "idp", "serve", "--port", "5080"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base, streams = "http://127.0.0.1:5080", Streams()
    try:
        for _ in range(300):
            try:
                if requests.get(base + "/readyz", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        browser = requests.Session()
        page = browser.get(base + "/login", timeout=5).text
        token = page.split('name="csrf_token"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
        browser.post(base + "/login", data={"email": "admin@vanish.example", "password": PASSWORD,
                                            "csrf_token": token}, timeout=5)
        cookie = "; ".join(f"{c.name}={c.value}" for c in browser.cookies)
        url = f"{base}/account/events?org={org_id}"
        held = streams.open(url, cookie, bind="127.0.0.2")
        held.next_event("snapshot")
        second = streams.open(url, cookie).status
        streams.forget(held)  # stop reading: the client is gone, its socket never closes
        sh("ip addr del 127.0.0.2/32 dev lo")
        vanished = time.monotonic()
        status = None
        while time.monotonic() - vanished < 30:
            stream = streams.open(url, cookie)
            status = stream.status
            if status == 200:
                break
            time.sleep(0.2)
        print(json.dumps({"first": held.status, "second": second, "after": status,
                          "freed_after": round(time.monotonic() - vanished, 2)}))
    finally:
        server.terminate()
        server.wait(15)


if __name__ == "__main__":
    main()
