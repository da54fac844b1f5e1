"""Every kind of job, by name."""

from __future__ import annotations

import logging

from app.jobs.worker import Task, Worker
from app.runtime import Runtime

log = logging.getLogger(__name__)


def all_tasks() -> dict[str, Task]:
    from app.services.certificates.issuance import run_issuance
    from app.services.certificates.renewal import run_renewal
    from app.services.certificates.renewal_info import run_check
    from app.services.certificates.sweeps import run_sweep
    from app.services.deployments.runs import run_deploy
    from app.services.notifications.deliveries import run_delivery

    return {"issue": run_issuance, "renew": run_renewal, "sweep": run_sweep,
            "ari": run_check, "deliver": run_delivery, "deploy": run_deploy}


def make_worker(runtime: Runtime) -> Worker:
    settings = runtime.settings
    from app.services.certificates.sweeps import ensure_scheduled

    worker = Worker(all_tasks(), settings.worker_concurrency, lease=settings.job_lease_seconds,
                    poll_interval=settings.worker_poll_seconds)

    async def listen() -> None:
        """Woken when any process queues a job (the event bus); again at each idle poll,
        which restarts a listener whose connection was lost."""
        await runtime.events.watch_jobs(worker.wake.set)

    async def start() -> None:
        try:
            await listen()  # before the first claim: no job queued in between is missed
        except Exception:  # the bus is away: the poll finds the jobs, the next one retries
            log.warning("could not listen for new jobs", exc_info=True)
        await ensure_scheduled()  # the one sweep row; every worker may bring it forward

    worker.on_start = start
    worker.on_idle = listen
    runtime.worker = worker
    return worker
