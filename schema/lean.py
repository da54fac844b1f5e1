"""Plain leaf fields resolved without graphql-core's per-field machinery.

A list of 20 certificates asking five fields runs graphql-core's `execute_field` 100 times:
a ResolveInfo built, the resolver wrapped and called, the value completed through four
type checks. That was about a third of the GraphQL list's CPU (docs/benchmarks.md, issue
15). Most of those fields are Strawberry's basic fields (an attribute, no resolver, no
arguments, no permission, no extension): their value is the attribute, coerced by the
field's type. `LeanExecution` answers those directly and hands everything else, and any
value that is not plainly valid (a null where the type forbids it, a value the type cannot
coerce), to graphql-core unchanged, which then reports it as it always did.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any, cast

from graphql import (
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInt,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLString,
    Undefined,
    is_leaf_type,
)
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

Complete = Callable[[Any], Any]
_NOT_PLAIN: Any = object()  # the marker a completer returns to hand a value to graphql-core


Plan = list[tuple[str, Complete, Complete, Any]]  # response name, read, complete, details
# collect_subfields across requests: (type name, node ids) -> (type, nodes, collected)
_COLLECTED: dict[tuple[str, tuple[int, ...]], tuple[GraphQLObjectType, tuple[Any, ...], Any]] = {}
MAX_COLLECTED = 1024  # bounded like the parser cache (made-up documents cannot grow it)
_PLANS: dict[int, tuple[Any, Plan | None]] = {}  # id(grouped field set) -> (it, its plan)


class LeanExecution(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context with the fast path above for plain leaf fields: one
    field at a time, and a whole object when every field it is asked is plain (the list's
    20 certificates: no Path and no awaitable check per field)."""

    def execute_fields(self, parent_type: GraphQLObjectType, source_value: Any,
                       path: Any, grouped_field_set: Any, position_context: Any) -> Any:
        plan = self._plan(parent_type, grouped_field_set) if position_context is None else None
        if plan is None:
            return super().execute_fields(parent_type, source_value, path,
                                          grouped_field_set, position_context)
        results: dict[str, Any] = {}
        for name, read, complete, details in plan:
            value = complete(read(source_value))
            if value is _NOT_PLAIN:  # graphql-core reports it, with its path, as before
                value = super().execute_field(parent_type, source_value, details,
                                              Path(path, name, parent_type.name), None)
                if value is Undefined:
                    continue
            results[name] = value
        return results

    def collect_subfields(self, return_type: GraphQLObjectType,
                          field_details_list: Any) -> Any:
        """graphql-core's, kept across requests too: the parser cache hands every request
        of one query text the same document, so the same field nodes select the same
        subfields (a tenth of the list's execution went to collecting them again). Within
        a request memoized per selection, as graphql-core does; across requests only
        without variables (they may @skip or @include fields), fragment variables or @defer,
        a hit checked by the nodes' identity, which the cache keeps alive."""
        mine: dict[tuple[Any, int], tuple[Any, Any]] = self.__dict__.setdefault(
            "_lean_collected", {})
        key = (return_type, id(field_details_list))
        known = mine.get(key)
        if known is None:
            known = mine[key] = (field_details_list,
                                 self._collected(return_type, field_details_list))
        return known[1]

    def _collected(self, return_type: GraphQLObjectType, field_details_list: Any) -> Any:
        nodes = tuple(details.node for details in field_details_list)
        if self.variable_values.coerced or any(
                details.fragment_variable_values or details.defer_usage
                for details in field_details_list):
            return super().collect_subfields(return_type, field_details_list)
        key = (return_type.name, tuple(map(id, nodes)))
        known = _COLLECTED.get(key)
        if known is not None and known[0] is return_type and all(
                a is b for a, b in zip(known[1], nodes, strict=True)):
            return known[2]
        collected = super().collect_subfields(return_type, field_details_list)
        if not collected.new_defer_usages and not collected.forbidden_directive_instances:
            if len(_COLLECTED) >= MAX_COLLECTED:
                _COLLECTED.clear()
            _COLLECTED[key] = (return_type, nodes, collected)
        return collected

    def _plan(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> Plan | None:
        """How to answer every field of `grouped_field_set` (memoized per type and
        selection, so the 20 objects of a list share one, and across requests by
        collect_subfields), or None when one of them is not plain. Kept with the set alive,
        so that its id is not reused meanwhile; bounded like _COLLECTED."""
        plans = _PLANS
        known = plans.get(id(grouped_field_set))
        if known is not None and known[0] is grouped_field_set:
            return known[1]
        if len(plans) >= MAX_COLLECTED:
            plans.clear()
        steps: Plan = []
        wrapping = self.middleware_manager
        for name, details in grouped_field_set.items():
            node = details[0].node
            plain = _plain(self.schema.get_field(parent_type, node.name.value))
            if plain is None or node.arguments or node.directives or (
                    wrapping and wrapping.middlewares):
                plans[id(grouped_field_set)] = (grouped_field_set, None)
                return None
            steps.append((name, *plain, details))
        plans[id(grouped_field_set)] = (grouped_field_set, steps)
        return steps

    def execute_field(self, parent_type: GraphQLObjectType, source: Any,
                      field_details_list: Any, path: Any, position_context: Any) -> Any:
        node = field_details_list[0].node
        wrapping = self.middleware_manager  # Strawberry's, always there; empty without hooks
        if not node.arguments and not node.directives and not (
                wrapping and wrapping.middlewares):
            plain = _plain(self.schema.get_field(parent_type, node.name.value))
            if plain is not None:
                read, complete = plain
                value = complete(read(source))
                if value is not _NOT_PLAIN:
                    return value
        return super().execute_field(parent_type, source, field_details_list, path,
                                     position_context)


def _plain(field: GraphQLField | None) -> tuple[Complete, Complete] | None:
    """How to read and complete a Strawberry basic field of a leaf type or a list of one,
    built once per field (kept on the field); None for any other field."""
    if field is None:
        return None
    known = field.__dict__.get("_casp_plain", _NOT_PLAIN)
    if known is _NOT_PLAIN:
        resolve = field.resolve
        plain = getattr(resolve, "_is_default", False) and not field.args
        complete = _completer(field.type) if plain else None
        known = (_reader(field), complete) if resolve and complete else None
        field.__dict__["_casp_plain"] = known
    return known  # type: ignore[no-any-return]


def _reader(field: GraphQLField) -> Complete:
    """What Strawberry's basic resolver does: the default resolver (getattr unless
    configured otherwise) of the field's Python name; getattr itself when it is that."""
    definition = (field.extensions or {}).get("strawberry-definition")
    if definition is not None and definition.default_resolver is getattr:
        return attrgetter(definition.python_name)
    resolve = field.resolve
    assert resolve is not None
    return lambda source: resolve(source, None)


def _completer(type_: GraphQLOutputType) -> Complete | None:
    """What graphql-core's complete_value does for `type_`, for plainly valid values only:
    a null for a non-null type, an uncoercible value or a non-list for a list type give
    _NOT_PLAIN. None when `type_` is not a leaf or a list of leaves."""
    required = isinstance(type_, GraphQLNonNull)
    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if is_leaf_type(inner):
        return _leaf(inner, required)
    if isinstance(inner, GraphQLList):
        item = _completer(inner.of_type)
        return _list(item, required) if item is not None else None
    return None


def _leaf(type_: GraphQLLeafType, required: bool) -> Complete:
    coerce = type_.coerce_output_value
    same = _as_is(type_)
    names = _enum_names(type_)

    def complete(value: Any) -> Any:
        if value is None or value is Undefined:
            return _NOT_PLAIN if required else None
        if type(value) is same and (same is not int or _INT_MIN <= cast(int, value) <= _INT_MAX):
            return value  # what coerce_output_value would return, without the call
        if names is not None and (name := names.get(value)) is not None:
            return name
        try:
            coerced = coerce(value)
        except Exception:  # graphql-core reports it, located, as before
            return _NOT_PLAIN
        return _NOT_PLAIN if coerced is None or coerced is Undefined else coerced
    return complete


_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1  # GraphQL's Int


def _as_is(type_: GraphQLLeafType) -> type | None:
    """The Python type a built-in scalar returns unchanged (String: str, Int: int in range,
    Boolean: bool), None for others."""
    kept: dict[object, type] = {GraphQLString: str, GraphQLInt: int, GraphQLBoolean: bool}
    return kept.get(type_)


def _enum_names(type_: GraphQLLeafType) -> dict[Any, str] | None:
    """A Strawberry enum's GraphQL name of each Python member (its coerce_output_value
    looks each one up through all the values)."""
    wrapped = getattr(type_, "wrapped_cls", None)
    if not isinstance(type_, GraphQLEnumType) or wrapped is None:
        return None
    return {member: name for member in wrapped for name, value in type_.values.items()
            if value.value == member.value}


def _list(item: Complete, required: bool) -> Complete:
    def complete(value: Any) -> Any:
        if value is None or value is Undefined:
            return _NOT_PLAIN if required else None
        if not isinstance(value, list | tuple):  # other iterables: graphql-core's rules
            return _NOT_PLAIN
        done = [item(v) for v in value]
        return _NOT_PLAIN if any(v is _NOT_PLAIN for v in done) else done
    return complete



