"""certificateEvents: the state of the user's certificates when subscribing, then each change
a user would care about (status, stage, last error, renewal moment), live, over
graphql-transport-ws, wherever the worker runs (app/events.py carries them)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from app.events import UserEvent
from app.services.certificates import live
from app.services.certificates import records as certificates
from schema.context import Info
from schema.types.certificate import Certificate
from schema.types.enums import CertificateChange, CertificateStatus


@strawberry.type(description="A certificate's state: as it is on subscribing (changed is "
                             "empty), then after each change")
class CertificateEvent:
    certificate_id: int = strawberry.field(description="The certificate's id")
    status: CertificateStatus = strawberry.field(description="Its status")
    stage: str = strawberry.field(description="Progress inside pending, or the last step")
    last_error: JSON | None = strawberry.field(
        description="The CA's problem document from the last failed attempt (null: none)")
    renew_at: datetime | None = strawberry.field(
        description="When casp renews it (null without autoRenew or before issuance)")
    changed: list[CertificateChange] = strawberry.field(
        description="What changed (empty: the state as it was when you subscribed)")
    at: datetime = strawberry.field(description="When the certificate was last updated")

    @classmethod
    def of(cls, event: UserEvent) -> CertificateEvent:
        return cls(certificate_id=event.certificate_id, status=CertificateStatus(event.status),
                   stage=event.stage,
                   last_error=None if event.last_error is None else JSON(event.last_error),
                   renew_at=datetime.fromisoformat(event.renew_at) if event.renew_at else None,
                   changed=[CertificateChange(name) for name in event.changed],
                   at=datetime.fromisoformat(event.at))

    @strawberry.field(description="The certificate as it is now (null once deleted)")
    async def certificate(self, info: Info) -> Certificate | None:
        view = await certificates.find_certificate(user=await info.context.user(),
                                                   id=self.certificate_id)
        return Certificate.of(view) if view else None


@strawberry.type(description="Live events, over WebSocket only (graphql-transport-ws at "
                             "/graphql); the token goes in connection_init's payload")
class Subscription:
    @strawberry.subscription(description="Your certificates' events (or one's): first the "
                             "state now (of that one, or of each pending one), then every "
                             "change of status, stage, lastError or renewAt")
    async def certificate_events(
            self, info: Info,
            id: Annotated[int | None, strawberry.argument(
                description="One certificate (null: all of yours)")] = None,
    ) -> AsyncGenerator[CertificateEvent, None]:
        async for event in live.follow(user=await info.context.user(), id=id):
            yield CertificateEvent.of(event)
