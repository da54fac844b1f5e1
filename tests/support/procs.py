"""The lifecycle the loopback service helpers (BIND, Pebble) share: one logged daemon process."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, NoReturn

from tests.support import tail


class ServiceProcess:
    """A daemon run as one subprocess, its output in `log_path`, under `workdir`.

    A subclass sets `workdir`, `log_path` and `_own_dir` (True when it made `workdir` and so
    removes it in `cleanup()`), starts the daemon with `_launch()` and waits with `_await_ready()`.
    """

    workdir: Path
    log_path: Path
    _own_dir: bool
    _proc: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = None
    _binary: str = ""

    def _launch(self, argv: list[str], **popen: Any) -> subprocess.Popen[bytes]:
        """Start `argv` with stdout and stderr going to `log_path`."""
        self._binary = argv[0]
        self._log = self.log_path.open("wb")
        self._proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT, **popen)
        return self._proc

    def _await_ready(self, ready: Callable[[], bool], timeout: float, name: str,
                     waiting_for: str) -> None:
        """Poll `ready()` until it holds; fail if the process exits or `timeout` passes first."""
        assert self._proc is not None, "_launch() first"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                self._fail(f"{name} exited with status {self._proc.returncode}")
            if ready():
                return
            time.sleep(0.05)
        self._fail(f"{name} did not {waiting_for} within {timeout:g}s")

    def _fail(self, why: str) -> NoReturn:
        self.stop()
        raise RuntimeError(f"{why}; {self._binary} output:\n{tail(self.log_path)}")

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        if self._log is not None:
            self._log.close()
            self._log = None

    def cleanup(self) -> None:
        """Stop and remove the working directory when this object made it."""
        self.stop()
        if self._own_dir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __exit__(self, *exc: object) -> None:
        self.cleanup()
