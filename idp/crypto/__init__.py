"""Cryptographic building blocks that know nothing of the IdP's records.

``hashing``: argon2id (RFC 9106) for passwords, recovery codes and client secrets, with
the configured cost parameters. ``envelope``: AES-256-GCM for secrets at rest (signing
keys, TOTP secrets), bound to the row they belong to. The bottom layer: storage,
accounts, clients and the keystore use them from below; nothing here imports another
part of the IdP.
"""
