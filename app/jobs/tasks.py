"""Every kind of job, by name."""

from __future__ import annotations

from app.jobs.worker import Task, Worker
from app.runtime import Runtime


def all_tasks() -> dict[str, Task]:
    from app.services.issuance import run_issuance

    return {"issue": run_issuance}


def make_worker(runtime: Runtime) -> Worker:
    settings = runtime.settings
    worker = Worker(all_tasks(), settings.worker_concurrency, lease=settings.job_lease_seconds)
    runtime.worker = worker
    return worker
