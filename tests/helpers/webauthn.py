"""A software WebAuthn authenticator (ES256, "none" attestation) for crafting responses.

It builds exactly what a browser hands to the page (WebAuthn §6.1 authenticator data,
§6.5 attestation object, §5.8.1 client data), so the server's checks run on the real
bytes; each knob (origin, RP ID, flags, counter, user handle, signature) can be bent
to build the negative cases.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import struct

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

UP, UV, BE, BS, AT = 0x01, 0x04, 0x08, 0x10, 0x40


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64u(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Credential:
    def __init__(self, rp_id: str, user_handle: bytes, synced: bool = False):
        self.id = secrets.token_bytes(32)
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.rp_id, self.user_handle, self.synced = rp_id, user_handle, synced
        self.sign_count = 0

    def cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"),
                            -3: numbers.y.to_bytes(32, "big")})


class SoftAuthenticator:
    """Holds credentials; ``create``/``get`` answer options as navigator.credentials would."""

    def __init__(self, origin: str, counter_step: int = 1):
        self.origin = origin
        self.counter_step = counter_step  # 0: an authenticator without a signature counter
        self.credentials: dict[bytes, Credential] = {}

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge,
                           "origin": origin or self.origin, "crossOrigin": False}).encode()

    def create(self, options: dict, *, uv: bool = True, origin: str | None = None,
               rp_id: str | None = None, synced: bool = False) -> dict:
        """A registration response (PublicKeyCredential.toJSON()) for creation options."""
        rp = rp_id or options["rp"]["id"]
        credential = Credential(options["rp"]["id"], unb64u(options["user"]["id"]), synced)
        self.credentials[credential.id] = credential
        flags = UP | AT | (UV if uv else 0) | ((BE | BS) if synced else 0)
        auth_data = (hashlib.sha256(rp.encode()).digest() + bytes([flags])
                     + struct.pack(">I", credential.sign_count) + bytes(16)
                     + struct.pack(">H", len(credential.id)) + credential.id
                     + credential.cose_key())
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        return {"id": b64u(credential.id), "rawId": b64u(credential.id), "type": "public-key",
                "response": {"clientDataJSON": b64u(client_data),
                             "attestationObject": b64u(attestation),
                             "transports": ["internal", "hybrid"]},
                "clientExtensionResults": {}, "authenticatorAttachment": "platform"}

    def get(self, options: dict, *, credential: Credential | None = None, uv: bool = True,
            up: bool = True, origin: str | None = None, rp_id: str | None = None,
            sign_count: int | None = None, user_handle: bytes | None = None,
            forge: bool = False) -> dict:
        """An assertion (PublicKeyCredential.toJSON()) for request options."""
        credential = credential or next(iter(self.credentials.values()))
        if sign_count is None:
            credential.sign_count += self.counter_step
            sign_count = credential.sign_count
        flags = (UP if up else 0) | (UV if uv else 0) | ((BE | BS) if credential.synced else 0)
        rp = rp_id or options.get("rpId") or credential.rp_id
        auth_data = (hashlib.sha256(rp.encode()).digest() + bytes([flags])
                     + struct.pack(">I", sign_count))
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        signed = auth_data + hashlib.sha256(client_data).digest()
        key = ec.generate_private_key(ec.SECP256R1()) if forge else credential.key
        signature = key.sign(signed, ec.ECDSA(hashes.SHA256()))
        handle = credential.user_handle if user_handle is None else user_handle
        return {"id": b64u(credential.id), "rawId": b64u(credential.id), "type": "public-key",
                "response": {"clientDataJSON": b64u(client_data),
                             "authenticatorData": b64u(auth_data), "signature": b64u(signature),
                             "userHandle": b64u(handle)},
                "clientExtensionResults": {}, "authenticatorAttachment": "platform"}
