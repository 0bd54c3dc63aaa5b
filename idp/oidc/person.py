"""A person as the hot path reads one: the columns the claims need, without the ORM."""

from __future__ import annotations

from ..storage.models import User


class Person:
    """The columns of a person the claims need (userinfo, the refresh grant's tokens)."""

    __slots__ = ("id", "email", "given_name", "family_name", "locale", "email_verified",
                 "updated_at")

    def __init__(self, *values):
        for name, value in zip(self.__slots__, values, strict=True):
            setattr(self, name, value)

    name = User.name
    subject = User.subject
    disabled = False  # only enabled people are read into a Person
