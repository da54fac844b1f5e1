"""How casp answers challenges for one certificate: http-01 from the database, dns-01 by
RFC 2136 at the delegation target, or by waiting for the user's own TXT records; and
dns-persist-01 by checking the user's one persistent record (persist.py)."""

from __future__ import annotations

import logging

from app.acme.errors import AcmeProblem, AwaitingDns
from app.acme.interface import Challenge
from app.runtime import current
from app.services.certificates import persist
from app.services.certificates.saving import save
from app.services.domains import holders, names, ownership
from app.services.domains.dns import DnsUpdater, Lookup, parse_tsig
from models.acme_account import AcmeAccount
from models.certificate import Certificate, HttpChallenge
from models.user import User

log = logging.getLogger(__name__)
NOT_HOLDER = "casp:notHolder"


def record_name(identifier: str) -> str:
    return f"_acme-challenge.{identifier}"


async def dns_routes(user: User, cert: Certificate) -> dict[str, str]:
    """For dns-01: record name -> delegation target, for each name whose CNAME is in place."""
    settings = current().settings
    if cert.challenge_type != "dns-01" or not settings.delegation_ready:
        return {}
    bare = [n[2:] if n.startswith("*.") else n for n in cert.domains]
    covering = await ownership.domains_for(user, bare)
    lookup = Lookup.of(settings)
    routes = {}
    for name, domain in covering.items():
        target = ownership.delegation_target(domain)
        if target and await lookup.cname(record_name(name)) == target:
            routes[record_name(name)] = target
    return routes


class IssuanceHooks:
    def __init__(self, cert: Certificate, account: AcmeAccount, routes: dict[str, str],
                 order_field: str = "order_url"):
        self.cert = cert
        self.account = account
        self.routes = routes
        self.order_field = order_field  # where this attempt's order URL is saved

    async def account_registered(self, url: str) -> None:
        self.account.account_url = url
        await self.account.save(update_fields=["account_url"])

    async def order_created(self, url: str) -> None:
        # Logged first: the CA has the order from now on, whatever happens to this process.
        log.info("ACME order placed for certificate %s: %s", self.cert.id, url,
                 extra={"certificate_id": self.cert.id, "order_url": url})
        await save(self.cert, **{self.order_field: url}, stage="authorizing")

    async def publish(self, challenges: list[Challenge]) -> None:
        http = [c for c in challenges if c.type == "http-01"]
        now = current().clock.now()
        for c in http:
            await HttpChallenge.update_or_create(
                token=c.token, defaults={"key_authorization": c.validation,
                                         "certificate_id": self.cert.id, "created_at": now})
        dns = [c for c in challenges if c.type == "dns-01"]
        if dns:
            await self._publish_dns(dns)
        lasting = [c for c in challenges if c.type == persist.TYPE]
        if lasting:
            await self._check_persist(lasting)

    async def _check_persist(self, challenges: list[Challenge]) -> None:
        """Read-only: answer only once every name has its record; until then the user sees
        the records to publish and why each is not good yet."""
        missing = await persist.check(self.cert, challenges)
        if missing:
            await save(self.cert, dns_records=persist.records_of(challenges),
                       stage="awaiting_dns")
            raise AwaitingDns(f"dns-persist-01 record not in place: {'; '.join(missing)}")

    async def _publish_dns(self, dns: list[Challenge]) -> None:
        settings = current().settings
        delegated = [c for c in dns if record_name(c.identifier) in self.routes]
        manual = [c for c in dns if record_name(c.identifier) not in self.routes]
        if delegated:
            updater = _updater()
            for c in delegated:
                await updater.add_txt(self.routes[record_name(c.identifier)], c.validation)
        if manual:
            records = [{"name": record_name(c.identifier), "type": "TXT", "value": c.validation}
                       for c in manual]
            await save(self.cert, dns_records=records, stage="awaiting_dns")
        await self._wait_visible(delegated, settings.dns_propagation_seconds)
        await self._wait_visible(manual, 2.0)

    async def _wait_visible(self, challenges: list[Challenge], within: float) -> None:
        """Confirm through the resolver before answering: propagation fails most issuance."""
        wanted: dict[str, set[str]] = {}
        for c in challenges:
            wanted.setdefault(record_name(c.identifier), set()).add(c.validation)
        lookup = Lookup.of(current().settings)
        missing = [name for name, values in wanted.items()
                   if not await lookup.wait_txt(name, values, within)]
        if missing:
            raise AwaitingDns(f"TXT records not visible yet at {', '.join(missing)}")

    async def unpublish(self, challenges: list[Challenge]) -> None:
        await HttpChallenge.filter(
            token__in=[c.token for c in challenges if c.type == "http-01"]).delete()
        delegated = [c for c in challenges
                     if c.type == "dns-01" and record_name(c.identifier) in self.routes]
        if delegated:
            updater = _updater()
            for c in delegated:
                await updater.delete_txt(self.routes[record_name(c.identifier)], c.validation)


def _updater() -> DnsUpdater:
    settings = current().settings
    assert settings.dns_update_server and settings.dns_zone and settings.dns_tsig_key
    return DnsUpdater(settings.dns_update_server, settings.dns_zone,
                      parse_tsig(settings.dns_tsig_key))


async def require_holder(cert: Certificate) -> None:
    """Before an http-01 order: every name must be held by the certificate's user now (a name
    may have moved since the request), or the attempt fails for good."""
    if cert.challenge_type != "http-01":
        return
    lost = await holders.not_held(cert.user_id, cert.domains)
    if lost:
        raise AcmeProblem({"type": NOT_HOLDER, "detail": f"{', '.join(lost)} is held by "
                           "another user of this casp now, so casp orders no http-01 for "
                           "you; prove it is yours (domains.php?action=verify) first"})


async def http01_answer(token: str, host: str | None) -> str | None:
    """The key authorization to serve at /.well-known/acme-challenge/<token> for the Host
    `host`, if casp is answering that challenge now, the Host is one of the certificate's
    names and its user holds it now; None otherwise (an unknown token looks the same)."""
    row = await HttpChallenge.get_or_none(token=token) if len(token) <= 128 else None
    if row is None:
        return None
    if row.certificate_id is None:  # a domain check's probe: random, it proves nothing to a CA
        return row.key_authorization
    name = names.of_host(host)
    cert = await Certificate.get_or_none(id=row.certificate_id).only("id", "user_id",
                                                                      "domains")
    if (name is None or cert is None or name not in cert.domains
            or await holders.holder_of(name) != cert.user_id):
        return None
    return row.key_authorization
