"""Friendly error pages for browsers, JSON for API clients."""
from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .i18n import _

MESSAGES = {
    400: lambda: (_("Ungültige Anfrage"), _("Die Anfrage konnte nicht verarbeitet werden.")),
    403: lambda: (_("Kein Zugriff"), _("Sie haben keine Berechtigung für diese Seite.")),
    404: lambda: (_("Nicht gefunden"), _("Diese Seite gibt es nicht.")),
    405: lambda: (_("Nicht erlaubt"), _("Diese Aktion ist so nicht möglich.")),
    413: lambda: (_("Zu groß"), _("Die gesendeten Daten sind zu groß.")),
    429: lambda: (_("Zu viele Anfragen"), _("Bitte warten Sie einen Moment und versuchen Sie es erneut.")),
    500: lambda: (_("Fehler"), _("Etwas ist schiefgelaufen. Bitte versuchen Sie es erneut.")),
}


def _wants_json() -> bool:
    return request.path.split("/")[1:2] == ["xapi"] or request.accept_mimetypes.best == "application/json"


def init_app(app: Flask) -> None:
    """Render HTTP errors as pages (or JSON for API paths)."""

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        code = exc.code or 500
        if _wants_json():
            return {"error": exc.description, "code": code}, code
        title, message = MESSAGES.get(code, MESSAGES[500])()
        if isinstance(exc, CSRFError):
            message = _("Das Formular ist abgelaufen oder ungültig (CSRF). Bitte laden Sie die Seite neu.")
        response = app.make_response((render_template("errors/error.html", code=code, title=title,
                                                      message=message), code))
        if exc.get_headers():
            for key, value in exc.get_headers():
                if key.lower() != "content-type":
                    response.headers[key] = value
        return response
