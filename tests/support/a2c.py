"""acme2certifier (PyPI, a test extra) as a second ACME server: its openssl CA handler signing
with a CA made here, BIND as its resolver, served over TLS on loopback (a2c_serve.py)."""

from __future__ import annotations

import base64
import os
import secrets
import ssl
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from cryptography import x509

from tests.support import tail
from tests.support.certs import cert_pem, key_pem, make_ca, write_tls_files
from tests.support.net import free_port
from tests.support.procs import ServiceProcess

SERVE = Path(__file__).with_name("a2c_serve.py")


class A2cServer(ServiceProcess):
    """One acme2certifier with its own issuing CA (a root and an intermediate), SQLite
    database and TLS listener.

    `dns_port` is the loopback port of the DNS server it resolves names with (BIND's); it
    fetches http-01 from `http_port` (casp's) of the address a name resolves to. With `eab`,
    accounts need External Account Binding with `eab_kid` and `eab_hmac_key` (its CSV key
    file handler).
    """

    host = "127.0.0.1"

    def __init__(self, dns_port: int, *, http_port: int, eab: bool = False,
                 workdir: Path | None = None) -> None:
        self.dns_port = dns_port
        self.http_port = http_port
        self.eab = eab
        self.port = free_port()
        # acme2certifier decodes MAC keys as base64url; 48 bytes encode without padding.
        self.eab_kid = "kid-" + secrets.token_hex(4)
        self.eab_hmac_key = base64.urlsafe_b64encode(secrets.token_bytes(48)).decode()
        self._own_dir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="casp-a2c-"))
        self.log_path = self.workdir / "a2c.log"
        self.ca_bundle = ""
        self.root_pem = ""

    @property
    def directory_url(self) -> str:
        return f"https://{self.host}:{self.port}/directory"

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca_bundle)

    def _write_issuing_ca(self) -> dict[str, Path]:
        """A root (kept for verification) and the intermediate the CA handler signs with."""
        ca_dir = self.workdir / "ca"
        (ca_dir / "issued").mkdir(parents=True)
        root = make_ca("casp a2c test root", path_length=1)
        issuing_key, issuing_cert = make_ca("casp a2c test issuing CA", issuer=root)
        self.root_pem = cert_pem(root[1]).decode()
        files = {"key": ca_dir / "issuing.key", "cert": ca_dir / "issuing.pem",
                 "crl": ca_dir / "issuing.crl", "issued": ca_dir / "issued"}
        files["key"].write_bytes(key_pem(issuing_key))
        files["cert"].write_bytes(cert_pem(issuing_cert))
        return files

    def _config_text(self, ca: dict[str, Path]) -> str:
        text = (
            "[DEFAULT]\ndebug: False\n"
            f'dns_server_list: ["{self.host}"]\n'
            "[Nonce]\nnonce_check_disable: False\n"
            "[CAhandler]\nhandler_module: acme2certifier.cahandlers.openssl_ca_handler\n"
            f"issuing_ca_key: {ca['key']}\nissuing_ca_cert: {ca['cert']}\n"
            f"issuing_ca_crl: {ca['crl']}\ncert_save_path: {ca['issued']}\n"
            "cert_validity_days: 30\n"
            f"[DBhandler]\nhandler: wsgi\ndbfile: {self.workdir / 'acme_srv.db'}\n"
            "[Certificate]\nrevocation_reason_check_disable: False\n"
            "[Challenge]\nchallenge_validation_disable: False\n"
            "[Order]\ntnauthlist_support: False\n"
        )
        if self.eab:
            keys = self.workdir / "eab_keys.csv"
            keys.write_text(f"eab_kid,eab_mac\n{self.eab_kid},{self.eab_hmac_key}\n")
            text += ("[EABhandler]\neab_handler_module: acme2certifier.eabhandlers.file_handler\n"
                     f"key_file: {keys}\n")
        return text

    def _write_config(self) -> tuple[Path, Path, Path]:
        """acme_srv.cfg, and the listener's TLS certificate and key."""
        ca, cert, key = write_tls_files(self.workdir / "tls")
        self.ca_bundle = str(ca)
        config = self.workdir / "acme_srv.cfg"
        config.write_text(self._config_text(self._write_issuing_ca()))
        return config, cert, key

    def start(self, timeout: float = 30.0) -> A2cServer:
        config, cert, key = self._write_config()
        env = dict(os.environ, ACME_SRV_CONFIGFILE=str(config))
        # -P: the script's directory (tests/support, which has a dns.py) stays off sys.path.
        self._launch([sys.executable, "-P", str(SERVE), str(self.port), str(self.dns_port),
                      str(self.http_port), str(cert), str(key)], env=env, cwd=self.workdir)
        with httpx.Client(verify=self.ssl_context(), timeout=2.0) as client:

            def serves_directory() -> bool:
                try:
                    return client.get(self.directory_url).status_code == 200
                except httpx.TransportError:
                    return False

            self._await_ready(serves_directory, timeout, "acme2certifier",
                              f"serve {self.directory_url}")
        return self

    def directory(self) -> dict[str, Any]:
        with httpx.Client(verify=self.ssl_context(), timeout=5.0) as client:
            return dict(client.get(self.directory_url).json())

    def revoked_serials(self) -> list[int]:
        """The serial numbers in the CRL the CA handler signs at each revocation."""
        path = self.workdir / "ca" / "issuing.crl"
        if not path.exists():
            return []
        return [entry.serial_number for entry in x509.load_pem_x509_crl(path.read_bytes())]

    def output(self) -> str:
        """acme2certifier's log so far, to explain a failure in an assertion message."""
        return tail(self.log_path, limit=20000)

    def __enter__(self) -> A2cServer:
        return self.start()


# What the `a2c_factory` fixture (tests/acme/conftest.py) gives: call it with A2cServer's
# options (http_port=..., eab=...) for a started acme2certifier.
A2cFactory = Callable[..., A2cServer]
