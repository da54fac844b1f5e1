"""app/files.py: private directories and files whatever the umask, and tightening what an
older casp left readable by others."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import files
from app.mail import OutboxMailer


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.fixture(params=[0o000, 0o022, 0o277], ids=["umask-000", "umask-022", "umask-277"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def test_made_private_whatever_the_umask(tmp_path: Path, umask: int):
    folder = files.private_dir(tmp_path / "a" / "b")
    files.write_private(folder / "f", b"secret")
    assert mode(folder) == 0o700 and mode(folder / "f") == 0o600
    assert (folder / "f").read_bytes() == b"secret"


def test_exclusive_write_keeps_what_is_there(tmp_path: Path):
    files.write_private(tmp_path / "k", b"first", exclusive=True)
    with pytest.raises(FileExistsError):
        files.write_private(tmp_path / "k", b"second", exclusive=True)
    assert (tmp_path / "k").read_bytes() == b"first"


def test_tighten_reaches_every_file_but_follows_no_link(tmp_path: Path):
    outside = tmp_path / "outside.txt"
    outside.write_text("not casp's")
    outside.chmod(0o644)
    root = tmp_path / "data"
    (root / "outbox").mkdir(parents=True)
    (root / "outbox" / "m.eml").write_text("mail")
    (root / "outbox" / "link").symlink_to(outside)
    for path in (root, root / "outbox"):
        path.chmod(0o755)
    (root / "outbox" / "m.eml").chmod(0o644)
    files.tighten(root)
    assert [mode(root), mode(root / "outbox"), mode(root / "outbox" / "m.eml")] == [
        0o700, 0o700, 0o600]
    assert mode(outside) == 0o644


def test_tighten_makes_nothing_where_there_is_no_data_dir(tmp_path: Path):
    files.tighten(tmp_path / "none")
    assert not (tmp_path / "none").exists()


def test_a_file_that_cannot_be_changed_is_a_warning(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    caplog: pytest.LogCaptureFixture):
    (tmp_path / "f").write_text("x")
    (tmp_path / "f").chmod(0o644)

    def refuse(path: object, mode: int) -> None:
        raise PermissionError("Operation not permitted")
    monkeypatch.setattr(os, "chmod", refuse)
    with caplog.at_level(logging.WARNING, "app.files"):
        files.make_private(tmp_path / "f")
    assert "cannot make" in caplog.text and "Operation not permitted" in caplog.text


async def test_outbox_mails_are_private(tmp_path: Path, umask: int):
    mailer = OutboxMailer(tmp_path / "outbox", "casp <casp@localhost>")
    await mailer.send("me@example.com", "Reset", "token: abc")
    [mail] = (tmp_path / "outbox").glob("*.eml")
    assert mode(tmp_path / "outbox") == 0o700 and mode(mail) == 0o600
