"""Keystore: signing keys, their encryption at rest, their states and the JWKS.

Private keys are sealed under the key-encryption key (KEK) with crypto/envelope.py;
``kek.py`` finds that KEK, ``keys.py`` generates keys and reads them,
``rotation.py`` is the state machine (next → active → retired → removed),
``revocation.py`` the emergency exit, ``rewrap.py`` moves every key to a new
KEK, ``signer.py`` is the only code that signs with private keys, and
``jwks.py`` is the public view (JWKS document, Cache-Control, verification).
Operator runbook: docs/keys-runbook.md.
"""
