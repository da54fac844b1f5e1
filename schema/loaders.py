"""Per-request DataLoaders: a page of certificates costs a fixed number of queries however
many certificates it holds (tests/graphql/test_queries.py counts them)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from strawberry.dataloader import DataLoader

from models.certificate import CertificateVersion
from models.domain import Domain


async def _versions(cert_ids: Sequence[int]) -> list[list[CertificateVersion]]:
    rows = await CertificateVersion.filter(certificate_id__in=list(cert_ids)).order_by(
        "-replaced_at", "-id")
    found: dict[int, list[CertificateVersion]] = defaultdict(list)
    for row in rows:
        found[row.certificate_id].append(row)
    return [found[i] for i in cert_ids]


async def _domains(user_ids: Sequence[int]) -> list[list[Domain]]:
    rows = await Domain.filter(user_id__in=list(user_ids)).order_by("name")
    found: dict[int, list[Domain]] = defaultdict(list)
    for row in rows:
        found[row.user_id].append(row)
    return [found[i] for i in user_ids]


@dataclass
class Loaders:
    versions: DataLoader[int, list[CertificateVersion]] = field(
        default_factory=lambda: DataLoader(load_fn=_versions))
    domains_of_user: DataLoader[int, list[Domain]] = field(
        default_factory=lambda: DataLoader(load_fn=_domains))
