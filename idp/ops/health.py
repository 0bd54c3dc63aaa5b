"""/healthz (the process answers) and /readyz (its database and store answer)."""

from flask import Blueprint, jsonify
from sqlalchemy import text

from ..extensions import db
from ..storage.store import get_store

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    checks = {"database": _database_ok(), "store": _store_ok()}
    failing = [name for name, ok in checks.items() if not ok]
    body = {"status": "ok" if not failing else "unavailable", "checks": checks}
    if failing:
        body["failing"] = failing
    return jsonify(body), (503 if failing else 200), {"Cache-Control": "no-store"}


def _database_ok() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 — any failure means "not ready"
        db.session.rollback()
        return False


def _store_ok() -> bool:
    try:
        return get_store().ping()
    except Exception:  # noqa: BLE001
        return False
