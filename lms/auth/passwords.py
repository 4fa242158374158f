"""Password policy: length, no personal data, not the current password, not guessable (zxcvbn estimate)."""
from __future__ import annotations

import re

from zxcvbn import zxcvbn

from . import hashing

MIN_LENGTH = 10
MAX_CHECKED = 100  # zxcvbn's cost grows with length; the first 100 characters decide the estimate
MIN_SCORE = 3  # zxcvbn 0..4; 3 = "safely unguessable: moderate protection from offline slow-hash attacks"


class PasswordRejected(ValueError):
    """A new password breaks the policy; the message is a German msgid shown translated."""


def _personal_parts(email: str, name: str) -> list[str]:
    local = email.split("@", 1)[0].lower()
    parts = [local] + [p for p in re.split(r"[^\w]+", local) if len(p) >= 3]
    parts += [p for p in re.split(r"[^\w]+", name.lower()) if len(p) >= 3]
    return [p for p in dict.fromkeys(parts) if p]


def check(password: str, *, email: str, name: str, current_hash: str | None = None) -> None:
    """Raise PasswordRejected when the password breaks the policy, else return None."""
    if len(password) < MIN_LENGTH:
        raise PasswordRejected("Das Passwort muss mindestens 10 Zeichen lang sein.")
    lowered = password.lower()
    if any(part in lowered for part in _personal_parts(email, name)):
        raise PasswordRejected("Das Passwort darf Ihren Namen und Ihre E-Mail-Adresse nicht enthalten.")
    if current_hash and hashing.check(current_hash, password):
        raise PasswordRejected("Das neue Passwort muss sich vom bisherigen unterscheiden.")
    estimate = zxcvbn(password[:MAX_CHECKED], user_inputs=_personal_parts(email, name))
    if estimate["score"] < MIN_SCORE:
        raise PasswordRejected("Dieses Passwort ist zu leicht zu erraten (zu häufig oder zu einfach). "
                               "Bitte wählen Sie ein längeres oder ungewöhnlicheres Passwort.")
