"""What the per-request middleware costs: every before/after_request hook of the IdP's app.

    python bench/middleware_bench.py [-n 20000]

Builds the app (embedded settings, in a scratch folder: nothing is written to the
repository), then in one request context calls every ``before_request`` and
``after_request`` hook ``n`` times around a fresh Response, and each hook alone.
Prints ms per request (``time.process_time``; the Response's own cost subtracted from
the total). Discovery and JWKS skip all of it (idp/web/loop_routes.py).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20000)
    n = parser.parse_args(argv).n
    scratch = tempfile.mkdtemp(prefix="idp-mw-")
    os.chdir(scratch)  # the development key-encryption key lands here, not in the repo
    from flask import Response, g

    from idp import create_app

    app = create_app({"database_url": "", "instance_path": scratch, "log_level": "WARNING",
                      "issuer": "https://idp.example"}, announce=lambda line: None)
    before = app.before_request_funcs[None]
    after = list(reversed(app.after_request_funcs[None]))
    with app.test_request_context("/oauth2/userinfo", headers={"Authorization": "Bearer x"}):
        def one(hooks_before, hooks_after):
            g.pop("request_id", None)
            for hook in hooks_before:
                hook()
            response = Response(b"{}", mimetype="application/json")
            for hook in hooks_after:
                response = hook(response)

        def timed(work) -> float:
            started = time.process_time()
            for _ in range(n):
                work()
            return (time.process_time() - started) / n * 1000

        bare = timed(lambda: one((), ()))
        total = timed(lambda: one(before, after)) - bare
        print(f"all hooks: {total:.4f} ms per request ({len(before)} before, {len(after)} after)")
        for hook in before:
            print(f"  before {hook.__name__}: {timed(lambda h=hook: one((h,), ())) - bare:.4f} ms")
        for hook in after:
            print(f"  after  {hook.__name__}: {timed(lambda h=hook: one((), (h,))) - bare:.4f} ms")


if __name__ == "__main__":
    main()
