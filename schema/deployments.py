"""Deployment queries and mutations: the same services as deployments.php."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

import strawberry

from app.services import messages
from app.services.deployments import checks, records, runs
from app.services.deployments import targets as deployment_targets
from schema.context import Info
from schema.types.account import MessagePayload
from schema.types.deployment import (
    Deployment,
    DeploymentCheck,
    DeploymentKind,
    DeploymentSettings,
    DeploymentTarget,
)
from schema.types.enums import value

TARGET_ID = strawberry.argument(description="The deployment target's id")
CERTIFICATE_ID = strawberry.argument(description="The certificate's id")
SOME_CERTIFICATE = strawberry.argument(
    description="Only this attached certificate (default: all of them)")


def _settings(given: DeploymentSettings | None) -> dict[str, Any]:
    return {} if given is None else {
        f.name: getattr(given, f.name) for f in dataclasses.fields(given)}


@strawberry.type
class DeploymentQueries:
    @strawberry.field(description="Your deployment targets")
    async def deployment_targets(self, info: Info) -> list[DeploymentTarget]:
        found = await deployment_targets.list_targets(user=await info.context.user())
        return [DeploymentTarget.of(t) for t in found]

    @strawberry.field(description="One of your deployment targets (NOT_FOUND for anyone "
                                  "else's)")
    async def deployment_target(self, info: Info,
                                id: Annotated[int, TARGET_ID]) -> DeploymentTarget:
        return DeploymentTarget.of(await deployment_targets.get_target(
            user=await info.context.user(), id=id))

    @strawberry.field(description="Your deployment records (one per target and certificate "
                                  "attached), of one certificate and/or one target")
    async def deployments(
            self, info: Info,
            certificate_id: Annotated[int | None, strawberry.argument(
                description="Only this certificate's")] = None,
            target_id: Annotated[int | None, strawberry.argument(
                description="Only this target's")] = None) -> list[Deployment]:
        found = await records.list_deployments(user=await info.context.user(), id=target_id,
                                               certificate_id=certificate_id)
        return [Deployment.of(d) for d in found]


@strawberry.type
class DeploymentMutations:
    @strawberry.mutation(description="Create a deployment target")
    async def create_deployment_target(
            self, info: Info,
            name: Annotated[str, strawberry.argument(description=(
                f"A name of your choice (at most {deployment_targets.MAX_NAME} characters)"))],
            kind: Annotated[DeploymentKind, strawberry.argument(description="Its kind")],
            settings: Annotated[DeploymentSettings, strawberry.argument(
                description="The kind's settings")]) -> DeploymentTarget:
        return DeploymentTarget.of(await deployment_targets.create_target(
            user=await info.context.user(), name=name, kind=value(kind),
            **_settings(settings)))

    @strawberry.mutation(description="Change a target's settings; those left out stay")
    async def update_deployment_target(
            self, info: Info, id: Annotated[int, TARGET_ID],
            name: Annotated[str | None, strawberry.argument(description="A new name")] = None,
            settings: Annotated[DeploymentSettings | None, strawberry.argument(
                description="Settings to change")] = None) -> DeploymentTarget:
        return DeploymentTarget.of(await deployment_targets.update_target(
            user=await info.context.user(), id=id, name=name, **_settings(settings)))

    @strawberry.mutation(description="Delete a deployment target (deployed files stay)")
    async def delete_deployment_target(self, info: Info,
                                       id: Annotated[int, TARGET_ID]) -> MessagePayload:
        await deployment_targets.delete_target(user=await info.context.user(), id=id)
        return MessagePayload(message=messages.DEPLOYMENT_TARGET_DELETED)

    @strawberry.mutation(description="Attach a certificate to a target: deployed now when "
                                     "issued, and after each renewal")
    async def attach_certificate(self, info: Info, target_id: Annotated[int, TARGET_ID],
                                 certificate_id: Annotated[int, CERTIFICATE_ID]) -> Deployment:
        return Deployment.of(await records.attach(
            user=await info.context.user(), id=target_id, certificate_id=certificate_id))

    @strawberry.mutation(description="Detach a certificate from a target")
    async def detach_certificate(self, info: Info, target_id: Annotated[int, TARGET_ID],
                                 certificate_id: Annotated[int, CERTIFICATE_ID],
                                 ) -> MessagePayload:
        await records.detach(user=await info.context.user(), id=target_id,
                             certificate_id=certificate_id)
        return MessagePayload(message=messages.CERTIFICATE_DETACHED)

    @strawberry.mutation(description="Deploy now: each issued certificate attached to the "
                                     "target, or the one named; runs in the background")
    async def deploy_now(self, info: Info, target_id: Annotated[int, TARGET_ID],
                         certificate_id: Annotated[int | None, SOME_CERTIFICATE] = None,
                         ) -> list[Deployment]:
        done = await runs.deploy_now(user=await info.context.user(), id=target_id,
                                     certificate_id=certificate_id)
        return [Deployment.of(d) for d in done]

    @strawberry.mutation(description="Open a TLS connection to the target's service and "
                                     "report the serial it presents")
    async def check_deployment_target(
            self, info: Info, target_id: Annotated[int, TARGET_ID],
            certificate_id: Annotated[int | None, SOME_CERTIFICATE] = None,
            ) -> DeploymentCheck:
        return DeploymentCheck.of(await checks.check_target(
            user=await info.context.user(), id=target_id, certificate_id=certificate_id))
