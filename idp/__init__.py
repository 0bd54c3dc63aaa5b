"""Tomps Identity: the OpenID Connect provider of the Tomps suite.

``create_app`` is imported on first use (PEP 562), so ``import idp.rp`` — the
relying-party kit, also shipped alone as ``tomps-identity-rp`` — never loads the
server and its dependencies.
"""

__all__ = ["create_app"]


def __getattr__(name):
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(f"module 'idp' has no attribute {name!r}")
