"""One transaction per unit of work: services wrap their writes in ``transaction()``.

``transaction(atomic=True)`` opens a unit of work that whatever runs inside it joins:
an inner ``transaction()`` (a service called from it, or a signal receiver such as
the OIDC part's reaction to ``session_ended``) becomes a SAVEPOINT instead of
committing the outer work half-done. Only the outermost block commits; an inner
block that raises rolls back to its savepoint. Outside an atomic block an inner
``transaction()`` commits as it always did (some services record a refusal that
must outlive the caller's rollback).

``transaction(expire=False)`` keeps the objects loaded in the session as they are
after this one commit (instead of expiring them, SQLAlchemy's default): for a
request that goes on reading what it has just written or read (the token
grants), where a reload would cost one SELECT per object and tell it nothing new.
"""


from contextlib import contextmanager

from ..extensions import db

_ATOMIC = "idp.atomic_depth"


@contextmanager
def transaction(*, atomic: bool = False, expire: bool = True):
    """Commit the session when the block succeeds, roll back when it raises."""
    info = db.session.info
    depth = info.get(_ATOMIC, 0)
    if depth:
        info[_ATOMIC] = depth + 1
        try:
            with db.session.begin_nested():
                yield db.session
        finally:
            info[_ATOMIC] = depth
        return
    info[_ATOMIC] = 1 if atomic else 0
    try:
        yield db.session
        _commit(expire)
    except BaseException:
        db.session.rollback()
        raise
    finally:
        info[_ATOMIC] = 0


def inside_atomic() -> bool:
    """Whether an atomic ``transaction()`` is open: what runs now commits only with it."""
    return bool(db.session.info.get(_ATOMIC, 0))


def _commit(expire: bool) -> None:
    session = db.session()
    if expire:
        session.commit()
        return
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True
