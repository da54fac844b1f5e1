"""The real ACME client: certbot's `acme` ClientV2 run in worker threads, with retries of
transient failures and tight polling (the library's own polling sleeps a second a step)."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import josepy as jose
import requests
from acme import client as acme_client
from acme import crypto_util, messages
from acme import errors as acme_errors
from cryptography import x509
from requests.adapters import HTTPAdapter

from app.acme import ari
from app.acme.errors import AcmeError, AcmeProblem, AcmeTimeout, AcmeUnavailable
from app.acme.interface import USER_AGENT
from app.acme.keys import jws_alg

log = logging.getLogger(__name__)
T = TypeVar("T")
# Blocking HTTP calls: many can wait on the network at once without a core each.
_POOL = ThreadPoolExecutor(max_workers=64, thread_name_prefix="acme")
_DIRECTORIES: dict[str, tuple[float, messages.Directory]] = {}
_DIRECTORY_TTL = 3600.0
_SESSIONS: dict[str, requests.Session] = {}
TRANSIENT_CODES = {"badNonce", "serverInternal"}
ALREADY_REPLACED = "urn:ietf:params:acme:error:alreadyReplaced"
POLL_STEPS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 4.0)


def translate(exc: Exception) -> AcmeError:
    """Foreign exceptions to ours, most specific first; the CA's Retry-After goes along."""
    error = _translate(exc)
    error.retry_after = getattr(exc, "retry_after", None)
    return error


def _translate(exc: Exception) -> AcmeError:
    if isinstance(exc, messages.Error):
        if exc.code in TRANSIENT_CODES:
            return AcmeUnavailable(f"{exc.code}: {exc.detail}")
        return AcmeProblem(exc.to_partial_json())
    if isinstance(exc, acme_errors.TimeoutError):
        return AcmeTimeout("the CA did not finish in time")
    if isinstance(exc, requests.RequestException | acme_errors.BadNonce |
                  acme_errors.MissingNonce | acme_errors.NonceError):
        return AcmeUnavailable(f"cannot reach the CA: {exc}")
    if isinstance(exc, acme_errors.ConflictError):
        return AcmeProblem({"type": "casp:conflict", "detail": str(exc)})
    if isinstance(exc, acme_errors.Error | ValueError | KeyError | jose.DeserializationError):
        return AcmeProblem({"type": "casp:protocol", "detail": f"{type(exc).__name__}: {exc}"})
    raise exc


async def run(fn: Callable[..., T], *args: Any, attempts: int = 8) -> T:
    """Run a blocking ACME call in the pool; retry what is transient, with backoff."""
    loop = asyncio.get_running_loop()
    delay = 0.05
    for attempt in range(1, attempts + 1):
        try:
            return await loop.run_in_executor(_POOL, functools.partial(fn, *args))
        except AcmeError:
            raise
        except Exception as exc:  # translated below; anything unknown re-raises
            error = translate(exc)
            if not isinstance(error, AcmeUnavailable) or attempt == attempts:
                raise error from exc
            log.info("transient ACME failure (attempt %d): %s", attempt, error)
        await asyncio.sleep(delay)
        delay = min(delay * 2, 5.0)
    raise AssertionError("unreachable")


def _retry_after(response: requests.Response | None) -> float | None:
    value = response.headers.get("Retry-After") if response is not None else None
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


class _NewOrder(messages.NewOrder):
    """newOrder with RFC 9773's `replaces`: the certificate this order renews."""

    replaces: str = jose.field("replaces", omitempty=True)


class _Network(acme_client.ClientNetwork):
    """ClientNetwork on a shared HTTP session (kept-alive TLS connections per CA); its own
    __del__ would close that session under the other jobs."""

    @classmethod
    def _check_response(cls, response: requests.Response,
                        content_type: str | None = None) -> requests.Response:
        """The library drops the answer's headers when it raises the CA's problem: keep
        Retry-After on the error (rateLimited, a busy CA), so casp waits at least that."""
        try:
            return super()._check_response(response, content_type=content_type)
        except messages.Error as exc:
            exc.retry_after = _retry_after(response)
            raise

    def __del__(self) -> None:
        pass


