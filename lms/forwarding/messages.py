"""What a remote LRS's failure means, in the admin's language; the technical detail (as the LRS or the network
library said it, in English) stays beside it for whoever has to fix it."""
from __future__ import annotations

import re

from ..i18n import _l

# First match wins: the relay and the connection test write these reasons (forwarding/lrsclient.py, crypto.py).
MEANINGS = [
    (re.compile(r"credentials accepted \(write-only\)"), _l("Verbindung in Ordnung; die Zugangsdaten dürfen nur schreiben.")),
    (re.compile(r"credentials accepted"), _l("Verbindung in Ordnung; Zugangsdaten angenommen.")),
    (re.compile(r"^timeout"), _l("Das LRS hat nicht rechtzeitig geantwortet.")),
    (re.compile(r"^connection error|cannot be resolved"), _l("Keine Verbindung zum LRS.")),
    (re.compile(r"non-public address"), _l("Der Endpunkt liegt in einem privaten Netz und ist nicht erlaubt.")),
    (re.compile(r"cannot be decrypted"), _l("Das gespeicherte Passwort ist nicht mehr lesbar; bitte neu eingeben.")),
    (re.compile(r"http:// or https://|credentials in the username"), _l("Der Endpunkt ist keine gültige Adresse.")),
    (re.compile(r"HTTP 401"), _l("Das LRS hat Benutzername oder Passwort abgelehnt.")),
    (re.compile(r"HTTP 3\d\d"), _l("Das LRS leitet weiter; bitte den Endpunkt korrigieren.")),
    (re.compile(r"HTTP 5\d\d|HTTP 429"), _l("Das LRS ist überlastet oder meldet einen Serverfehler; es wird erneut versucht.")),
    (re.compile(r"HTTP 4\d\d"), _l("Das LRS hat die Anfrage abgelehnt.")),
    (re.compile(r"version", re.I), _l("Das LRS unterstützt die eingestellte xAPI-Version nicht.")),
]


def meaning(reason: str | None) -> str:
    """The failure (or test result) in the user's language; '' for no reason."""
    if not reason:
        return ""
    for pattern, text in MEANINGS:
        if pattern.search(reason):
            return str(text)
    return str(_l("Das LRS hat einen Fehler gemeldet."))
