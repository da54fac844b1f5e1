"""AcmeIssuer: an order from start (or from where a dead worker left it) to the chain."""

from __future__ import annotations

import asyncio
import logging
import time

from acme import challenges, messages

from app.acme.ari import RenewalInfo
from app.acme.client import AcmeSession, deadline_in
from app.acme.errors import (
    AcmeError,
    AcmeProblem,
    AcmeTimeout,
    AcmeUnavailable,
    ChallengeFailed,
)
from app.acme.interface import Account, Challenge, ChallengeHooks, IssueRequest
from app.acme.keys import account_key_from_json, new_account_key
from app.acme.persist import DNSPersist01, record_value

log = logging.getLogger(__name__)
_FINISHED = (messages.STATUS_VALID, messages.STATUS_INVALID)
_CHALLENGE_TYPES: dict[str, type[challenges.Challenge]] = {
    "http-01": challenges.HTTP01, "dns-01": challenges.DNS01, "dns-persist-01": DNSPersist01}
UNREADABLE_SECONDS = 60.0
_UNREADABLE: dict[str, float] = {}  # directory URL -> when reading it last failed


class AcmeIssuer:
    def __init__(self, verify: bool | str = True):
        self.verify = verify

    async def _session(self, account: Account, hooks: ChallengeHooks | None) -> AcmeSession:
        key = account_key_from_json(account.key_json)
        session = await AcmeSession(account.directory_url, key, account.url, self.verify).open()
        if account.url is None:
            if (account.eab_required or session.external_account_required()) and not account.eab:
                raise AcmeProblem({"type": "casp:eabRequired", "detail":
                                   "this CA requires External Account Binding credentials"})
            url = await session.register(account.email, account.eab)
            if hooks is not None:
                await hooks.account_registered(url)
        return session

    async def issue(self, request: IssueRequest, hooks: ChallengeHooks) -> str:
        deadline = deadline_in(request.deadline_seconds)
        session = await self._session(request.account, hooks)
        try:
            order = await self._order(session, request, hooks)
            if order.body.status in (messages.STATUS_PENDING,):
                await self._authorize(session, order, request.challenge_type, hooks, deadline)
            done = await session.finalize(order, deadline)
            return str(done.fullchain_pem)
        finally:
            session.close()

    async def _order(self, session: AcmeSession, request: IssueRequest,
                     hooks: ChallengeHooks) -> messages.OrderResource:
        if request.order_url:
            try:
                order = await session.load_order(request.order_url, request.csr_pem)
                if order.body.status != messages.STATUS_INVALID:
                    return order
                log.info("order %s is invalid; placing a new one", request.order_url)
            except AcmeProblem as exc:  # gone (expired, deleted): it cannot be finished
                log.info("order %s cannot be loaded (%s); placing a new one",
                         request.order_url, exc)
        try:
            url = await session.place_order(request.csr_pem, request.replaces, request.profile)
        except AcmeProblem as exc:
            # RFC 9773 7.2: the old certificate was already replaced (say, by a renewal
            # the user ran elsewhere): order without `replaces`.
            if not request.replaces or not str(exc.problem().get("type", "")).endswith(
                    ":alreadyReplaced"):
                raise
            url = await session.place_order(request.csr_pem, profile=request.profile)
        await hooks.order_created(url)  # saved before the authorizations are fetched
        return await session.load_order(url, request.csr_pem)

    async def _authorize(self, session: AcmeSession, order: messages.OrderResource,
                         challenge_type: str, hooks: ChallengeHooks, deadline: float) -> None:
        todo = [a for a in order.authorizations if a.body.status == messages.STATUS_PENDING]
        picked = [(authz, _pick(authz, challenge_type)) for authz in todo]
        # dns-persist-01: one record per name covers the name and, with policy=wildcard,
        # its wildcard; so the policy goes in whenever the order has that wildcard.
        wildcards = {a.body.identifier.value for a in order.authorizations if a.body.wildcard}
        answers = [_answer(session, authz, challb, wildcards) for authz, challb in picked]
        await hooks.publish(answers)
        try:
            await asyncio.gather(*(session.answer(challb, challb.chall.response(session.net.key),
                                                  authz)
                                   for authz, challb in picked
                                   if challb.status == messages.STATUS_PENDING))
            results = await asyncio.gather(*(session.poll_authorization(authz, deadline)
                                             for authz in order.authorizations))
        except (AcmeUnavailable, AcmeTimeout, asyncio.CancelledError):
            # The CA may still be checking (it was only unreachable, or this worker is
            # stopping): the answers stay up for it; the attempt that resumes the order
            # takes them down.
            raise
        except BaseException:
            await hooks.unpublish(answers)
            raise
        await hooks.unpublish(answers)
        failed = [a for a in results if a.body.status != messages.STATUS_VALID]
        if failed:
            answered = {authz.uri: challb for authz, challb in picked}
            raise ChallengeFailed(await _problem(session, failed[0],
                                                 answered.get(failed[0].uri)))

    async def external_account_required(self, directory_url: str) -> bool:
        # Asked while a request waits: a short timeout, and the directory is cached.
        session = AcmeSession(directory_url, new_account_key(), None, self.verify, timeout=5)
        try:
            await session.open(attempts=2)
            return session.external_account_required()
        except AcmeError as exc:
            log.warning("cannot read the directory %s: %s", directory_url, exc)
            return False
        finally:
            session.close()

    async def profiles(self, directory_url: str) -> dict[str, str] | None:
        session = await self._directory(directory_url)
        return None if session is None else session.profiles()

    async def caa_identities(self, directory_url: str) -> list[str] | None:
        session = await self._directory(directory_url)
        return None if session is None else session.caa_identities()

    async def _directory(self, directory_url: str) -> AcmeSession | None:
        """Read through the directory cache; a directory that cannot be read is not asked
        again for a minute, so a list of every CA's profiles stays quick while one is down."""
        failed = _UNREADABLE.get(directory_url)
        if failed is not None and time.monotonic() - failed < UNREADABLE_SECONDS:
            return None
        session = AcmeSession(directory_url, new_account_key(), None, self.verify, timeout=5)
        try:
            await session.open(attempts=2)
        except AcmeError as exc:
            log.warning("cannot read the directory %s: %s", directory_url, exc)
            _UNREADABLE[directory_url] = time.monotonic()
            return None
        _UNREADABLE.pop(directory_url, None)
        return session

    async def renewal_info(self, directory_url: str, cert_pem: str) -> RenewalInfo | None:
        session = await AcmeSession(directory_url, new_account_key(), None, self.verify,
                                    timeout=10).open(attempts=3)
        try:
            return await session.renewal_info(cert_pem)
        finally:
            session.close()

    async def revoke(self, account: Account, cert_pem: str, reason: int) -> None:
        session = await self._session(account, None)
        try:
            await session.revoke(cert_pem, reason)
        finally:
            session.close()


