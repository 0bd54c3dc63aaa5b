"""Errors of the orgs part: bad input (OrgError) and RFC 8707 invalid_target."""

from ..errors import IdPError


class OrgError(IdPError):
    """Bad input for an organisation, plan, product or subscription operation (safe to show)."""


class InvalidTarget(OrgError):
    """A ``resource`` outside the plan (RFC 8707 §2: error ``invalid_target``)."""

    error = "invalid_target"
