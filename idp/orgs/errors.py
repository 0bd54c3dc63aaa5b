"""Errors of the orgs part: bad input (OrgError)."""

from ..errors import IdPError


class OrgError(IdPError):
    """Bad input for an organisation, plan, product or subscription operation (safe to show)."""

