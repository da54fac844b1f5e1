"""`python -m schema [PATH]`: write the SDL (default: schema.graphql beside pyproject.toml).
tests/graphql/test_schema_file.py fails when the committed file drifts from the code."""

from __future__ import annotations

import sys
from pathlib import Path

from schema.build import schema

DEFAULT = Path(__file__).resolve().parent.parent / "schema.graphql"


def sdl() -> str:
    return schema.as_str().rstrip("\n") + "\n"


def main(argv: list[str]) -> int:
    target = Path(argv[0]) if argv else DEFAULT
    target.write_text(sdl())
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
