"""A PostgreSQL server of a test's own, so that stopping or restarting it disturbs nothing
else: initdb into a temp directory, trust authentication, loopback on a free port, started
and stopped with pg_ctl (Debian's binaries in /usr/lib/postgresql/<version>/bin).

initdb and postgres refuse to run as root: as root they run as the `postgres` user (runuser)
in a directory that user owns."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.support import tail
from tests.support.net import free_port

DEBIAN_ROOT = Path("/usr/lib/postgresql")
SERVICE_USER = "postgres"


def find_bin_dir() -> Path | None:
    """The newest Debian PostgreSQL's bin directory, else wherever initdb is on PATH."""
    versions = sorted((p for p in DEBIAN_ROOT.glob("*/bin") if (p / "initdb").exists()),
                      key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    if versions:
        return versions[-1]
    found = shutil.which("initdb")
    return Path(found).parent if found else None


class PgServer:
    """One postgres (`pg_ctl start`) on 127.0.0.1:`port`, superuser `postgres`, no password."""

    host = "127.0.0.1"

    def __init__(self, bin_dir: Path | None = None, port: int | None = None) -> None:
        found = bin_dir or find_bin_dir()
        if found is None:
            raise FileNotFoundError("PostgreSQL server binaries (initdb, pg_ctl) not found")
        self.bin_dir = found
        self.port = port or free_port()
        # Not under pytest's tmp_path: its parents are 0700 root, out of the server's reach.
        self.workdir = Path(tempfile.mkdtemp(prefix="casp-pgserver-"))
        self.data = self.workdir / "data"
        self.log_path = self.workdir / "postgres.log"
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam(SERVICE_USER)
            os.chown(self.workdir, user.pw_uid, user.pw_gid)
            self._as_user = ["runuser", "-u", SERVICE_USER, "--"]
        self._initialised = False

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@{self.host}:{self.port}/{database}"

    def _run(self, tool: str, *args: str, timeout: float = 60) -> str:
        command = [*self._as_user, str(self.bin_dir / tool), *args]
        done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=timeout, check=False, cwd=self.workdir)
        if done.returncode != 0:
            raise RuntimeError(f"{tool} {' '.join(args)} exited {done.returncode}:\n"
                               f"{done.stdout}{done.stderr}\n{tail(self.log_path)}")
        return done.stdout

    def _init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--locale=C", "--no-sync")
        settings = {
            "port": str(self.port), "listen_addresses": f"'{self.host}'",
            "unix_socket_directories": f"'{self.workdir}'",
            # Durability is not under test: quick commits, quick restarts.
            "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
            "max_connections": "100", "shared_buffers": "32MB",
        }
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{k} = {v}\n" for k, v in settings.items())
        self._initialised = True

    def start(self) -> PgServer:
        if not self._initialised:
            self._init()
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log_path), "-w", "-t", "60",
                  "start")
        return self

    def stop(self, mode: str = "fast") -> None:
        """`fast`: sessions are terminated (clients see their connections closed)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def restart(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log_path), "-m", mode,
                  "-w", "-t", "60", "restart")

    @property
    def running(self) -> bool:
        if not (self.data / "postmaster.pid").exists():
            return False
        command = [*self._as_user, str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "status"]
        return subprocess.run(command, capture_output=True, check=False,
                              cwd=self.workdir).returncode == 0

    def create_database(self, name: str) -> str:
        self._run("createdb", "-h", self.host, "-p", str(self.port), "-U", "postgres", name)
        return self.url(name)

    def output(self) -> str:
        return tail(self.log_path, limit=20000)

    def cleanup(self) -> None:
        """Stop (immediately) if running and remove the directory."""
        try:
            if self._initialised and self.running:
                self.stop("immediate")
        finally:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> PgServer:
        try:
            return self.start()
        except BaseException:
            self.cleanup()
            raise

    def __exit__(self, *exc: object) -> None:
        self.cleanup()
