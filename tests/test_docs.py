"""The README keeps up with the code: every setting in its table, the two set-up commands."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_is_in_the_readme_table():
    code = "\n".join(p.read_text() for p in (ROOT / "app").rglob("*.py"))
    names = set(re.findall(r"CASP_[A-Z0-9_]+", code))
    names = {n.rstrip("_") for n in names}
    readme = (ROOT / "README.md").read_text()
    table = "\n".join(line for line in readme.splitlines() if line.startswith("| `CASP_"))
    # The families CASP_CA_<NAME>_DIRECTORY and CASP_EAB_<NAME>_* have one row each.
    assert "`CASP_CA_<NAME>_DIRECTORY`" in table and "`CASP_EAB_<NAME>_KID`" in table
    family = re.compile(r"^CASP_(CA|EAB)(_[A-Z]+_(DIRECTORY|KID|HMAC_KEY))?$")
    missing = sorted(n for n in names if not family.match(n) and f"`{n}`" not in table)
    assert not missing, f"settings missing from the README table: {missing}"


def test_readme_starts_with_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    block = readme.split("```sh", 1)[1].split("```", 1)[0].strip().splitlines()
    assert [line.split()[0:2] for line in block] == [["./dev", "run"], ["./dev", "test"]]
    ci = (ROOT / ".ci" / "run").read_text()
    assert "./dev test" in ci


def test_readme_links_and_pictures_are_in_the_repository():
    readme = (ROOT / "README.md").read_text()
    targets = re.findall(r"\]\(((?:docs|app|web|tests|bench|tools|docker)/[^)#\s]+)", readme)
    assert "docs/images/dashboard.png" in targets  # the dashboard's screenshot
    missing = [t for t in targets if not (ROOT / t).exists()]
    assert not missing, missing


def test_dev_script_settings_are_in_the_readme_table():
    names = set(re.findall(r"CASP_DEV_[A-Z_]+", (ROOT / "dev").read_text() +
                           (ROOT / "tools" / "dev_pebble.py").read_text()))
    readme = (ROOT / "README.md").read_text()
    assert names and all(f"| `{n}` |" in readme for n in names), names
