"""Keystore: signing keys, their encryption at rest, their states and the JWKS.

``envelope.py`` encrypts private keys under the key-encryption key (KEK),
``kek.py`` finds that KEK, ``keys.py`` generates keys and moves them between
states, ``signer.py`` is the only code that touches private keys, and
``jwks.py`` is the public view.
"""
