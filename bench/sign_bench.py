"""Tokens signed (and verified) per second per algorithm.

Standalone: generates one in-memory key per algorithm and signs an ID-token-
shaped payload with joserfc, the way idp/keystore/signer.py does (same
registry, same header), so no database, Redis or server is needed.

    python bench/sign_bench.py [--seconds 1.0]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from joserfc import jwt
from joserfc.jwk import KeySet, import_key

from idp.keystore.keys import GENERATORS, jws_registry

CLAIMS = {"iss": "https://id.tomps.example", "sub": "42", "aud": "building", "iat": 1_800_000_000,
          "exp": 1_800_003_600, "auth_time": 1_800_000_000, "nonce": "n-0S6_WzA2Mj",
          "sid": "08a5019c-17e1-4977-8f42-65a12843ea02", "amr": ["pwd"], "acr": "1",
          "org": {"id": 7, "name": "Acme", "plan": "pro", "products": ["building", "project"]}}


def rate(func, seconds: float) -> float:
    """Calls per second of ``func`` over about ``seconds``."""
    func()  # warm up
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(10):
            func()
        count += 10
    return count / elapsed


def bench(alg: str, seconds: float) -> tuple[float, float]:
    key = GENERATORS[alg]()
    kid = key.thumbprint()
    registry = jws_registry([alg])
    header = {"alg": alg, "kid": kid, "typ": "JWT"}
    public = KeySet([import_key(dict(key.as_dict(private=False), kid=kid))])
    token = jwt.encode(header, CLAIMS, key, algorithms=[alg], registry=registry)
    signs = rate(lambda: jwt.encode(header, CLAIMS, key, algorithms=[alg], registry=registry),
                 seconds)
    verifies = rate(lambda: jwt.decode(token, public, algorithms=[alg], registry=registry), seconds)
    return signs, verifies


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="time per measurement")
    args = parser.parse_args(argv)
    print(f"{'ALG':<7} {'SIGNED/S':>10} {'VERIFIED/S':>11}")
    for alg in GENERATORS:
        signs, verifies = bench(alg, args.seconds)
        print(f"{alg:<7} {signs:>10,.0f} {verifies:>11,.0f}")


if __name__ == "__main__":
    main()
