"""The committed SDL (schema.graphql) is the schema the code builds."""

from __future__ import annotations

import re

from graphql import GraphQLEnumType, GraphQLSchema, build_schema

from schema.__main__ import DEFAULT, sdl
from schema.build import schema


def test_schema_graphql_matches_the_code():
    assert DEFAULT.exists(), "schema.graphql is missing: run `.venv/bin/python -m schema`"
    assert DEFAULT.read_text() == sdl(), (
        "schema.graphql differs from the schema in code: run `.venv/bin/python -m schema` "
        "and commit the file")


def test_the_schema_has_every_capability():
    text = sdl()
    for name in ("me", "certificates(", "certificate(", "certificateDownload(", "domains",
                 "domain(", "renewalStats", "notifications(", "caProviders", "register(",
                 "login(", "verifyEmail(", "forgotPassword(", "resetPassword(",
                 "regenerateApiToken", "setEabCredentials(", "addDomain(", "verifyDomain(",
                 "deleteDomain(", "requestCertificate(", "verifyCertificate(",
                 "renewCertificate(", "revokeCertificate(", "deleteCertificate(",
                 "markNotificationRead(", "markAllNotificationsRead", "notificationSettings",
                 "updateNotificationSettings(",
                 "certificateEvents("):
        assert name in text, name



def undescribed(built: GraphQLSchema) -> list[str]:
    """Every type, field, argument, input field and enum value without a description, or
    whose description only restates its name; the built-in scalars are not ours."""
    found: list[str] = []
    for type_name, kind in built.type_map.items():
        if type_name.startswith("__") or type_name in BUILT_IN_SCALARS:
            continue
        found += [f"type {type_name}"] if restated(type_name, kind.description) else []
        for field_name, field in getattr(kind, "fields", {}).items():
            where = f"{type_name}.{field_name}"
            found += [f"field {where}"] if restated(field_name, field.description) else []
            found += [f"argument {where}({name})" for name, arg in
                      getattr(field, "args", {}).items() if restated(name, arg.description)]
        if isinstance(kind, GraphQLEnumType):
            found += [f"enum value {type_name}.{name}" for name, value in kind.values.items()
                      if restated(name, value.description)]
    return found


BUILT_IN_SCALARS = {"String", "Int", "Float", "Boolean", "ID"}


def restated(name: str, description: str | None) -> bool:
    """No description, or one that says the name again in other case ("Per page.")."""
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name).replace("_", " ").lower().split()
    said = re.sub(r"[^a-z0-9 ]", "", (description or "").lower()).split()
    return not said or said in (words, ["the", *words])


def test_every_part_of_the_schema_is_described():
    missing = undescribed(schema._schema)
    assert missing == [], "no description (or only the name again):\n" + "\n".join(missing)


def test_the_description_check_finds_each_kind_of_gap():
    # the checker itself, on a made-up schema: a test that cannot fail proves nothing
    made_up = build_schema('''
        "Reads" type Query { "Pages of kinds" pages(perPage: Int, "From 1" page: Int): Kind
                             total: Int }
        "The kind." enum Kind { "Worth having" GOOD BAD }
        input Filter { "A b" a: Int }
        scalar Stamp''')
    assert undescribed(made_up) == [
        "argument Query.pages(perPage)", "field Query.total", "type Kind",
        "enum value Kind.BAD", "type Filter", "type Stamp"]
