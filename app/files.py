"""The data directory holds secrets (the database, the server key, mails carrying tokens):
what casp makes there is 0700 (directories) or 0600 (files) whatever the umask, and
`tighten` brings what an older casp left there (0755, 0644) to the same modes at start."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)
PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600


def private_dir(path: Path) -> Path:
    """Make the directory (and its parents) if missing; the directory itself is 0700."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, PRIVATE_DIR)
    return path


def write_private(path: Path, data: bytes, *, exclusive: bool = False) -> None:
    """Write a 0600 file (chmod after open: the umask only takes bits away, it could leave
    0400). `exclusive`: FileExistsError when the file is there already."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, PRIVATE_FILE)
    with os.fdopen(fd, "wb") as fh:
        os.fchmod(fd, PRIVATE_FILE)
        fh.write(data)


def make_private(*paths: Path) -> None:
    """chmod 0600 the files among `paths` that exist."""
    for path in paths:
        if path.exists():
            _chmod(path, PRIVATE_FILE)


def tighten(root: Path) -> None:
    """`root` 0700 and everything under it: directories 0700, files 0600 (symbolic links
    are not followed). Nothing when `root` does not exist yet."""
    if not root.is_dir():
        return
    _chmod(root, PRIVATE_DIR)
    for folder, dirs, names in os.walk(root):
        for name in dirs:
            _chmod(Path(folder, name), PRIVATE_DIR)
        make_private(*(Path(folder, name) for name in names))


def _chmod(path: Path, mode: int) -> None:
    try:
        found = path.lstat().st_mode
        if not stat.S_ISLNK(found) and stat.S_IMODE(found) != mode:  # chmod follows links
            os.chmod(path, mode)
    except OSError as exc:  # not ours (another owner): say so, the start goes on
        log.warning("cannot make %s private (mode %o): %s", path, mode, exc)
