"""SCORM routes: the admin's package download, and the three calls of a package's launcher (launch, start,
status). Launch and status are cross-origin calls from the host LMS's page: no cookies, tokens only."""
from __future__ import annotations

import json

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from .. import extension
from ..auth.decorators import role_required
from ..auth.sessions import start_session
from ..auth.models import User
from ..courses import services as courses
from ..db import get_session
from ..i18n import _
from ..security import csrf
from . import services
from .models import ScormPackage

bp = Blueprint("scorm", __name__)
VERSIONS = ("1.2", "2004")


def _cors(response):
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/admin/scorm/<slug>/package", methods=["POST"])
@role_required("admin")
def download(slug: str):
    """A SCORM 1.2 or 2004 (4th edition) package of a course for this organisation."""
    catalog = current_app.extensions["lms_catalog"]
    course = catalog.courses.get(slug)
    if course is None:
        abort(404)
    version = request.form.get("version")
    if version not in VERSIONS:
        return render_template("errors/launch.html", reason="unknown SCORM version"), 400
    data = services.export(get_session(), current_user.organisation, course, catalog.course_quizzes(slug), version,
                           extension.request_home())
    name = f"{slug}-scorm-{version.replace('.', '')}.zip"
    return current_app.response_class(data, mimetype="application/zip",
                                      headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/admin/scorm/packages/<package_id>/revoke", methods=["POST"])
@role_required("admin")
def revoke(package_id: str):
    """Stop a downloaded package from launching (learners get a clear refusal in the LMS)."""
    package = get_session().scalar(select(ScormPackage).where(ScormPackage.id == package_id,
                                                              ScormPackage.org_id == current_user.org_id))
    if package is None:
        abort(404)
    package.revoked = True
    flash(_("Paket gesperrt."))
    return redirect(url_for("lms.cmi5.admin") if "lms.cmi5.admin" in current_app.view_functions else url_for("lms.home"))


@bp.route("/scorm/launch", methods=["POST"])
@csrf.exempt
def launch():
    """The launcher asks for this learner's tokens (the body is JSON sent as text/plain)."""
    try:
        payload = json.loads(request.get_data(as_text=True) or "{}")
        if not isinstance(payload, dict):
            raise ValueError
    except ValueError:
        return _cors(jsonify({"error": "malformed request"})), 400
    try:
        tokens = services.begin(get_session(), payload, current_app.extensions["lms_catalog"])
    except services.ScormError as exc:
        return _cors(jsonify({"error": str(exc)})), 400
    return _cors(jsonify({"start_url": url_for("lms.scorm.start", token=tokens.start, _external=True),
                          "status_url": url_for("lms.scorm.status", token=tokens.status, _external=True)}))


@bp.route("/scorm/start")
def start():
    """Open the hosted module for the learner (single-use, expiring token; the only sign-in a SCORM learner needs).

    A GET, because the launcher opens it as a new window; it records that the token was used."""
    db = get_session()
    try:
        scorm_launch = services.redeem_start(db, request.args.get("token", ""))
    except services.ScormError as exc:
        return render_template("errors/launch.html", reason=str(exc)), 400
    user = db.get(User, scorm_launch.user_id)
    course = current_app.extensions["lms_catalog"].courses[scorm_launch.course_slug]
    courses.enrol(db, user, course)
    start_session(user)
    if scorm_launch.sco == "exam":
        return redirect(url_for("lms.quizzes.intro", slug=course.slug, quiz_id=course.final_exam))
    module = course.module(scorm_launch.sco.removeprefix("module-"))
    return redirect(url_for("lms.courses.lesson", slug=course.slug, lesson_id=module.lessons[0].id))


@bp.route("/scorm/status")
def status():
    """The SCO's result for the launcher to report to the host LMS (read-only)."""
    try:
        result = services.status(get_session(), request.args.get("token", ""), current_app.extensions["lms_catalog"])
    except services.ScormError as exc:
        return _cors(jsonify({"error": str(exc)})), 400
    response = _cors(jsonify(result))
    response.headers["Cache-Control"] = "no-store"
    return response
