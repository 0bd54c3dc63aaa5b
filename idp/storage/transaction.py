"""One transaction per unit of work: services wrap their writes in ``transaction()``.

Blocks nest: an inner ``transaction()`` (a service called from another's unit of
work, or a signal receiver such as the OIDC part's reaction to ``session_ended``)
joins the outer one as a SAVEPOINT instead of committing it half-done. Only the
outermost block commits; an inner block that raises rolls back to its savepoint.
"""

from contextlib import contextmanager

from ..extensions import db

_DEPTH = "idp.transaction_depth"


@contextmanager
def transaction():
    """Commit the session when the outermost block succeeds, roll back when it raises."""
    info = db.session.info
    depth = info.get(_DEPTH, 0)
    info[_DEPTH] = depth + 1
    try:
        if depth:
            with db.session.begin_nested():
                yield db.session
            return
        try:
            yield db.session
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
    finally:
        info[_DEPTH] = depth
