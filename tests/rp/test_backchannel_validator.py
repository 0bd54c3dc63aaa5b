"""The RP-side logout token validator (Back-Channel Logout 1.0 §2.6), good and bad tokens."""

from __future__ import annotations

import time

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from idp.rp.backchannel import EVENT, LogoutTokenError, validate_logout_token

ISSUER = "https://id.tomps.example"
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"}, private=True)
OTHER = RSAKey.generate_key(2048, parameters={"kid": "k1"}, private=True)
JWKS = {"keys": [KEY.as_dict(private=False)]}


def _token(key=KEY, header=None, **changes):
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": "rp1", "iat": now, "exp": now + 120, "jti": "j1",
              "sub": "42", "sid": "s1", "events": {EVENT: {}}}
    for name, value in changes.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return jwt.encode(header or {"alg": "RS256", "kid": "k1", "typ": "logout+jwt"}, claims, key)


def _validate(token, **kwargs):
    return validate_logout_token(token, jwks=JWKS, issuer=ISSUER, client_id="rp1", **kwargs)


def test_a_valid_token_passes():
    assert _validate(_token())["sid"] == "s1"
    assert _validate(_token(aud=["rp1", "rp2"]))["sub"] == "42"
    assert _validate(_token(sub=None))["sid"] == "s1"  # sid alone is enough
    assert _validate(_token(sid=None))["sub"] == "42"  # so is sub alone


@pytest.mark.parametrize("changes, reason", [
    ({"nonce": "n"}, "nonce"),
    ({"events": None}, "events"),
    ({"events": {"http://other.example/event": {}}}, "events"),
    ({"events": {EVENT: "yes"}}, "events"),
    ({"aud": "rp2"}, "aud"),
    ({"aud": ["rp2", "rp3"]}, "aud"),
    ({"iss": "https://evil.example"}, "iss"),
    ({"exp": int(time.time()) - 3600}, "exp"),
    ({"exp": None}, "exp"),
    ({"iat": int(time.time()) + 3600}, "iat"),
    ({"sub": None, "sid": None}, "neither sub nor sid"),
    ({"jti": None}, "jti"),
])
def test_bad_claims_are_refused(changes, reason):
    with pytest.raises(LogoutTokenError, match=reason):
        _validate(_token(**changes))


def test_wrong_typ_is_refused():
    with pytest.raises(LogoutTokenError, match="typ"):
        _validate(_token(header={"alg": "RS256", "kid": "k1", "typ": "JWT"}))


def test_unknown_signing_key_is_refused():
    with pytest.raises(LogoutTokenError, match="signature"):
        _validate(_token(key=OTHER))


@pytest.mark.parametrize("token", ["", "a.b", "a.b.c", "a.b.c.d.e", None, "x" * 20000])
def test_malformed_tokens_are_refused(token):
    with pytest.raises(LogoutTokenError):
        _validate(token)


def test_unsigned_token_is_refused():
    import base64
    import json

    def b64(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    body = b64({"iss": ISSUER, "aud": "rp1", "sub": "42", "events": {EVENT: {}}})
    with pytest.raises(LogoutTokenError):
        _validate(f"{b64({'alg': 'none'})}.{body}.")


def test_replayed_jti_is_refused():
    seen = set()

    def check(jti):
        replay = jti in seen
        seen.add(jti)
        return replay

    token = _token()
    _validate(token, seen_jti=check)
    with pytest.raises(LogoutTokenError, match="replay"):
        _validate(token, seen_jti=check)
