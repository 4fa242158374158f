"""LTI 1.3 / LTI Advantage tool: platforms launch the course, scores go back to their grade books (AGS), rosters
come in (NRPS), teachers place content (Deep Linking)."""
from flask import Flask, session

from ..extension import of as lms_of


def frame_policy(csp: str, origin: str) -> str:
    """The CSP with frame-ancestors narrowed to one registered platform's origin instead of 'none'."""
    parts = [p.strip() for p in csp.split(";") if p.strip() and not p.strip().startswith("frame-ancestors")]
    return "; ".join(parts + [f"frame-ancestors 'self' {origin}"])


def init_app(app: Flask) -> None:
    """Register the routes, the passback receiver, the CLI and the framing rule for launched sessions."""
    from .. import nav, signals
    from ..i18n import _l
    from ..security import CSP
    from ..loops import register_pass
    from . import cli, views
    from .passback import on_quiz_submitted
    from .passback import run_pass as relay_pass

    app.config.setdefault("LTI_DEFAULT_COURSE", None)  # the course a link without custom parameters opens
    app.config.setdefault("LTI_PASSBACK_MAX_ATTEMPTS", 20)
    signals.quiz_submitted.connect(on_quiz_submitted, weak=False)
    lms_of(app).add_blueprint(views.bp)
    nav.register(app, "lms.lti.platforms", _l("LTI-Plattformen"), ("admin",))
    app.cli.add_command(cli.lti_cli)
    register_pass(app, "lti-passback", relay_pass)

    @app.after_request
    def _allow_platform_frame(response):
        # Only sessions started by a launch from a registered platform may be framed, and only by that platform.
        origin = session.get(views.FRAME_KEY) if response.mimetype == "text/html" else None
        if origin:
            response.headers["Content-Security-Policy"] = frame_policy(
                response.headers.get("Content-Security-Policy", CSP), origin)
        return response
