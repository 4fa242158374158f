"""cmi5 routes: the AU launch an external LMS opens, the learner's exit back to it, and the admin page (trusted
LMSs, course package download)."""
from __future__ import annotations

from flask import (Blueprint, abort, after_this_request, current_app, flash, redirect, render_template, request,
                   session, url_for)
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import extension
from ..auth.decorators import role_required
from ..auth.sessions import start_session
from ..auth.models import Organisation
from ..courses import services as courses
from ..db import get_session
from ..i18n import _
from . import package, runtime
from .forms import LmsForm
from .models import Cmi5Lms, Cmi5Session

bp = Blueprint("cmi5", __name__, template_folder="templates")
SESSION_KEY = "cmi5_session"


def _target_url(course, au_key: str) -> str | None:
    if au_key == "exam" and course.final_exam:
        return url_for("lms.quizzes.intro", slug=course.slug, quiz_id=course.final_exam)
    module = course.module(au_key.removeprefix("module-")) if au_key.startswith("module-") else None
    return url_for("lms.courses.lesson", slug=course.slug, lesson_id=module.lessons[0].id) if module else None


def _deliver_after_response() -> None:
    app = current_app._get_current_object()
    if not app.config["CMI5_SEND_AFTER_RESPONSE"]:
        return

    @after_this_request
    def _hook(response):
        from .relay import run_pass

        # After the response is sent (and the request's transaction committed), try the queue at once.
        response.call_on_close(lambda: run_pass(app))
        return response


@bp.route("/cmi5/au/<slug>")
def au_launch(slug: str):
    """Launch of an AU by an external cmi5 LMS (GET, as cmi5 prescribes; it records the session it starts)."""
    db = get_session()
    course = current_app.extensions["lms_catalog"].courses.get(slug)
    org = db.scalar(select(Organisation).where(Organisation.slug == request.args.get("org", "")))
    target = _target_url(course, request.args.get("au", "")) if course else None
    if course is None or org is None or target is None:
        return render_template("errors/launch.html", reason="unknown course, AU or organisation"), 400
    try:
        params = runtime.LaunchParams.parse(request.args)
        lms = runtime.trusted_lms(db, org, params)
        token = runtime.fetch_token(params)
        data = runtime.launch_data(params, token)
        user = runtime.provision(db, lms, params.actor)
        au_session = runtime.start_session(db, lms, user, params, token, data, slug, request.args["au"])
    except runtime.Cmi5LaunchError as exc:
        current_app.logger.warning("cmi5 launch refused: %s", exc)
        return render_template("errors/launch.html", reason=str(exc)), 400
    courses.enrol(db, user, course)
    start_session(user)
    session[SESSION_KEY] = au_session.id
    _deliver_after_response()
    return redirect(target)


@bp.route("/cmi5/exit", methods=["POST"])
@login_required
def exit_au():
    """End the AU session ("terminated") and offer the way back to the LMS's returnURL."""
    db = get_session()
    au_session = db.get(Cmi5Session, session.get(SESSION_KEY) or "")
    if au_session is None or au_session.user_id != current_user.id:
        abort(404)
    runtime.terminate(db, au_session)
    session.pop(SESSION_KEY, None)
    _deliver_after_response()
    # A page with a link, not a redirect: the form-action policy ('self') would block a redirect to the LMS.
    return render_template("cmi5/exited.html", return_url=au_session.return_url or url_for("lms.home"))


@bp.route("/admin/cmi5/", methods=["GET", "POST"])
@role_required("admin")
def admin():
    """Trusted cmi5 LMSs of the organisation, and the course packages to import there."""
    db = get_session()
    form = LmsForm()
    if form.validate_on_submit():
        endpoint = form.endpoint.data.strip()
        endpoint = endpoint if endpoint.endswith("/") else endpoint + "/"
        if db.scalar(select(Cmi5Lms.id).where(Cmi5Lms.org_id == current_user.org_id, Cmi5Lms.endpoint == endpoint)):
            flash(_("Dieses LRS ist bereits eingetragen."))
        else:
            db.add(Cmi5Lms(org_id=current_user.org_id, name=form.name.data.strip(), endpoint=endpoint))
            flash(_("Lernplattform eingetragen."))
        return redirect(url_for("lms.cmi5.admin"))
    rows = db.scalars(select(Cmi5Lms).where(Cmi5Lms.org_id == current_user.org_id).order_by(Cmi5Lms.name)).all()
    catalog = current_app.extensions["lms_catalog"].courses
    # SCORM packages are offered here too when the scorm package is installed (cmi5 does not import it).
    versions, packages = (), []
    if "lms.scorm.download" in current_app.view_functions:
        from ..scorm.models import ScormPackage

        versions = ("1.2", "2004")
        packages = db.scalars(select(ScormPackage).where(ScormPackage.org_id == current_user.org_id)
                              .order_by(ScormPackage.created_at.desc())).all()
    return render_template("cmi5/admin.html", form=form, lmss=rows, courses=catalog, scorm_versions=versions,
                           packages=packages)


@bp.route("/admin/cmi5/<int:lms_id>/delete", methods=["POST"])
@role_required("admin")
def delete(lms_id: int):
    """Stop trusting an LMS."""
    db = get_session()
    row = db.scalar(select(Cmi5Lms).where(Cmi5Lms.id == lms_id, Cmi5Lms.org_id == current_user.org_id))
    if row is None:
        abort(404)
    db.delete(row)
    flash(_("Lernplattform entfernt."))
    return redirect(url_for("lms.cmi5.admin"))


@bp.route("/admin/cmi5/<slug>/cmi5.zip")
@role_required("admin")
def download(slug: str):
    """The cmi5 course package of a course for this organisation."""
    catalog = current_app.extensions["lms_catalog"]
    course = catalog.courses.get(slug)
    if course is None:
        abort(404)
    data = package.package_zip(course, catalog.course_quizzes(slug), extension.request_home(),
                               current_user.organisation.slug)
    return current_app.response_class(data, mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{slug}-cmi5.zip"'})
