"""Tomps Identity: the OpenID Connect provider of the Tomps suite."""

from .app import create_app

__all__ = ["create_app"]
