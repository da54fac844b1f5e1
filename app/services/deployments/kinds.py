"""The one interface every kind of deployment target implements (SSH, webhook; a Kubernetes
secret or a CDN's API would be more): how its settings are checked, and how a certificate
is deployed. The job, the records, retries and notifications are the same for all kinds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Bundle:
    """What is deployed: one certificate's current version and its key."""

    certificate_id: int
    domains: list[str]
    serial: str
    fullchain_pem: str
    key_pem: str
    expires_at: str  # ISO 8601


@dataclass(frozen=True)
class Spec:
    """A target as its kind sees it: its settings and its secret in clear."""

    id: int
    name: str
    config: dict[str, Any]
    secret: str | None


class DeployFailed(Exception):
    """A deployment attempt failed; `retry` False when trying again cannot help (a changed
    host key, a private address): the message is what the user reads in last_error."""

    def __init__(self, message: str, *, retry: bool = True) -> None:
        super().__init__(message)
        self.retry = retry


class Kind(Protocol):
    name: str
    # The settings it takes besides `secret` (a FieldError names one that is wrong).
    fields: tuple[str, ...]

    def settings(self, given: dict[str, Any], old: dict[str, Any] | None,
                 secret: str | None) -> tuple[dict[str, Any], str | None]:
        """The config and secret to store from what was given (None: left out) over the
        old ones (None on create); raises ValidationFailed naming the field."""
        ...

    def check_address(self, config: dict[str, Any]) -> tuple[str, int] | None:
        """Where a TLS client reaches what this target serves (host, port), if anywhere."""
        ...

    async def deploy(self, spec: Spec, bundle: Bundle) -> dict[str, Any]:
        """Deploy the bundle; answers config changes to keep (an SSH host key recorded on
        first use). Raises DeployFailed."""
        ...


def registry() -> dict[str, Kind]:
    from app.services.deployments import ssh, webhook

    return {ssh.KIND.name: ssh.KIND, webhook.KIND.name: webhook.KIND}


KINDS = ("ssh", "webhook")