def _pick(authz: messages.AuthorizationResource, challenge_type: str) -> messages.ChallengeBody:
    wanted = _CHALLENGE_TYPES[challenge_type]
    for challb in authz.body.challenges:
        if isinstance(challb.chall, wanted):
            return challb
    offered = ", ".join(_type_of(c.chall) for c in authz.body.challenges)
    raise AcmeProblem({"type": "casp:challengeUnavailable", "detail":
                       f"the CA offers no {challenge_type} challenge for "
                       f"{authz.body.identifier.value} (offered: {offered})"})


def _type_of(chall: challenges.Challenge) -> str:
    """A challenge's type, also for one the library does not know (dns-account-01)."""
    if isinstance(chall, challenges.UnrecognizedChallenge):
        return str(chall.jobj.get("type"))
    return str(chall.typ)


def _answer(session: AcmeSession, authz: messages.AuthorizationResource,
            challb: messages.ChallengeBody, wildcards: set[str]) -> Challenge:
    key = session.net.key
    chall = challb.chall
    name = authz.body.identifier.value
    if isinstance(chall, DNSPersist01):
        return _persist_answer(session, name, chall, name in wildcards)
    validation = chall.validation(key)
    return Challenge(identifier=name, type=chall.typ,
                     token=chall.encode("token"), validation=validation)


def _persist_answer(session: AcmeSession, name: str, chall: DNSPersist01,
                    wildcard: bool) -> Challenge:
    """The record for `name`: the CA's first issuer domain name and this account's URL."""
    account = session.net.account
    if not chall.issuer_domain_names:
        raise AcmeProblem({"type": "casp:protocol", "detail":
                           f"the CA's dns-persist-01 challenge for {name} names no issuer "
                           "domain"})
    assert account is not None, "the session registers or names its account first"
    url = str(account.uri)
    return Challenge(identifier=name, type=chall.typ, token="",
                     validation=record_value(chall.issuer_domain_names[0], url, wildcard),
                     issuers=chall.issuer_domain_names, account_url=url, wildcard=wildcard)


async def _problem(session: AcmeSession, authz: messages.AuthorizationResource,
                   answered: messages.ChallengeBody | None) -> dict[str, object]:
    """Why an authorization failed: the failed challenge's error, with the challenge's type
    and URL. Some CAs (acme2certifier) leave `error` out of the authorization's copy of its
    challenges: then the challenge itself is read (POST-as-GET of its URL)."""
    name = authz.body.identifier.value
    challb = _failed_challenge(authz, answered)
    if challb is None:
        return {"type": "casp:authorizationInvalid", "identifier": name, "detail":
                f"authorization for {name} is {authz.body.status.name} and names no challenge"}
    if challb.error is None and challb.uri:
        challb = await _reread(session, challb)
    where = {"type": challb.chall.typ, "url": challb.uri, "status": challb.status.name}
    if challb.error is not None:
        doc = challb.error.to_partial_json()
        doc.setdefault("identifier", name)
        return {**doc, "challenge": where}
    return {"type": "casp:authorizationInvalid", "identifier": name, "challenge": where,
            "detail": f"authorization for {name} is {authz.body.status.name}: its "
                      f"{challb.chall.typ} challenge ({challb.uri}) is {challb.status.name} "
                      "and the CA gave no reason"}


def _failed_challenge(authz: messages.AuthorizationResource,
                      answered: messages.ChallengeBody | None) -> messages.ChallengeBody | None:
    """The challenge to blame: one with an error, else an invalid one, else the one casp
    answered (matched by URL: the authorization was read again since)."""
    challenges = list(authz.body.challenges)
    for wanted in (lambda c: c.error is not None,
                   lambda c: c.status == messages.STATUS_INVALID,
                   lambda c: answered is not None and c.uri == answered.uri):
        found = next((c for c in challenges if wanted(c)), None)
        if found is not None:
            return found
    return answered or next(iter(challenges), None)


async def _reread(session: AcmeSession,
                  challb: messages.ChallengeBody) -> messages.ChallengeBody:
    try:
        return await session.read_challenge(challb.uri)
    except AcmeError as exc:  # the reason stays unknown; the failure itself stands
        log.info("cannot read challenge %s: %s", challb.uri, exc)
        return challb
