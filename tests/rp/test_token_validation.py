"""ID tokens (OIDC Core §3.1.3.7) and RFC 9068 access tokens, refused for the right reason."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest

from idp.rp import errors
from idp.rp.tokens import MAX_LEEWAY, half_hash, validate_access_token, validate_id_token
from tests.rp.conftest import ISSUER

AUDIENCE = "https://project.tomps.example"


def _id(issuer, token, **kwargs):
    kwargs.setdefault("nonce", "n-1")
    return validate_id_token(token, jwks=issuer.cache(), issuer=ISSUER, client_id="rp1", **kwargs)


def _access(issuer, token, **kwargs):
    return validate_access_token(token, jwks=issuer.cache(), issuer=ISSUER, audience=AUDIENCE,
                                 **kwargs)


def _b64(data) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_a_valid_id_token_passes(issuer):
    access = "an-access-token"
    claims = issuer.id_claims(at_hash=half_hash(access, "RS256"))
    assert _id(issuer, issuer.sign(claims), access_token=access)["sub"] == "42"
    # Several audiences are fine when azp names this client and the others are trusted.
    both = issuer.sign(issuer.id_claims(aud=["rp1", "api"], azp="rp1"))
    assert _id(issuer, both, trusted_audiences=["api"])["azp"] == "rp1"


def test_a_valid_access_token_passes(issuer):
    token = issuer.sign(issuer.access_claims(), typ="at+jwt")
    assert _access(issuer, token)["client_id"] == "rp1"
    assert _access(issuer, issuer.sign(issuer.access_claims(), typ="application/AT+JWT"))


def test_a_bad_signature_is_refused(issuer):
    forged = issuer.sign(issuer.id_claims(), key=issuer.impostor)  # same kid, other key
    with pytest.raises(errors.InvalidSignature):
        _id(issuer, forged)
    head, _, sig = issuer.sign(issuer.id_claims()).split(".")
    tampered = ".".join([head, _b64(issuer.id_claims(sub="admin")), sig])
    with pytest.raises(errors.InvalidSignature):
        _id(issuer, tampered)


@pytest.mark.parametrize("changes, error", [
    ({"aud": "rp2"}, errors.WrongAudience),
    ({"aud": ["rp2", "rp3"]}, errors.WrongAudience),
    ({"aud": ["rp1", "untrusted"], "azp": "rp1"}, errors.WrongAudience),
    ({"aud": None}, errors.MissingClaim),
    ({"aud": ["rp1", "api"]}, errors.WrongAuthorizedParty),  # several audiences, no azp
    ({"azp": "rp2"}, errors.WrongAuthorizedParty),
    ({"iss": "https://evil.example"}, errors.WrongIssuer),
    ({"iss": ISSUER + "/"}, errors.WrongIssuer),
    ({"iss": None}, errors.WrongIssuer),
    ({"nonce": "n-2"}, errors.NonceMismatch),
    ({"nonce": None}, errors.NonceMismatch),
    ({"exp": int(time.time()) - 3600}, errors.Expired),
    ({"exp": None}, errors.MissingClaim),
    ({"exp": "tomorrow"}, errors.MissingClaim),
    ({"iat": int(time.time()) + 3600}, errors.IssuedInFuture),
    ({"sub": None}, errors.MissingClaim),
])
def test_bad_id_token_claims_are_refused_saying_why(issuer, changes, error):
    token = issuer.sign(issuer.id_claims(**changes))
    with pytest.raises(error):
        _id(issuer, token, trusted_audiences=["api"])


def test_an_access_token_is_not_an_id_token_and_back(issuer):
    with pytest.raises(errors.WrongType):
        _id(issuer, issuer.sign(issuer.id_claims(), typ="at+jwt"))
    with pytest.raises(errors.WrongType):
        _id(issuer, issuer.sign(issuer.id_claims(), typ="logout+jwt"))
    for typ in (None, "JWT", "jwt"):  # RFC 9068 §4: an access token MUST say at+jwt
        with pytest.raises(errors.WrongType):
            _access(issuer, issuer.sign(issuer.access_claims(), typ=typ))


@pytest.mark.parametrize("changes, error", [
    ({"aud": ["https://asset.tomps.example"]}, errors.WrongAudience),
    ({"aud": "https://asset.tomps.example"}, errors.WrongAudience),
    ({"aud": ["rp1"]}, errors.WrongAudience),
    ({"iss": "https://evil.example"}, errors.WrongIssuer),
    ({"exp": int(time.time()) - 60}, errors.Expired),
    ({"client_id": None}, errors.MissingClaim),
    ({"jti": None}, errors.MissingClaim),
])
def test_bad_access_tokens_are_refused_saying_why(issuer, changes, error):
    with pytest.raises(error):
        _access(issuer, issuer.sign(issuer.access_claims(**changes), typ="at+jwt"))


def test_expiry_has_a_bounded_leeway(issuer):
    late = issuer.sign(issuer.id_claims(exp=int(time.time()) - 20))
    assert _id(issuer, late, leeway=30)  # within the leeway
    with pytest.raises(errors.Expired):
        _id(issuer, late, leeway=0)
    for leeway in (MAX_LEEWAY + 1, -1, 86400, True):
        with pytest.raises(ValueError, match="leeway"):
            _id(issuer, late, leeway=leeway)


def test_alg_none_is_refused(issuer):
    unsigned = f"{_b64({'alg': 'none', 'kid': 'k1'})}.{_b64(issuer.id_claims())}."
    with pytest.raises(errors.AlgorithmNotAllowed):
        _id(issuer, unsigned)
    unsigned_access = f"{_b64({'alg': 'none', 'typ': 'at+jwt'})}.{_b64(issuer.access_claims())}."
    with pytest.raises(errors.AlgorithmNotAllowed):
        _access(issuer, unsigned_access)


def test_hmac_with_the_public_key_as_secret_is_refused(issuer):
    # The classic key-confusion forgery (RFC 8725 §2.1): HS256 keyed with the public key.
    signing_input = f"{_b64({'alg': 'HS256', 'kid': 'k1'})}.{_b64(issuer.id_claims())}"
    mac = hmac.new(issuer.key.as_pem(private=False), signing_input.encode(), hashlib.sha256)
    token = f"{signing_input}.{_b64(mac.digest())}"
    with pytest.raises(errors.AlgorithmNotAllowed):
        _id(issuer, token)


def test_an_alg_outside_the_allow_list_is_refused(issuer):
    token = issuer.sign(issuer.id_claims())
    with pytest.raises(errors.AlgorithmNotAllowed):
        _id(issuer, token, algorithms=["ES256"])


def test_an_unknown_kid_is_refused(issuer):
    with pytest.raises(errors.UnknownKey):
        _id(issuer, issuer.sign(issuer.id_claims(), kid="not-published"))
    with pytest.raises(errors.MalformedToken, match="kid"):
        _id(issuer, issuer.sign(issuer.id_claims(), kid=None))


@pytest.mark.parametrize("token", ["", "a.b", "a.b.c.d.e", "x" * 20000, None, 42,
                                   f"{_b64(b'[1]')}.{_b64({})}.sig", "!!.@@.##"])
def test_malformed_tokens_are_refused(issuer, token):
    with pytest.raises(errors.TokenRejected):
        _id(issuer, token)


def test_an_at_hash_for_another_access_token_is_refused(issuer):
    token = issuer.sign(issuer.id_claims(at_hash=half_hash("other", "RS256")))
    with pytest.raises(errors.AtHashMismatch):
        _id(issuer, token, access_token="mine")


def test_every_refusal_is_a_token_rejected_with_a_reason(issuer):
    with pytest.raises(errors.TokenRejected) as caught:
        _id(issuer, issuer.sign(issuer.id_claims(aud="rp2")))
    assert caught.value.reason == "wrong_aud" and "aud" in str(caught.value)