def _http_session(url: str) -> requests.Session:
    """One pooled session per CA origin. trust_env is off: requests would otherwise read
    proxy settings from the environment on every call (a hot spot under load); the
    environment's proxies are read once here instead."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    session = _SESSIONS.get(origin)
    if session is None:
        session = requests.Session()
        session.trust_env = False
        # For the plain GETs too (renewalInfo), not only the library's signed requests.
        session.headers["User-Agent"] = USER_AGENT
        session.proxies.update(requests.utils.get_environ_proxies(url))
        adapter = HTTPAdapter(pool_connections=2, pool_maxsize=64)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        _SESSIONS[origin] = session
    return session


class AcmeSession:
    """One account at one directory, for the duration of a job."""

    def __init__(self, directory_url: str, key: jose.JWK, account_url: str | None,
                 verify: bool | str = True, timeout: int = 30):
        self.directory_url = directory_url
        self.key = key
        self.net = _Network(key, alg=jws_alg(key), verify_ssl=verify,  # type: ignore[arg-type]  # acme says bool; requests also takes a CA bundle path
                            user_agent=USER_AGENT, timeout=timeout)
        self.net.session.close()
        self.net.session = _http_session(directory_url)
        if account_url:
            self.net.account = messages.RegistrationResource(body=messages.Registration(),
                                                             uri=account_url)
        self.client: acme_client.ClientV2 | None = None

    def close(self) -> None:
        """Nothing to close: the HTTP session is shared and kept for the next job."""

    async def open(self, attempts: int = 8) -> AcmeSession:
        cached = _DIRECTORIES.get(self.directory_url)
        if cached and time.monotonic() - cached[0] < _DIRECTORY_TTL:
            directory = cached[1]
        else:
            directory = await run(acme_client.ClientV2.get_directory, self.directory_url,
                                  self.net, attempts=attempts)
            _DIRECTORIES[self.directory_url] = (time.monotonic(), directory)
        self.client = acme_client.ClientV2(directory, self.net)
        return self

    @property
    def c(self) -> acme_client.ClientV2:
        assert self.client is not None, "call open() first"
        return self.client

    def external_account_required(self) -> bool:
        return bool(self.c.external_account_required())

    async def register(self, email: str | None, eab: tuple[str, str] | None) -> str:
        """Create (or find, for a known key) the account; answers its URL."""
        def call() -> str:
            binding = None
            if eab:
                binding = messages.ExternalAccountBinding.from_data(
                    account_public_key=self.key.public_key(), kid=eab[0],
                    hmac_key=eab[1], directory=self.c.directory)
            reg = messages.NewRegistration.from_data(
                email=email, terms_of_service_agreed=True, external_account_binding=binding)
            try:
                return str(self.c.new_account(reg).uri)
            except acme_errors.ConflictError as exc:  # the key is known: reuse its account
                self.net.account = messages.RegistrationResource(
                    body=messages.Registration(), uri=exc.location)
                return str(exc.location)
        return await run(call)

    def profiles(self) -> dict[str, str]:
        """draft-ietf-acme-profiles: the directory's meta.profiles, name -> description."""
        meta = self.c.directory.meta
        return {str(k): str(v) for k, v in (meta.profiles or {}).items()}

    def caa_identities(self) -> list[str]:
        """RFC 8555 7.1.1: the CAA issuer names this CA recognises, meta.caaIdentities."""
        return [str(name) for name in self.c.directory.meta.caa_identities or ()]

    @property
    def offers_ari(self) -> bool:
        try:
            return bool(self.c.directory["renewalInfo"])
        except KeyError:
            return False

    async def place_order(self, csr_pem: bytes, replaces: str | None = None,
                          profile: str | None = None) -> str:
        """POST newOrder (with RFC 9773's `replaces` where the CA offers renewalInfo, and the
        profile asked for, if any) and answer the order's URL at once: the caller saves it
        before anything else, so a worker killed now leaves an order the next one resumes
        rather than a lost one."""
        csr = x509.load_pem_x509_csr(csr_pem)
        names, ips = crypto_util.get_identifiers_from_x509(csr.subject, csr.extensions)
        identifiers = [messages.Identifier(typ=messages.IDENTIFIER_FQDN, value=n)
                       for n in names]
        identifiers += [messages.Identifier(typ=messages.IDENTIFIER_IP, value=str(ip))
                        for ip in ips]
        order = _NewOrder(identifiers=identifiers, replaces=replaces, profile=profile) \
            if replaces and self.offers_ari else messages.NewOrder(identifiers=identifiers,
                                                                   profile=profile)

        def call() -> str:
            try:
                response = self.c._post(self.c.directory["newOrder"], order)
            except acme_errors.ConflictError as exc:
                # RFC 9773 answers alreadyReplaced with a 409, which the library turns
                # into a ConflictError without the problem document.
                raise AcmeProblem({"type": ALREADY_REPLACED, "detail":
                                   "the CA says this certificate was already replaced"}) from exc
            location = response.headers.get("Location")
            if not location:
                raise AcmeProblem({"type": "casp:protocol",
                                   "detail": "the CA's new order has no Location"})
            return str(location)
        return await run(call)

    async def renewal_info(self, cert_pem: str) -> ari.RenewalInfo | None:
        """The CA's suggested window (None: no renewalInfo, or the certificate has no AKI).
        A plain GET, as RFC 9773 allows; the shared session keeps the connection."""
        ident = ari.cert_id(cert_pem)
        if not self.offers_ari or not ident:
            return None
        base = str(self.c.directory["renewalInfo"])

        def call() -> ari.RenewalInfo:
            response = self.net.session.get(f"{base.rstrip('/')}/{ident}",
                                            timeout=self.net._default_timeout,
                                            verify=self.net.verify_ssl)
            if response.status_code >= 400:
                self.net._check_response(response, content_type="application/json")
            info = messages.RenewalInfo.from_json(response.json())
            window = info.suggested_window
            if window.start is None or window.end is None or window.end < window.start:
                raise ValueError(f"bad suggestedWindow in {response.text[:200]}")
            return ari.RenewalInfo(window.start, window.end,
                                   ari.clamp_retry(_retry_after(response)),
                                   response.json().get("explanationURL"))
        return await run(call, attempts=3)

    async def load_order(self, url: str, csr_pem: bytes) -> messages.OrderResource:
        """An order made earlier (by this or a dead worker), with its authorizations."""
        def call() -> messages.OrderResource:
            body = messages.Order.from_json(self.c._post_as_get(url).json())
            authzs = [self.c._authzr_from_response(self.c._post_as_get(u), uri=u)
                      for u in body.authorizations]
            return messages.OrderResource(body=body, uri=url, authorizations=authzs,
                                          csr_pem=csr_pem)
        return await run(call)

    async def refresh_order(self, order: messages.OrderResource
                            ) -> tuple[messages.Order, float | None]:
        def call() -> tuple[messages.Order, float | None]:
            response = self.c._post_as_get(order.uri)
            return messages.Order.from_json(response.json()), _retry_after(response)
        return await run(call)

    async def read_challenge(self, url: str) -> messages.ChallengeBody:
        """A challenge as the CA has it now (POST-as-GET of its URL), with its own error."""
        def call() -> messages.ChallengeBody:
            return messages.ChallengeBody.from_json(self.c._post_as_get(url).json())
        return await run(call, attempts=3)

    async def answer(self, challb: messages.ChallengeBody, response: Any,
                     authzr: messages.AuthorizationResource | None = None) -> None:
        """Ask the CA to validate. A retry whose first try did reach the CA (its answer was
        lost) is refused as the challenge is no longer pending: that is success."""
        try:
            await run(self.c.answer_challenge, challb, response)
        except AcmeProblem:
            if authzr is None or await self._still_pending(authzr, challb):
                raise

    async def _still_pending(self, authzr: messages.AuthorizationResource,
                             challb: messages.ChallengeBody) -> bool:
        updated, _ = await run(self.c.poll, authzr)
        for current in updated.body.challenges:
            if current.chall.typ == challb.chall.typ:
                return current.status == messages.STATUS_PENDING
        return True

    async def _begin_finalization(self, order: messages.OrderResource) -> None:
        """orderNotReady after a retry means the first request was taken: poll on."""
        try:
            await run(self.c.begin_finalization, order)
        except AcmeProblem as exc:
            if not str(exc.problem().get("type", "")).endswith(":orderNotReady"):
                raise

    async def poll_authorization(self, authzr: messages.AuthorizationResource,
                                 deadline: float) -> messages.AuthorizationResource:
        """Poll until not pending: short first intervals, then backoff, honouring Retry-After."""
        for step in _steps():
            updated, response = await run(self.c.poll, authzr)
            if updated.body.status not in (messages.STATUS_PENDING, messages.STATUS_PROCESSING):
                return updated
            await _wait(max(step, _retry_after(response) or 0), deadline)
        raise AssertionError("unreachable")

    async def finalize(self, order: messages.OrderResource,
                       deadline: float) -> messages.OrderResource:
        """Finalize (unless already done) and wait for the certificate."""
        body, _ = await self.refresh_order(order)
        if body.status == messages.STATUS_READY:
            await self._begin_finalization(order)
        for step in _steps():
            body, retry = await self.refresh_order(order)
            if body.status == messages.STATUS_VALID and body.certificate:
                response = await run(self.c._post_as_get, body.certificate)
                return order.update(body=body, fullchain_pem=response.text)
            if body.status == messages.STATUS_INVALID:
                problem = body.error.to_partial_json() if body.error else {
                    "type": "casp:orderInvalid", "detail": "the CA marked the order invalid"}
                raise AcmeProblem(problem)
            if body.status == messages.STATUS_READY:
                await self._begin_finalization(order)
            await _wait(max(step, retry or 0), deadline)
        raise AssertionError("unreachable")

    async def revoke(self, cert_pem: str, reason: int) -> None:
        cert = x509.load_pem_x509_certificate(cert_pem.encode())
        await run(self.c.revoke, cert, reason)


def _steps() -> Any:
    yield from POLL_STEPS
    while True:
        yield POLL_STEPS[-1]


async def _wait(seconds: float, deadline: float) -> None:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise AcmeTimeout("the CA did not finish within the issuance deadline")
    await asyncio.sleep(min(seconds, remaining))


def deadline_in(seconds: float) -> float:
    return time.monotonic() + seconds
