"""IDN homographs: names that would read as another, familiar name.

Two checks, after the name is in its Unicode form (punycode typed as such is decoded first):
- A label may not mix scripts, except as languages do (UTS #39's "highly restrictive"
  level): one script, or Latin with Han, Hiragana and Katakana (Japanese), with Han and
  Bopomofo (Chinese), or with Han and Hangul (Korean). So Cyrillic `а` inside `аpple` is
  refused. Each character's script comes from confusable-homoglyphs' Unicode tables.
- A label wholly in Cyrillic made only of letters that look like Latin ones (`аррӏе`,
  `сосо`) is refused unless the top-level label is Cyrillic too (`а.рф`), as browsers do.
"""

from __future__ import annotations

from confusable_homoglyphs import categories

_NEUTRAL = frozenset({"COMMON", "INHERITED"})  # digits, hyphen, combining marks
_MIXES = (frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
          frozenset({"LATIN", "HAN", "BOPOMOFO"}),
          frozenset({"LATIN", "HAN", "HANGUL"}))
# Cyrillic letters that read as Latin lower case (a c d e h i j l o p q s w x y): the set
# browsers use for whole-script spoofs.
_CYRILLIC_AS_LATIN = frozenset("асԁеһіјӏорԛѕԝху")


def scripts(label: str) -> frozenset[str]:
    return frozenset(categories.alias(c) for c in label) - _NEUTRAL


def problem(labels: list[str]) -> str | None:
    """Why these labels (Unicode, top-level last) look like a spoof, or None."""
    top = scripts(labels[-1])
    for label in labels:
        found = scripts(label)
        if len(found) > 1 and not any(found <= mix for mix in _MIXES):
            names = " and ".join(s.title() for s in sorted(found))
            return f"its label {label!r} mixes {names} letters (a homograph)"
        if found == {"CYRILLIC"} and top != {"CYRILLIC"} and _reads_as_latin(label):
            return (f"its label {label!r} is Cyrillic letters that read as Latin ones "
                    "(a homograph)")
    return None


def _reads_as_latin(label: str) -> bool:
    letters = [c for c in label if categories.alias(c) == "CYRILLIC"]
    return all(c in _CYRILLIC_AS_LATIN for c in letters)
