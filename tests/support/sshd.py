"""A real OpenSSH server and a real nginx on loopback ports, for the deployment tests: sshd
with a host key and an authorized key of the test's own (as the current user), nginx serving
TLS with the files casp deploys. Neither touches the system's services."""

from __future__ import annotations

import getpass
import os
import ssl
from pathlib import Path

import asyncssh
from cryptography import x509

from tests.support.net import free_port, tcp_up
from tests.support.procs import ServiceProcess


def new_key() -> asyncssh.SSHKey:
    return asyncssh.generate_private_key("ssh-ed25519")


def public_line(key: asyncssh.SSHKey) -> str:
    """"ssh-ed25519 AAAA..." without a comment, as casp shows a pinned host key."""
    return " ".join(key.export_public_key().decode().split()[:2])


class SshServer(ServiceProcess):
    """`sshd -D` on 127.0.0.1:port; `restart(new host key)` to play a changed server."""

    def __init__(self, sshd: str, workdir: Path) -> None:
        self.sshd, self.workdir, self._own_dir = sshd, workdir, False
        workdir.mkdir(parents=True, exist_ok=True)
        self.log_path = workdir / "sshd.log"
        self.port = free_port()
        self.user = getpass.getuser()
        self.client_key = new_key()
        (workdir / "authorized_keys").write_text(public_line(self.client_key) + "\n")
        self.host_key = new_key()

    @property
    def client_key_pem(self) -> str:
        return self.client_key.export_private_key().decode()

    def start(self) -> SshServer:
        key_file = self.workdir / "host_key"
        key_file.write_bytes(self.host_key.export_private_key())
        key_file.chmod(0o600)
        config = self.workdir / "sshd_config"
        config.write_text("\n".join((
            "ListenAddress 127.0.0.1", f"HostKey {key_file}",
            f"PidFile {self.workdir / 'sshd.pid'}",
            f"AuthorizedKeysFile {self.workdir / 'authorized_keys'}",
            "StrictModes no", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
            "PubkeyAuthentication yes", "UsePAM no", "PermitRootLogin prohibit-password",
            f"AllowUsers {self.user}", "Subsystem sftp internal-sftp", "")))
        if os.geteuid() == 0:  # sshd as root wants its privilege separation directory
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        self._launch([self.sshd, "-D", "-e", "-f", str(config), "-p", str(self.port)])
        self._await_ready(lambda: tcp_up("127.0.0.1", self.port), 10, "sshd", "listen")
        return self

    def restart(self, host_key: asyncssh.SSHKey) -> None:
        self.stop()
        self.host_key = host_key
        self.start()


class Nginx(ServiceProcess):
    """nginx in the foreground serving TLS on 127.0.0.1:port from `cert_dir`'s
    fullchain.pem and privkey.pem; `reload_command` is what casp runs after an upload."""

    def __init__(self, nginx: str, workdir: Path) -> None:
        self.nginx, self.workdir, self._own_dir = nginx, workdir, False
        self.cert_dir = workdir / "certs"
        self.cert_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = workdir / "nginx.log"
        self.port = free_port()
        self.pid_file = workdir / "nginx.pid"
        self.conf = workdir / "nginx.conf"
        temp = workdir / "temp"
        temp.mkdir(exist_ok=True)
        temps = "\n".join(f"  {kind}_temp_path {temp / kind};" for kind in (
            "client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        self.conf.write_text(f"""daemon off;
pid {self.pid_file};
error_log {workdir / 'error.log'};
worker_processes 1;
events {{ worker_connections 64; }}
http {{
  access_log off;
{temps}
  server {{
    listen 127.0.0.1:{self.port} ssl;
    ssl_certificate {self.cert_dir / 'fullchain.pem'};
    ssl_certificate_key {self.cert_dir / 'privkey.pem'};
    return 200 "deployed by casp\\n";
  }}
}}
""")

    @property
    def reload_command(self) -> str:
        """HUP the running nginx; nothing to do before it first starts."""
        return f'[ ! -f {self.pid_file} ] || kill -HUP "$(cat {self.pid_file})"'

    def start(self) -> Nginx:
        self._launch([self.nginx, "-c", str(self.conf), "-p", str(self.workdir),
                      "-e", str(self.workdir / "error.log")])
        self._await_ready(lambda: tcp_up("127.0.0.1", self.port), 10, "nginx", "listen")
        return self


def served_serial(port: int) -> str:
    """The serial of the certificate a TLS server on 127.0.0.1:port presents (lower-case
    hex, as casp shows serials)."""
    pem = ssl.get_server_certificate(("127.0.0.1", port), timeout=5)
    return format(x509.load_pem_x509_certificate(pem.encode()).serial_number, "x")
