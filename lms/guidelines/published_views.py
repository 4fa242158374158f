"""The organisation's published guideline: the current version, earlier versions, and acknowledging it."""
from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for
from flask_login import current_user
from markupsafe import Markup

from ..catalog import get_catalog
from ..courses import markdown
from ..courses import services as courses
from ..db import get_session
from ..i18n import _
from . import services
from .views import bp


def _render_body(version) -> Markup:
    return Markup(markdown.render(version.body))


@bp.route("/")
def index():
    """The organisation's current guideline with the acknowledgement button."""
    db = get_session()
    version = services.current_version(db, current_user.org_id)
    ack = services.acknowledgement(db, current_user, version) if version else None
    earlier = None
    if version is not None and ack is None:
        previous = [v for v in services.versions(db, current_user.org_id) if v.number < version.number]
        earlier = next((v for v in previous if services.acknowledgement(db, current_user, v)), None)
    builders = [course for course in get_catalog().courses.values()
                if courses.get_enrolment(db, current_user, course) is not None]
    return render_template("guidelines/index.html", version=version, ack=ack, earlier=earlier,
                           body=_render_body(version) if version else None, builders=builders)


@bp.route("/versions/<int:number>")
def show_version(number: int):
    """One published version (also earlier ones) of the organisation's guideline."""
    db = get_session()
    version = g.guideline_version
    current = services.current_version(db, current_user.org_id)
    return render_template("guidelines/version.html", version=version, body=_render_body(version),
                           current=current, ack=services.acknowledgement(db, current_user, version))


@bp.route("/versions/<int:number>/acknowledge", methods=["POST"])
def acknowledge(number: int):
    """Acknowledge the current version (read and understood)."""
    db = get_session()
    version = g.guideline_version
    current = services.current_version(db, current_user.org_id)
    if current.id != version.id:
        flash(_("Es gibt eine neuere Version. Bitte lesen und bestätigen Sie diese."), "error")
        return redirect(url_for("lms.guidelines.index"))
    _row, created = services.acknowledge(db, current_user, version)
    if created:
        flash(_("Danke! Ihre Bestätigung wurde gespeichert."), "success")
    return redirect(url_for("lms.guidelines.index"))
