"""Pebble 2.4, Let's Encrypt's test ACME CA, run on loopback with BIND as its resolver."""

from __future__ import annotations

import base64
import json
import os
import secrets
import ssl
import tempfile
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.support import find_binary, tail
from tests.support.certs import write_tls_files
from tests.support.net import free_port
from tests.support.procs import ServiceProcess


class PebbleServer(ServiceProcess):
    """One `pebble` process with its own TLS CA, ports, EAB key and validation settings.

    Pebble regenerates its issuing root and intermediate on every start, so fetch them
    (`roots_pem()`, `intermediates_pem()`) from the same instance that issued a certificate.
    """

    host = "127.0.0.1"

    def __init__(self, dns_server: str, *, http_port: int | None = None,
                 tls_port: int | None = None, eab_required: bool = False,
                 nonce_reject: int = 0, authz_reuse: int = 0,
                 workdir: Path | None = None, pebble: str | None = None,
                 extra_env: dict[str, str] | None = None,
                 certificate_validity: int | None = None) -> None:
        """`dns_server` is host:port of the resolver Pebble's VA uses (BindServer.address);
        `http_port` is where the VA dials for http-01 (and `tls_port` for tls-alpn-01);
        `certificate_validity` the lifetime in seconds of what it issues (its default: about
        five years)."""
        self.pebble = pebble or find_binary("pebble")
        if self.pebble is None:
            raise FileNotFoundError("pebble (Debian package pebble) is not installed")
        self.dns_server = dns_server
        self.http_port = http_port or free_port()
        self.tls_port = tls_port or free_port()
        self.port = free_port()
        self.management_port = free_port()
        self.eab_required = eab_required
        # Pebble decodes MAC keys as unpadded base64url; 48 bytes encode without padding.
        self.eab_kid = "kid-" + secrets.token_hex(4)
        self.eab_hmac_key = base64.urlsafe_b64encode(secrets.token_bytes(48)).decode()
        self.nonce_reject = nonce_reject
        self.authz_reuse = authz_reuse
        self.extra_env = dict(extra_env or {})
        self.certificate_validity = certificate_validity
        self._own_dir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="casp-pebble-"))
        self.ca_bundle = ""
        self.log_path = self.workdir / "pebble.log"

    @property
    def directory_url(self) -> str:
        return f"https://{self.host}:{self.port}/dir"

    @property
    def management_url(self) -> str:
        return f"https://{self.host}:{self.management_port}"

    @property
    def eab_mac_keys(self) -> dict[str, str]:
        return {self.eab_kid: self.eab_hmac_key}

    def ssl_context(self) -> ssl.SSLContext:
        """Trusts Pebble's listener; httpx 0.28 deprecates a CA path given as `verify=`."""
        return ssl.create_default_context(cafile=self.ca_bundle)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update({
            "PEBBLE_VA_NOSLEEP": "1",
            "PEBBLE_VA_ALWAYS_VALID": "0",
            "PEBBLE_WFE_NONCEREJECT": str(self.nonce_reject),
            "PEBBLE_AUTHZREUSE": str(self.authz_reuse),
        })
        env.update(self.extra_env)
        return env

    def _write_config(self) -> Path:
        ca, cert, key = write_tls_files(self.workdir / "tls")
        self.ca_bundle = str(ca)
        config = {"pebble": {
            "listenAddress": f"{self.host}:{self.port}",
            "managementListenAddress": f"{self.host}:{self.management_port}",
            "certificate": str(cert),
            "privateKey": str(key),
            "httpPort": self.http_port,
            "tlsPort": self.tls_port,
            "ocspResponderURL": "",
            "externalAccountBindingRequired": self.eab_required,
            "externalAccountMACKeys": self.eab_mac_keys,
            "domainBlocklist": [],
        }}
        if self.certificate_validity is not None:
            config["pebble"]["certificateValidityPeriod"] = self.certificate_validity
        path = self.workdir / "pebble-config.json"
        path.write_text(json.dumps(config, indent=2))
        return path

    def start(self, timeout: float = 15.0) -> PebbleServer:
        config = self._write_config()
        self._launch(
            [str(self.pebble), "-config", str(config), "-dnsserver", self.dns_server,
             "-strict=false"],
            env=self.env(), cwd=self.workdir)
        with httpx.Client(verify=self.ssl_context(), timeout=1.0) as client:

            def serves_directory() -> bool:
                try:
                    return client.get(self.directory_url).status_code == 200
                except httpx.TransportError:
                    return False

            self._await_ready(serves_directory, timeout, "pebble", f"serve {self.directory_url}")
        return self

    def _management_get(self, path: str) -> str:
        with httpx.Client(verify=self.ssl_context(), timeout=5.0) as client:
            response = client.get(f"{self.management_url}{path}")
        response.raise_for_status()
        return response.text

    def roots_pem(self, index: int = 0) -> str:
        """The issuing root of this run (regenerated at every Pebble start)."""
        return self._management_get(f"/roots/{index}")

    def intermediates_pem(self, index: int = 0) -> str:
        return self._management_get(f"/intermediates/{index}")

    def output(self) -> str:
        """Pebble's log so far, to explain a failed validation in an assertion message."""
        return tail(self.log_path, limit=20000)

    def __enter__(self) -> PebbleServer:
        return self.start()


# What the `pebble_factory` fixture (tests/acme/conftest.py) gives: call it with
# PebbleServer's options (http_port=..., eab_required=..., ...) for a started Pebble.
PebbleFactory = Callable[..., PebbleServer]
