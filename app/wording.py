"""Names an error message mentions that each API spells its own way.

REST's parameters are snake_case, its values the vocabulary strings and its actions paths
(`per_page`, `dns-01`, `POST domains.php`); GraphQL's are camelCase arguments, enum values
and mutations (`perPage`, `DNS_01`, `the addDomain mutation`). A service writes the term, not
a spelling, inside an ordinary f-string:

    raise ValidationFailed(f"{Input('per_page')} must be from 1 to 100", field="per_page")

The term leaves a mark in the text; AppError spells the marks in REST's words for its
`message` (REST's contract, the CLI, the logs) and keeps the marked text, which GraphQL
spells in its own words (schema/errors.py). One sentence, written once: the two spellings
cannot drift apart, and a message without marks reads the same in both.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from enum import Enum
from typing import Any

MARK = "\x00"  # never in a message otherwise: shown() quotes what users type with repr()
_MARKED = re.compile(f"{MARK}(input|value|action):([^{MARK}]*){MARK}")

Speller = Callable[[str, str], str]  # (kind, REST spelling) -> the door's spelling


class Input:
    """A parameter or argument, by its REST name: per_page (GraphQL: perPage)."""

    kind = "input"

    def __init__(self, name: str):
        self.name = name

    def __format__(self, spec: str) -> str:
        return f"{MARK}{self.kind}:{self.name}{MARK}"

    def __str__(self) -> str:
        return format(self)


class Value(Input):
    """A vocabulary value, by its REST string: dns-01 (GraphQL's enum value: DNS_01)."""

    kind = "value"


class Action(Enum):
    """An operation a message sends the user to; the value is REST's spelling, GraphQL's
    is in schema/errors.py (a test checks that each has one, naming a real mutation)."""

    ADD_DOMAIN = "POST domains.php"
    VERIFY_DOMAIN = "domains.php?action=verify"
    SET_EAB = "POST account.php?action=set-eab"
    VERIFY_CERTIFICATE = "certificates.php?action=verify"

    def __format__(self, spec: str) -> str:
        return f"{MARK}action:{self.name}{MARK}"

    def __str__(self) -> str:
        return format(self)


def spelled(text: str, speller: Speller) -> str:
    """`text` with each mark replaced by the speller's word for it."""
    return _MARKED.sub(lambda m: speller(m[1], m[2]), text)


def spelled_all(tree: Any, speller: Speller) -> Any:
    """A JSON tree (a domain's instructions) with the marks of each string spelled."""
    if isinstance(tree, str):
        return spelled(tree, speller)
    if isinstance(tree, dict):
        return {key: spelled_all(value, speller) for key, value in tree.items()}
    if isinstance(tree, list):
        return [spelled_all(value, speller) for value in tree]
    return tree


def rest_word(kind: str, name: str) -> str:
    return Action[name].value if kind == "action" else name


def listed(values: Iterable[str]) -> str:
    """A vocabulary, comma-separated, each value spelled by the door ("pem, fullchain")."""
    return ", ".join(str(Value(v)) for v in values)
