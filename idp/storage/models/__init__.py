"""Every SQLAlchemy model, by domain. Importing this package registers them all
on ``db.metadata`` (what Alembic compares against)."""

from .accounts import User
from .keys import SigningKey
from .oauth import Client

__all__ = ["Client", "SigningKey", "User"]
