"""`./dev pebble`: Let's Encrypt's test CA (Debian's pebble) and its DNS (pebble-challtestsrv)
on loopback, without Docker, until Ctrl-C.

challtestsrv answers every name with 127.0.0.1, so Pebble's http-01 check of any name reaches
the casp on this machine, which answers its own challenges. It writes into <data>/pebble/:
Pebble's config, the TLS root of Pebble's API (minica.pem: casp must trust it), the root of
the certificates Pebble issues (root.pem, for `openssl verify`; a new one at every start) and
casp.env, the settings casp needs (also printed).
"""

from __future__ import annotations

import argparse
import datetime
import ipaddress
import json
import os
import shlex
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import FrameType

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

HOST = "127.0.0.1"


def options(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="./dev pebble", description=__doc__.split("\n\n")[0])
    p.add_argument("--data-dir", type=Path, default=Path(os.environ.get("CASP_DATA_DIR")
                                                         or "data"))
    p.add_argument("--casp-port", type=int, default=int(os.environ.get("CASP_PORT") or 8000),
                   help="where casp serves: Pebble checks http-01 there (default 8000)")
    # CASP_DEV_PEBBLE_PORTS="14000,15000,8053,8055" moves all four (`./dev run` passes none).
    ports = [int(p) for p in (os.environ.get("CASP_DEV_PEBBLE_PORTS")
                              or "14000,15000,8053,8055").split(",")]
    p.add_argument("--port", type=int, default=ports[0], help="Pebble's ACME directory")
    p.add_argument("--management-port", type=int, default=ports[1], help="Pebble's roots")
    p.add_argument("--dns-port", type=int, default=ports[2], help="challtestsrv's DNS")
    p.add_argument("--dns-management-port", type=int, default=ports[3])
    p.add_argument("--as", dest="as_ca", metavar="NAME",
                   help="offer Pebble as a custom CA of this name (`./dev run`: 'local') "
                        "instead of in place of Let's Encrypt; the real CAs stay as they are")
    return p.parse_args(argv)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _sign(builder: x509.CertificateBuilder, key: ec.EllipticCurvePrivateKey,
          days: int) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    return (builder.serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=days))
            .sign(key, hashes.SHA256()))


def write_api_tls(folder: Path) -> tuple[Path, Path, Path]:
    """A root (minica.pem) and the certificate of Pebble's API for 127.0.0.1 and localhost,
    as Pebble's own test/certs are: OpenSSL 3 and Python want a CA and a separate leaf."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _sign(x509.CertificateBuilder().subject_name(_name("casp dev pebble API root"))
               .issuer_name(_name("casp dev pebble API root")).public_key(ca_key.public_key())
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                              critical=False), ca_key, 3650)
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]
    leaf = _sign(x509.CertificateBuilder().subject_name(_name("localhost"))
                 .issuer_name(ca.subject).public_key(key.public_key())
                 .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                 .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                                critical=False)
                 .add_extension(x509.SubjectAlternativeName(names), critical=False),
                 ca_key, 3650)
    pem = serialization.Encoding.PEM
    paths = folder / "minica.pem", folder / "api-cert.pem", folder / "api-key.pem"
    paths[0].write_bytes(ca.public_bytes(pem))
    paths[1].write_bytes(leaf.public_bytes(pem))
    paths[2].write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    paths[2].chmod(0o600)
    return paths


def write_config(folder: Path, opts: argparse.Namespace, cert: Path, key: Path) -> Path:
    config = {"pebble": {
        "listenAddress": f"{HOST}:{opts.port}",
        "managementListenAddress": f"{HOST}:{opts.management_port}",
        "certificate": str(cert), "privateKey": str(key),
        "httpPort": opts.casp_port,  # every name resolves to 127.0.0.1: casp answers there
        "tlsPort": opts.casp_port,  # casp does not do tls-alpn-01
        "ocspResponderURL": "", "externalAccountBindingRequired": False,
    }}
    path = folder / "pebble-config.json"
    path.write_text(json.dumps(config, indent=2) + "\n")
    return path


LOCAL_TITLE = "Local test CA (Pebble): for trying casp out, trusted by no browser"


def trust_bundle(folder: Path) -> Path:
    """The system's roots and Pebble's API root in one file: casp then trusts Pebble's API
    without distrusting the real CAs beside it."""
    paths = ssl.get_default_verify_paths()
    system = Path(paths.cafile or paths.openssl_cafile or "/etc/ssl/certs/ca-certificates.crt")
    roots = system.read_bytes() if system.is_file() else b""
    path = folder / "trust.pem"
    path.write_bytes(roots + b"\n" + (folder / "minica.pem").read_bytes())
    return path


def ca_settings(folder: Path, opts: argparse.Namespace) -> dict[str, str]:
    """Pebble in place of Let's Encrypt, or (--as NAME) as a custom CA beside the six."""
    directory = f"https://{HOST}:{opts.port}/dir"
    if not opts.as_ca:
        return {"CASP_CA_LETSENCRYPT_DIRECTORY": directory,
                "CASP_ACME_CA_BUNDLE": str((folder / "minica.pem").resolve())}
    prefix = f"CASP_CA_{opts.as_ca.upper()}"
    others = [n for n in os.environ.get("CASP_CUSTOM_CAS", "").split(",") if n.strip()]
    return {"CASP_CUSTOM_CAS": ",".join([*others, opts.as_ca]),
            f"{prefix}_DIRECTORY": directory, f"{prefix}_NAME": LOCAL_TITLE,
            f"{prefix}_EAB": "none",
            "CASP_ACME_CA_BUNDLE": str(trust_bundle(folder).resolve())}


