"""Storage: SQLAlchemy models (the system of record), one transaction per unit of
work, and the short-lived shared store (Redis, or an in-process stand-in for the
embedded default) behind one interface."""

from .store import Store, get_store
from .transaction import transaction

__all__ = ["Store", "get_store", "transaction"]
