"""Invariants under real concurrency (threads and second app instances against the real
Postgres and Redis). Here: code redemption and refresh rotation by 20 threads. Elsewhere,
each with real parallel requests too:

- tests/accounts/test_lockout_concurrency.py — two instances rate-limiting one account
  share one counter (20 simultaneous guesses, at most the limit reach the password check);
- tests/oidc/test_token_rate_limit.py — two instances share a client's token-endpoint counter;
- tests/web/test_totp_concurrency.py — a TOTP code accepted once under parallel use;
- tests/keystore/test_concurrent_rotation.py — one rotation wins;
- tests/billing/test_exactly_once.py — an order is paid once.
"""
