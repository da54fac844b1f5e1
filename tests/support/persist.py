"""A dns-persist-01 CA for the tests: Pebble 2.4 has no dns-persist-01
(draft-ietf-acme-dns-persist), so the recording proxy (acmeproxy.py) plays that part.

Pebble runs with PEBBLE_VA_ALWAYS_VALID=1 (its validation authority accepts every answer),
and this stub is the validation authority instead:
- every authorization and challenge that passes through shows Pebble's dns-01 challenge as
  a `dns-persist-01` one (same URL and status, no token, `issuer-domain-names`);
- when the client answers it (a POST whose payload is `{}`), the stub looks up
  `_validation-persist.<name>` TXT in the test BIND, as a CA would, and accepts it only for a
  record naming its issuer domain and the `kid` (account URL) of that signed request, with
  `policy=wildcard` for a wildcard and a `persistUntil` not yet passed;
- a refused answer is still passed to Pebble (which keeps the nonce and the `up` link real),
  but from then on the stub shows that challenge and its authorization `invalid`, with the
  reason as the challenge's error, so the order never becomes ready for the client.

It is written from the draft independently of casp's own check (app/services/certificates/
persist.py), so that the test proves the record casp shows is the one a CA accepts."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, field
from typing import Any

from tests.support.dns import BindServer

ISSUER = "pebble.test"
UNAUTHORIZED = "urn:ietf:params:acme:error:unauthorized"


def _b64json(text: str) -> Any:
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    return json.loads(raw) if raw else None


@dataclass(frozen=True)
class Lookup:
    """One validation the stub ran: the name, the account it was for and its verdict."""

    name: str
    account: str
    refused: str | None


@dataclass
class PersistCa:
    bind: BindServer
    issuer: str = ISSUER
    lookups: list[Lookup] = field(default_factory=list)
    _challenges: dict[str, tuple[str, bool]] = field(default_factory=dict)  # path: name, *?
    _refused: dict[str, str] = field(default_factory=dict)  # challenge path: why

    def __call__(self, method: str, path: str, body: bytes, content: bytes) -> bytes:
        """The proxy's hook: validate an answer, then show Pebble's answer as this CA's."""
        if method == "POST" and path in self._challenges and body:
            self._validate(path, json.loads(body))
        if not path.startswith(("/authZ/", "/chalZ/")):
            return content
        doc = json.loads(content)
        if "challenges" in doc:
            self._authorization(doc)
        else:
            self._challenge(doc, path)
        return json.dumps(doc).encode()

    def _authorization(self, doc: dict[str, Any]) -> None:
        name, wildcard = doc["identifier"]["value"], bool(doc.get("wildcard"))
        for challenge in doc["challenges"]:
            if challenge["type"] == "dns-01":
                self._challenges[_path(challenge["url"])] = (name, wildcard)
            self._challenge(challenge, _path(challenge["url"]))
            if challenge.get("status") == "invalid":
                doc["status"] = "invalid"

    def _challenge(self, challenge: dict[str, Any], path: str) -> None:
        if challenge["type"] != "dns-01":
            return
        challenge.pop("token", None)
        challenge.update({"type": "dns-persist-01", "issuer-domain-names": [self.issuer]})
        if path in self._refused:
            challenge.pop("validated", None)
            challenge.update({"status": "invalid", "error": {
                "type": UNAUTHORIZED, "detail": self._refused[path]}})

    def _validate(self, path: str, jws: dict[str, Any]) -> None:
        if _b64json(jws["payload"]) is None:
            return  # a POST-as-GET: no answer
        account = _b64json(jws["protected"])["kid"]
        name, wildcard = self._challenges[path]
        why = self.refusal(name, account, wildcard)
        self.lookups.append(Lookup(name, account, why))
        if why:
            self._refused[path] = why

    def refusal(self, name: str, account: str, wildcard: bool) -> str | None:
        """Why the records at the name do not validate it for this account (None: they do)."""
        owner = f"_validation-persist.{name}"
        for value in self.bind.query(owner, "TXT"):
            issuer, *params = [part.strip() for part in value.split(";")]
            pairs = dict(p.split("=", 1) for p in params if "=" in p)
            until = pairs.get("persistUntil")
            if (issuer == self.issuer and pairs.get("accounturi") == account
                    and (not wildcard or pairs.get("policy") == "wildcard")
                    and (until is None or int(until) > time.time())):
                return None
        return f"no valid dns-persist-01 record at {owner} for {account}"


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]
