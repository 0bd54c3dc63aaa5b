"""Two (or more) concurrent rotations leave exactly one active key per alg."""

import threading

from sqlalchemy import func, select

from idp.extensions import db
from idp.keystore import rotation
from idp.keystore.keys import keys_in
from idp.storage.models import SigningKey

from .conftest import wait_out_max_age

RUNS = 6


def _rotate_in_threads(app, alg: str) -> list:
    barrier = threading.Barrier(RUNS)
    results = [None] * RUNS

    def run(i):
        with app.app_context():
            barrier.wait()
            try:
                results[i] = rotation.rotate(alg).action
            except rotation.RotationRefused:
                results[i] = "refused"  # started after the winner: its new next is too young
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(RUNS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_concurrent_rotations_one_wins_the_others_are_told(app, ctx):
    old = keys_in("RS256", "active")[0].kid
    candidate = rotation.generate("RS256").kid
    wait_out_max_age(app)
    db.session.remove()
    results = _rotate_in_threads(app, "RS256")
    assert results.count("rotated") == 1, results
    assert set(results) <= {"rotated", "already_rotated", "refused"}
    assert "already_rotated" in results  # at least one lost the race inside its transaction
    assert [k.kid for k in keys_in("RS256", "active")] == [candidate]
    assert [k.kid for k in keys_in("RS256", "retired")] == [old]
    assert len(keys_in("RS256", "next")) == 1


def test_the_database_allows_one_active_key_per_alg(app, ctx):
    import pytest
    from sqlalchemy.exc import IntegrityError

    from idp.keystore.keys import new_key

    new_key("RS256", state="active")
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    count = db.session.scalar(select(func.count()).select_from(SigningKey)
                              .where(SigningKey.state == "active"))
    assert count == 1


def test_concurrent_rotate_commands_in_separate_processes(app, ctx, settings_env):
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    env = dict(os.environ, **settings_env, PYTHONPATH=ROOT)
    command = [sys.executable, "-m", "idp", "keys", "rotate", "--force", "--json"]
    procs = [subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(3)]
    results = [proc.communicate(timeout=60) + (proc.returncode,) for proc in procs]
    assert all(code == 0 for _, _, code in results), results
    import json

    actions = [json.loads(out)["action"] for out, _, _ in results]
    assert set(actions) <= {"rotated", "already_rotated"} and "rotated" in actions
    db.session.remove()
    assert len(keys_in("RS256", "active")) == 1
    assert len(keys_in("RS256", "retired")) == actions.count("rotated")