def settings(folder: Path, opts: argparse.Namespace) -> dict[str, str]:
    """What casp needs to issue from this Pebble through http-01."""
    return {
        **ca_settings(folder, opts),
        # casp's own look-ups (CAA, the domain check) see the names as Pebble does
        "CASP_DNS_RESOLVER": f"{HOST}:{opts.dns_port}",
        "CASP_HTTP01_PORT": str(opts.casp_port),
        "CASP_ALLOW_PRIVATE_TARGETS": "true",  # the domain check may fetch from 127.0.0.1
        "CASP_ALLOW_PRIVATE_IP_IDENTIFIERS": "true",  # certificates for 127.0.0.1 and ::1
    }


def binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise SystemExit(f"{name} is missing: it is in Debian's package pebble "
                         "(./dev pebble installs it)")
    return path


def start(folder: Path, opts: argparse.Namespace, config: Path) -> list[subprocess.Popen[bytes]]:
    log = (folder / "pebble.log").open("ab")
    dns = subprocess.Popen(  # noqa: S603 (DNS only: its own challenge servers are not wanted)
        [binary("pebble-challtestsrv"), "-defaultIPv4", HOST, "-defaultIPv6", "",
         "-dns01", f"{HOST}:{opts.dns_port}",
         "-management", f"{HOST}:{opts.dns_management_port}",
         "-http01", "", "-https01", "", "-tlsalpn01", ""],
        stdout=log, stderr=subprocess.STDOUT)
    env = os.environ | {"PEBBLE_VA_NOSLEEP": "1",  # no random wait before each check
                        "PEBBLE_WFE_NONCEREJECT": "0"}  # no made-up badNonce answers
    pebble = subprocess.Popen(  # noqa: S603 (our arguments)
        [binary("pebble"), "-config", str(config), "-dnsserver", f"{HOST}:{opts.dns_port}",
         "-strict=false"], stdout=log, stderr=subprocess.STDOUT, env=env, cwd=folder)
    return [dns, pebble]


def fetch_root(folder: Path, opts: argparse.Namespace,
               procs: list[subprocess.Popen[bytes]]) -> Path:
    """Pebble's issuing root (new at every start), once its management API answers."""
    context = ssl.create_default_context(cafile=str(folder / "minica.pem"))
    url = f"https://{HOST}:{opts.management_port}/roots/0"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(url, context=context, timeout=2) as answer:
                pem = answer.read()
            break
        except OSError as exc:
            if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                raise SystemExit(f"Pebble did not start ({exc}); see {folder / 'pebble.log'}"
                                 ) from exc
            time.sleep(0.2)
    path = folder / "root.pem"
    path.write_bytes(pem)
    return path


def announce(folder: Path, opts: argparse.Namespace, root: Path) -> None:
    lines = [f"export {name}={shlex.quote(value)}"
             for name, value in settings(folder, opts).items()]
    env_file = folder / "casp.env"
    env_file.write_text("\n".join(lines) + "\n")
    if opts.as_ca:  # `./dev run` reads the file and says the rest
        print(f"local test CA (Debian's Pebble) up as {opts.as_ca!r}; its log: "
              f"{folder / 'pebble.log'}", flush=True)
        return
    print("Pebble (ACME test CA) and challtestsrv (its DNS: every name is 127.0.0.1) are up.",
          f"casp needs these settings (also in {env_file}):", "", *lines, "",
          f"then, in another terminal: . {env_file} && ./dev run --port {opts.casp_port}",
          f"Certificates from this run verify with: openssl verify -CAfile {root} "
          "-untrusted fullchain.pem fullchain.pem",
          "(Pebble makes a new root at every start.) Ctrl-C stops both.",
          sep="\n", flush=True)


def run(opts: argparse.Namespace) -> int:
    folder = (opts.data_dir / "pebble").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    _, cert, key = write_api_tls(folder)
    procs = start(folder, opts, write_config(folder, opts, cert, key))

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        announce(folder, opts, fetch_root(folder, opts, procs))
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
        print(f"a process stopped; see {folder / 'pebble.log'}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(run(options()))
