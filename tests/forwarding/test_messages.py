"""Failures of a remote LRS are explained in the admin's language, with the technical detail beside them."""
from __future__ import annotations

from flask_babel import force_locale

from lms.forwarding.messages import meaning


def test_messages_reasons_have_a_meaning_in_german_and_english(app):
    """Each kind of reason the relay and the connection test write maps to its own sentence, in both languages."""
    reasons = {"timeout: ReadTimeout: timed out": ("nicht rechtzeitig", "did not answer in time"),
               "connection error: ConnectError: [Errno 111] Connection refused": ("Keine Verbindung", "No connection"),
               "HTTP 503: busy": ("Serverfehler", "server error"),
               "about: versions 1.0.3; HTTP 401: the LRS rejected the username or password": ("Passwort", "password"),
               "HTTP 302: redirect to 'https://x' not followed (fix the endpoint)": ("leitet weiter", "redirects"),
               "versions 1.0.3; credentials accepted": ("Zugangsdaten angenommen", "credentials accepted"),
               "something new": ("einen Fehler gemeldet", "reported an error")}
    with app.test_request_context():
        for reason, (german, english) in reasons.items():
            with force_locale("de"):
                assert german in meaning(reason), reason
            with force_locale("en"):
                assert english in meaning(reason), reason
        assert meaning("") == "" and meaning(None) == ""
