"""What a query asks of a field's results, to read no more than it needs."""

from __future__ import annotations

from collections.abc import Iterable

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from schema.context import Info


def _names(selections: Iterable[Selection]) -> set[str]:
    """The field names selected, through fragments and inline fragments."""
    found: set[str] = set()
    for node in selections:
        if isinstance(node, SelectedField):
            found.add(node.name)
        elif isinstance(node, FragmentSpread | InlineFragment):
            found |= _names(node.selections)
    return found


def asks_any(info: Info, child: str, names: frozenset[str]) -> bool:
    """Whether the query asks, of this field's `child` field (under any alias, in any
    fragment), any of `names`."""
    return any(_asks(field.selections, child, names) for field in info.selected_fields)


def _asks(selections: Iterable[Selection], child: str, names: frozenset[str]) -> bool:
    for node in selections:
        if isinstance(node, FragmentSpread | InlineFragment):
            if _asks(node.selections, child, names):
                return True
        elif isinstance(node, SelectedField) and node.name == child and (
                _names(node.selections) & names):
            return True
    return False
