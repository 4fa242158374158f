"""Verification codes: 130 random bits in Crockford base32, grouped for people, tolerant when typed back."""
from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 26
CODE_BITS = CODE_LENGTH * 5
GROUP = 4

# Crockford's decoding rules: letters that look like digits read as those digits.
_CONFUSABLES = str.maketrans({"O": "0", "I": "1", "L": "1"})
# What people type between groups: dashes of any kind, spaces, dots, underscores.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212._]+")
_VALID = re.compile(f"[{ALPHABET}]{{{CODE_LENGTH}}}")


def new_code() -> str:
    """Return a new random code: 130 bits from `secrets` as 26 Crockford base32 characters."""
    value = secrets.randbits(CODE_BITS)
    chars = []
    for _ in range(CODE_LENGTH):
        value, digit = divmod(value, 32)
        chars.append(ALPHABET[digit])
    return "".join(reversed(chars))


def format_code(code: str) -> str:
    """Return the code in groups of four separated by dashes (ABCD-EFGH-…) for display."""
    return "-".join(code[i:i + GROUP] for i in range(0, len(code), GROUP))


def normalize_code(text: str) -> str | None:
    """Return the canonical code for user input (any case, dashes, spaces, O/I/L), or None if invalid."""
    if not isinstance(text, str) or len(text) > 4 * CODE_LENGTH:
        return None
    candidate = _SEPARATORS.sub("", text).upper().translate(_CONFUSABLES)
    return candidate if _VALID.fullmatch(candidate) else None
