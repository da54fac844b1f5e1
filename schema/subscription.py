"""certificateEvents: each status or stage change of the user's certificates, live, over
graphql-transport-ws, wherever the worker runs (app/events.py carries them)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Annotated

import strawberry

from app.events import CERTIFICATE
from app.runtime import current
from app.services.certificates import records as certificates
from schema.context import Info
from schema.types.certificate import Certificate
from schema.types.enums import CertificateStatus


@strawberry.type(description="A change of one of your certificates")
class CertificateEvent:
    certificate_id: int = strawberry.field(description="The certificate that changed")
    status: CertificateStatus = strawberry.field(description="Its status after the change")
    stage: str = strawberry.field(description="Its stage after the change (see "
                                              "Certificate.stage)")
    at: datetime = strawberry.field(description="When the change happened")

    @strawberry.field(description="The certificate as it is now (null once deleted)")
    async def certificate(self, info: Info) -> Certificate | None:
        view = await certificates.find_certificate(user=await info.context.user(),
                                                   id=self.certificate_id)
        return Certificate.of(view) if view else None


@strawberry.type(description="Live events, over WebSocket only (graphql-transport-ws at "
                             "/graphql); the token goes in connection_init's payload")
class Subscription:
    @strawberry.subscription(description="Status changes of your certificates (or of one)")
    async def certificate_events(
            self, info: Info,
            id: Annotated[int | None, strawberry.argument(
                description="Only this certificate's events (default: all of yours)")] = None,
            ) -> AsyncGenerator[CertificateEvent, None]:
        user = await info.context.user()
        if id is not None:  # another user's id: NOT_FOUND, as everywhere
            await certificates.show_certificate(user=user, id=id)
        async with current().events.subscribe(user.id) as queue:
            while True:
                event = await queue.get()
                if event.kind == CERTIFICATE and id in (None, event.certificate_id):
                    yield CertificateEvent(certificate_id=event.certificate_id,
                                           status=CertificateStatus(event.status),
                                           stage=event.stage,
                                           at=datetime.fromisoformat(event.at))
