"""One safe way to parse JSON from outside: bounded nesting, bounded integers, no lone surrogates.

Every JSON entry point (the LRS statement and document resources, JWS parts of signed statements, the public
credential upload) parses through ``loads``, so hostile input ends as a ``JSONInputError`` (a ValueError, hence a
4xx where the caller maps it) and never as a RecursionError or a 500 further on.
"""
from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any, Callable

__all__ = ["JSONInputError", "MAX_DEPTH", "MAX_INT_DIGITS", "loads"]

# Deep enough for any statement (extensions included) or credential; shallow enough for every recursive walker.
MAX_DEPTH = 64
# An integer with more digits than this is no id, count or score a client could mean (int() itself stops at 4300).
MAX_INT_DIGITS = 100
# In valid JSON a backslash only occurs in a string and escapes exactly the next character.
_ESCAPED = re.compile(r"\\.", re.DOTALL)
_NOT_BRACKETS = bytes(set(range(256)) - set(b"[]{}"))
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}
# Every backslash in valid JSON starts an escape, so scanning escapes left to right keeps them aligned.
_ESCAPE = re.compile(r"\\(?:u([dD][89abAB][0-9a-fA-F]{2})(\\u[dD][c-fC-F][0-9a-fA-F]{2})?"
                     r"|u([dD][c-fC-F][0-9a-fA-F]{2})|.)", re.DOTALL)


class JSONInputError(ValueError):
    """The text is not JSON this application accepts (syntax, nesting, integer size or a lone surrogate)."""


def _depth(text: str) -> int:
    """The deepest array/object nesting of a JSON text (brackets inside strings do not count).

    Exact for valid JSON, which is all that matters: anything else fails to parse anyway. With escapes removed,
    every other piece between double quotes is a string; the rest is structure.
    """
    if "\\" in text:
        text = _ESCAPED.sub("", text)
    structure = "".join(text.split('"')[::2]).encode("utf-8", "surrogatepass")
    return max(accumulate(map(_STEP.__getitem__, structure.translate(None, _NOT_BRACKETS))), default=0)


def _has_lone_surrogate(text: str) -> bool:
    if "\\u" not in text and "\\U" not in text:
        return False
    for match in _ESCAPE.finditer(text):
        high, low_after_high, lone_low = match.groups()
        if (high and not low_after_high) or lone_low:
            return True
    return False


def _parse_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise JSONInputError(f"integer with more than {MAX_INT_DIGITS} digits")
    return int(digits)


def loads(text: str | bytes, *, object_pairs_hook: Callable | None = None,
          parse_constant: Callable | None = None, max_depth: int = MAX_DEPTH) -> Any:
    """Parse JSON text (bytes must be UTF-8); JSONInputError for bad syntax, deep nesting, huge ints, surrogates."""
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            raise JSONInputError("not UTF-8") from None
    if text.count("[") + text.count("{") > max_depth and _depth(text) > max_depth:
        raise JSONInputError(f"nested deeper than {max_depth} levels")
    if _has_lone_surrogate(text):
        raise JSONInputError("a string contains a lone UTF-16 surrogate (\\ud800-\\udfff)")
    try:
        return json.loads(text, object_pairs_hook=object_pairs_hook, parse_constant=parse_constant,
                          parse_int=_parse_int)
    except JSONInputError:
        raise
    except RecursionError:
        raise JSONInputError(f"nested deeper than {max_depth} levels") from None
    except (json.JSONDecodeError, TypeError) as exc:  # errors raised by a caller's hook keep their own type
        raise JSONInputError(str(exc)) from None
