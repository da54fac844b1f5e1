"""The `casp` command as the tests run it: where it is, and the environment of a process of
a test (tests/support/app.py: process_env) with a data directory and cheap argon2."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from tests.support.app import process_env

CASP = shutil.which("casp", path=str(Path(sys.executable).parent)) or "casp"


def env_for(data_dir: Path, empty_database: bool = False, **extra: str) -> dict[str, str]:
    return process_env(empty_database, CASP_DATA_DIR=str(data_dir),
                       CASP_ARGON2_MEMORY_KIB="1024", CASP_ARGON2_TIME_COST="1", **extra)
