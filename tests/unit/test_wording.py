"""app/wording.py: a message names a term once; REST's spelling is the text as it always was,
GraphQL's is its own; text that is not a term is never touched."""

from __future__ import annotations

from app.errors import ValidationFailed
from app.wording import MARK, Action, Input, Value, listed, rest_word, spelled
from schema.errors import graphql_word, in_graphql_words


def test_rest_reads_the_words_it_always_read():
    error = ValidationFailed(f"{Input('per_page')} must be from 1 to 100; see {Action.ADD_DOMAIN}"
                             f" with {Value('dns-01')}", field="per_page")
    assert error.message == str(error) == (
        "per_page must be from 1 to 100; see POST domains.php with dns-01")
    assert error.details == {"fields": {"per_page": error.message}}
    assert MARK not in error.message


def test_graphql_reads_its_own_words():
    error = ValidationFailed(f"{Input('eab_hmac_key')} with {Action.SET_EAB}: one of "
                             f"{listed(['keyCompromise', 'ec-256'])}", field="eab_hmac_key")
    assert in_graphql_words(error) == (
        "eabHmacKey with the setEabCredentials mutation: one of KEY_COMPROMISE, EC_256")


def test_what_is_not_a_term_is_left_as_it_is():
    typed = "a_b {per_page} dns-01 POST domains.php"  # what a user may type, echoed
    assert spelled(typed, graphql_word) == spelled(typed, rest_word) == typed
    assert ValidationFailed(typed).message == typed
