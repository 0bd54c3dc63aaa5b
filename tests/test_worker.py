"""idp/worker.py: one explicit list of jobs, which no part appends to at start-up."""

from __future__ import annotations


def test_the_worker_runs_an_explicit_list_of_jobs(instances):
    from idp import worker

    names = [f"{job.__module__}.{job.__name__}" for job in worker.JOBS]
    assert names == ["idp.sessions.delivery.deliver_due", "idp.orgs.outbox.deliver_due",
                     "idp.billing.jobs.worker_job", "idp.oidc.jobs.worker_job"]
    assert isinstance(worker.JOBS, tuple)  # nothing appends to it
    instances()  # building another app registers nothing more
    assert [f"{job.__module__}.{job.__name__}" for job in worker.JOBS] == names
