"""Clients: the relying parties registered with the IdP, and how they are looked up.

``registry``: register, change, rotate the secret of, delete and find a client (the CLI,
the demo); ``cache``: the per-process snapshot of registrations the protocol endpoints
read, dropped everywhere when the registry changes one; ``uris``: which redirect,
post-logout and back-channel URIs may be registered; ``secrets``: client secrets —
generated once, stored as an argon2id hash, verified once and then remembered.

A part of its own, below both of its users: the authorization server (oidc) asks who
a client is and whether its secret matches; back-channel logout delivery (sessions)
asks where a client wants logout tokens and how it wants them signed.
"""
