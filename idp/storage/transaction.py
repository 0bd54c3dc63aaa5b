"""One transaction per unit of work: services wrap their writes in ``transaction()``."""

from contextlib import contextmanager

from ..extensions import db


@contextmanager
def transaction():
    """Commit the session when the block succeeds, roll back when it raises."""
    try:
        yield db.session
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
