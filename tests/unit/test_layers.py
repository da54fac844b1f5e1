"""The import direction of docs/architecture.md: doors -> services -> models, ACME behind the
services, no door importing another, middleware importing neither doors nor services.

Every import counts, also those inside functions: a lazy import is still a dependency."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# A module's layer: the first prefix it falls under.
LAYERS = (("app.rest", "rest"), ("schema", "graphql"), ("app.services", "services"),
          ("app.acme", "acme"), ("models", "models"), ("app.jobs", "jobs"),
          ("app.middleware", "middleware"), ("app.ratelimit", "middleware"))

FORBIDDEN: dict[str, tuple[str, ...]] = {
    "models": ("app", "schema"),
    "acme": ("app.services", "app.rest", "schema", "app.jobs", "models", "app.auth"),
    "services": ("app.rest", "schema", "starlette", "strawberry", "acme", "app.jobs.worker",
                 "app.jobs.tasks", "app.main", "app.middleware", "app.auth"),
    "rest": ("schema", "app.acme", "models", "app.jobs"),
    "graphql": ("app.rest", "app.acme", "models", "app.jobs"),
    "middleware": ("app.services", "app.rest", "schema", "models"),
}
# The acting user's type: the doors pass it from app/auth.py to the services untouched.
ALLOWED = ("models.user",)


def under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> str | None:
    return next((layer for prefix, layer in LAYERS if under(module, prefix)), None)


def imports(path: Path) -> set[str]:
    """Every module `path` imports, as absolute names (`from x import y` counts as x.y too,
    so that `from app.services import accounts` names the accounts module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def violations(path: Path) -> list[str]:
    module = module_name(path)
    layer = layer_of(module)
    banned = FORBIDDEN.get(layer or "", ())
    return sorted(f"{module} ({layer}) imports {name}" for name in imports(path)
                  if any(under(name, b) for b in banned)
                  and not any(under(name, a) for a in ALLOWED))


def sources() -> list[Path]:
    files = [p for top in ("app", "schema", "models") for p in (ROOT / top).rglob("*.py")]
    return sorted(p for p in files if "migrations" not in p.parts)


def test_the_layers_import_only_downwards() -> None:
    found = [v for path in sources() for v in violations(path)]
    assert found == [], "\n".join(found)


@pytest.mark.parametrize(("module", "imported", "allowed"), [
    ("app.services.certificates.records", "app.rest.envelope", False),
    ("app.services.certificates.records", "app.jobs.worker", False),
    ("app.services.certificates.records", "app.jobs.queue", True),
    ("app.rest.v1.domains", "schema.types.domain", False),
    ("schema.query", "app.rest.dispatch", False),
    ("schema.context", "models.user", True),
    ("schema.types.notification", "models.notification", False),
    ("app.middleware", "app.services.accounts.users", False),
    ("app.acme.client", "app.services.certificates.cas", False),
    ("models.user", "app.crypto", False),
])
def test_the_rules_catch_what_they_should(module: str, imported: str, allowed: bool) -> None:
    # the checker itself, on made-up imports: a test that cannot fail proves nothing
    banned = FORBIDDEN.get(layer_of(module) or "", ())
    hit = any(under(imported, b) for b in banned) and not any(
        under(imported, a) for a in ALLOWED)
    assert hit is not allowed


def test_every_product_module_is_read() -> None:
    names = {module_name(p) for p in sources()}
    assert {"app.auth", "app.rest.dispatch", "schema.context",
            "app.services.certificates.records", "models.certificate"} <= names
