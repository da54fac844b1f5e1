"""The jobs kept per certificate (issue, renew, ari): at most one of each kind at a time,
keyed by the certificate, so that asking twice queues one job."""

from __future__ import annotations

from dataclasses import dataclass

from app.jobs.queue import announce_queued, enqueue
from models.certificate import Certificate
from models.job import Job


@dataclass(frozen=True)
class CertificateJob:
    kind: str

    def key(self, cert_id: int) -> str:
        return f"{self.kind}:{cert_id}"

    async def schedule(self, cert_id: int, user_id: int) -> None:
        """Queue the job as the owner's work (claims are fair across users)."""
        await enqueue(self.kind, {"certificate_id": cert_id}, key=self.key(cert_id),
                      user_id=user_id)

    async def schedule_each(self, cert_ids: list[int]) -> None:
        """Queue the job for each certificate still there, the owners read in one query; the
        workers are woken once for the whole batch."""
        rows = await Certificate.filter(id__in=cert_ids).values_list("id", "user_id")
        owners = {int(cert_id): int(user_id) for cert_id, user_id in rows}
        for cert_id in cert_ids:
            if cert_id in owners:
                await enqueue(self.kind, {"certificate_id": cert_id}, key=self.key(cert_id),
                              user_id=owners[cert_id], announce=False)
        if owners:
            await announce_queued()


ISSUE = CertificateJob("issue")
RENEW = CertificateJob("renew")
CHECK_RENEWAL_INFO = CertificateJob("ari")


async def certificate_of(job: Job) -> Certificate | None:
    """The job's certificate; None once deleted."""
    return await Certificate.get_or_none(id=job.payload["certificate_id"])
