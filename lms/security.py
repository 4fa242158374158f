"""Security defaults: CSRF on every form, strict headers on every response, proxies, cookies, HSTS."""
from __future__ import annotations

from flask import Flask, request
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

csrf = CSRFProtect()

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def init_app(app: Flask) -> None:
    """Enable CSRF protection, trust the configured proxies, secure the cookies and add the security headers."""
    csrf.init_app(app)
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0 and not isinstance(app.wsgi_app, ProxyFix):
        # The client address (login throttling, audit) and the scheme come from the last `proxies` hops only.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    if app.config.get("SECURE_COOKIES"):
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True

    lms = app.extensions["lms"]

    @app.after_request
    def _headers(response):
        if not lms.owns_path(request.path):
            return response  # a host's own pages keep the host's headers
        headers = response.headers
        present = {key.lower() for key in headers.keys()}  # one pass instead of a scan per setdefault

        def default(name: str, value: str) -> None:
            if name.lower() not in present:
                headers.add(name, value)

        default("Content-Security-Policy", CSP)
        default("X-Content-Type-Options", "nosniff")
        if "frame-ancestors 'none'" in headers["Content-Security-Policy"]:
            # A response that allows a registered LTI platform to frame it carries no X-Frame-Options.
            default("X-Frame-Options", "DENY")
        default("Referrer-Policy", "same-origin")
        default("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        default("Cross-Origin-Opener-Policy", "same-origin")
        if is_download(response):
            # Every download (CSV, XLSX, PDF, credential JSON, Markdown, DOCX, JSON lines) may carry personal
            # data: no copy in browser or proxy caches, whatever the view said.
            headers["Cache-Control"] = "no-store"
        elif response.mimetype == "text/html":
            headers.setdefault("Cache-Control", "no-store")
        if app.config.get("HSTS") and request.is_secure:
            headers.setdefault("Strict-Transport-Security", f"max-age={int(app.config['HSTS_MAX_AGE'])}; "
                                                            "includeSubDomains")
        return response


def is_download(response) -> bool:
    """Whether the response is a file download (Content-Disposition attachment or inline with a file name)."""
    disposition = response.headers.get("Content-Disposition", "").lower()
    return disposition.startswith("attachment") or "filename" in disposition
