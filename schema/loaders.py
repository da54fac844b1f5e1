"""Per-request DataLoaders over the services' batch reads: a page of certificates costs a
fixed number of queries however many certificates it holds (tests/graphql/test_queries.py
counts them)."""

from __future__ import annotations

from dataclasses import dataclass, field

from strawberry.dataloader import DataLoader

from app.services.certificates import records as certificates
from app.services.certificates.view import Version
from app.services.domains import ownership as domains
from app.services.domains.ownership import DomainView


@dataclass
class Loaders:
    versions: DataLoader[int, list[Version]] = field(
        default_factory=lambda: DataLoader(load_fn=certificates.versions_of))
    domains_of_user: DataLoader[int, list[DomainView]] = field(
        default_factory=lambda: DataLoader(load_fn=domains.domains_of_users))
