"""The v1 resources, in the order the OpenAPI document lists them, and their alias paths
(one action a path: what a typed client generated from OpenAPI can call)."""

from app.rest.v1 import (
    account,
    auth,
    certificates,
    deployments,
    domains,
    notifications,
    renewal,
)

MODULES = (auth, account, domains, certificates, renewal, notifications, deployments)
RESOURCES = tuple(module.RESOURCE for module in MODULES)
ALIASES = tuple(alias for module in MODULES for alias in module.ALIASES)
