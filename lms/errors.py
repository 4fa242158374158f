"""Friendly error pages for browsers, JSON for API clients."""
from __future__ import annotations

from flask import Blueprint, Flask, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, default_exceptions

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


def _wants_json(lms) -> bool:
    return (request.path.startswith(lms.url_prefix + "/xapi/")
            or request.accept_mimetypes.best == "application/json")


def render_error(exc: HTTPException, lms):
    """The LMS's answer to an HTTP error: JSON for the LRS and API clients, else its own HTML page."""
    code = exc.code or 500
    if _wants_json(lms):
        response = make_response({"error": exc.description, "code": code}, code)
    else:
        title, message = MESSAGES.get(code, MESSAGES[500])()
        if isinstance(exc, CSRFError):
            message = _("Das Formular ist abgelaufen oder ungültig (CSRF). Bitte laden Sie die Seite neu.")
        response = make_response(render_template("errors/error.html", code=code, title=title, message=message),
                                 code)
    for key, value in exc.get_headers():
        if key.lower() != "content-type":
            response.headers[key] = value
    return response


def register(parent: Blueprint, lms) -> None:
    """Error pages for the LMS's own routes only: on its parent blueprint, for every status code (a host's
    app-wide handler for a code would otherwise win over a blueprint's HTTPException handler)."""

    def _http_error(exc: HTTPException):
        return render_error(exc, lms)

    parent.register_error_handler(HTTPException, _http_error)
    for code in default_exceptions:
        parent.register_error_handler(code, _http_error)


def init_app(app: Flask, lms) -> None:
    """Requests under the prefix that match no route (404, 405) get the LMS's answer; the host's paths keep
    the host's own error pages, since the LMS registers no app-wide error handler."""

    @app.before_request
    def _lms_routing_error():
        exc = request.routing_exception
        if isinstance(exc, HTTPException) and (exc.code or 0) >= 400 and lms.owns_path(request.path):
            return render_error(exc, lms)
        return None
