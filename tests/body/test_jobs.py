"""BodyJob and UserActivity: background work on bodies, cancellable, stepping aside for the user."""

from __future__ import annotations

import threading
import time

import app.body.jobs
import app.body.store
from app.body.jobs import BodyJob, JobCancelled, UserActivity


def test_the_store_module_still_exports_the_background_work() -> None:
    for name in app.body.jobs.__all__:
        assert name in app.body.store.__all__
        assert getattr(app.body.store, name) is getattr(app.body.jobs, name)


def test_body_job_runs_posts_and_reports() -> None:
    def work(job: BodyJob[int]) -> int:
        for i in range(3):
            job.post(i)
        return 42

    job = BodyJob(work).start()
    assert job.wait(5)
    assert (job.result, job.error, job.take(), job.take()) == (42, None, [0, 1, 2], [])


def test_body_job_cancel_and_failure_never_escape_the_thread() -> None:
    started = threading.Event()

    def slow(job: BodyJob[None]) -> None:
        started.set()
        while True:
            job.check()

    job = BodyJob(slow).start()
    started.wait(5)
    job.cancel()
    assert job.wait(5) and isinstance(job.error, JobCancelled)

    def broken(job: BodyJob[None]) -> None:
        raise OSError(28, "No space left on device")

    failed = BodyJob(broken).start()
    assert failed.wait(5) and isinstance(failed.error, OSError)


def test_user_activity_holds_workers_back_while_the_user_works() -> None:
    activity = UserActivity(quiet=0.05)
    assert not activity.busy()
    with activity.working():
        assert activity.busy()
    activity.touch()
    assert activity.busy()
    started = time.monotonic()
    activity.wait_until_idle()
    assert 0.03 < time.monotonic() - started < 1 and not activity.busy()
    activity.touch()
    started = time.monotonic()
    activity.wait_until_idle(cancelled=lambda: True)        # a cancelled worker goes at once
    assert time.monotonic() - started < 0.03
