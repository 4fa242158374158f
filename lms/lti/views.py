"""LTI routes: tool JWKS, OIDC login initiation, launch, deep-linking picker, and the admin's platform pages."""
from __future__ import annotations

from flask import (Blueprint, abort, current_app, flash, jsonify, make_response, redirect, render_template, request,
                   session, url_for)
from flask_login import current_user
from sqlalchemy import select

from ..auth.decorators import role_required
from ..auth.sessions import start_session
from ..courses import services as courses
from ..db import get_session, session_scope
from ..i18n import _
from ..security import CSP, csrf
from . import deeplink, dynreg, launch, roster, services
from . import platform_client as pc
from .forms import DeepLinkForm, PlatformForm
from .keys import ensure_tool_key, public_jwks, signing_key
from .models import LtiPlatform, LtiResourceLink

bp = Blueprint("lti", __name__, template_folder="templates")
FRAME_KEY = "lti_frame_origin"
DL_KEY = "lti_deep_link"


@bp.route("/lti/jwks.json")
def jwks():
    """The tool's public signing keys (platforms verify client assertions and deep-linking answers with them)."""
    # GET does not write: the key is created when an admin registers a platform; an empty set until then.
    return jsonify(public_jwks(get_session()))


@bp.route("/lti/login", methods=["GET", "POST"])
@csrf.exempt
def login():
    """Third-party initiated login: the platform names itself and the user hint; we answer with an auth request.

    The protocol allows GET here, and the one-time state must be stored: the only GET route that writes."""
    params = request.values.to_dict()
    db = get_session()
    try:
        answer = launch.begin_login(db, params, url_for("lms.lti.launch_view", _external=True))
    except launch.LaunchError as exc:
        return render_template("errors/launch.html", reason=str(exc)), 400
    return redirect(answer.url)


def _sign_in(user, platform: LtiPlatform) -> None:
    start_session(user)
    session[FRAME_KEY] = platform.frame_origin


def _target_url(course, target: str) -> str:
    if target == "exam":
        return url_for("lms.quizzes.intro", slug=course.slug, quiz_id=course.final_exam)
    if target.startswith("module:"):
        module = course.module(target.split(":", 1)[1])
        return url_for("lms.courses.lesson", slug=course.slug, lesson_id=module.lessons[0].id)
    return url_for("lms.courses.overview", slug=course.slug)


@bp.route("/lti/launch", methods=["POST"])
@csrf.exempt
def launch_view():
    """Validate the id_token, provision and sign in the user, and open what the link points to."""
    db = get_session()
    ensure_tool_key(db)  # the grade book and roster calls that follow a launch sign with it
    try:
        platform, claims = launch.validate_launch(db, request.form.get("state", ""), request.form.get("id_token", ""))
        user = services.provision_user(db, platform, str(claims.get("sub") or ""), email=claims.get("email"),
                                       name=claims.get("name") or "", roles=claims.get(launch.CLAIM + "roles") or [])
        if claims[launch.CLAIM + "message_type"] == "LtiDeepLinkingRequest":
            return _deep_link_start(platform, claims, user)
        catalog = current_app.extensions["lms_catalog"].courses
        slug, target = services.parse_target(claims.get(services.CUSTOM) or {}, catalog,
                                             current_app.config.get("LTI_DEFAULT_COURSE") or next(iter(catalog), None))
        services.record_link(db, platform, claims, user, slug, target)
    except launch.LaunchError as exc:
        current_app.logger.warning("LTI launch refused: %s", exc)
        return render_template("errors/launch.html", reason=str(exc)), 400
    course = catalog[slug]
    courses.enrol(db, user, course)
    _sign_in(user, platform)
    return redirect(_target_url(course, target))


def _deep_link_start(platform: LtiPlatform, claims: dict, user):
    if user.role not in ("trainer", "admin"):
        raise launch.LaunchError("only instructors can place content")
    settings = claims.get(launch.DL_CLAIM + "deep_linking_settings") or {}
    if not settings.get("deep_link_return_url"):
        raise launch.LaunchError("deep linking without a return URL")
    _sign_in(user, platform)
    session[DL_KEY] = {"platform_id": platform.id, "deployment_id": claims[launch.CLAIM + "deployment_id"],
                       "return_url": settings["deep_link_return_url"], "data": settings.get("data")}
    return redirect(url_for("lms.lti.deep_link"))


@bp.route("/lti/deep-link", methods=["GET", "POST"])
@role_required("trainer", "admin")
def deep_link():
    """The teacher's choice of what to place; the answer is a signed message posted back to the platform."""
    pending = session.get(DL_KEY)
    db = get_session()
    platform = db.get(LtiPlatform, pending["platform_id"]) if pending else None
    if platform is None or platform.org_id != current_user.org_id:
        abort(404)
    catalog = current_app.extensions["lms_catalog"].courses
    slug = current_app.config.get("LTI_DEFAULT_COURSE") or next(iter(catalog))
    course = catalog[slug]
    form = DeepLinkForm()
    form.target.choices = deeplink.choices(course)
    if not form.validate_on_submit():
        return render_template("lti/deep_link.html", form=form, course=course)
    label = dict(form.target.choices)[form.target.data]
    item = deeplink.content_item(course, form.target.data, label, url_for("lms.lti.launch_view", _external=True))
    token = deeplink.response_jwt(platform, signing_key(db), pending["deployment_id"], pending, [item])
    session.pop(DL_KEY, None)
    response = make_response(render_template("lti/deep_link_return.html", return_url=pending["return_url"],
                                             token=token))
    # The answer is a form posted to the platform, so this page alone may submit forms to the platform's origin.
    response.headers["Content-Security-Policy"] = CSP.replace(
        "form-action 'self'", f"form-action 'self' {services.origin_of(pending['return_url'])}")
    return response


def _own_platform(platform_id: int) -> LtiPlatform:
    platform = get_session().scalar(select(LtiPlatform).where(LtiPlatform.id == platform_id,
                                                              LtiPlatform.org_id == current_user.org_id))
    if platform is None:
        abort(404)
    return platform


@bp.route("/admin/lti/")
@role_required("admin")
def platforms():
    """The organisation's registered platforms and the tool details to enter in the platform."""
    rows = get_session().scalars(select(LtiPlatform).where(LtiPlatform.org_id == current_user.org_id)
                                 .order_by(LtiPlatform.name)).all()
    tool = {**_tool_urls(), "register": url_for("lms.lti.dynamic_registration", _external=True)}
    return render_template("lti/platforms.html", platforms=rows, tool=tool)


def _save(form: PlatformForm, platform: LtiPlatform | None):
    db = get_session()
    fields = services.PlatformFields(form.name.data, form.issuer.data.strip(), form.client_id.data.strip(),
                                     form.auth_login_url.data.strip(), form.auth_token_url.data.strip(),
                                     form.jwks_url.data.strip(), form.deployment_list())
    try:
        services.save_platform(db, current_user.organisation, fields, platform)
    except services.RegistrationError as exc:
        return render_template("lti/platform_form.html", form=form, platform=platform, error=str(exc)), 400
    ensure_tool_key(db)
    flash(_("Plattform gespeichert."))
    return redirect(url_for("lms.lti.platforms"))


def _tool_urls() -> dict:
    return {"login": url_for("lms.lti.login", _external=True), "launch": url_for("lms.lti.launch_view", _external=True),
            "jwks": url_for("lms.lti.jwks", _external=True)}


@bp.route("/admin/lti/register", methods=["GET", "POST"])
@role_required("admin")
def dynamic_registration():
    """Dynamic Registration: the platform opens this page; the admin confirms, and the tool registers itself."""
    config_url = request.values.get("openid_configuration", "")
    token = request.values.get("registration_token", "")
    if request.method == "GET" or not config_url:
        return render_template("lti/register.html", config_url=config_url, token=token, error=None,
                               done=None), (200 if config_url else 400)
    db = get_session()
    try:
        platform = dynreg.register(db, current_user.organisation, config_url, token or None, _tool_urls(),
                                   current_app.config["PLATFORM_NAME"])
    except services.RegistrationError as exc:
        return render_template("lti/register.html", config_url=config_url, token=token, error=str(exc),
                               done=None), 400
    ensure_tool_key(db)
    return render_template("lti/register.html", config_url=config_url, token=token, error=None, done=platform)


@bp.route("/admin/lti/new", methods=["GET", "POST"])
@role_required("admin")
def create():
    """Register a platform."""
    form = PlatformForm()
    if form.validate_on_submit():
        return _save(form, None)
    return render_template("lti/platform_form.html", form=form, platform=None, error=None)


@bp.route("/admin/lti/<int:platform_id>/edit", methods=["GET", "POST"])
@role_required("admin")
def edit(platform_id: int):
    """Change a platform's registration."""
    platform = _own_platform(platform_id)
    form = PlatformForm(data={"name": platform.name, "issuer": platform.issuer, "client_id": platform.client_id,
                              "auth_login_url": platform.auth_login_url, "auth_token_url": platform.auth_token_url,
                              "jwks_url": platform.jwks_url, "deployment_ids": "\n".join(platform.deployment_ids)})
    if form.validate_on_submit():
        return _save(form, platform)
    return render_template("lti/platform_form.html", form=form, platform=platform, error=None)


@bp.route("/admin/lti/<int:platform_id>/delete", methods=["POST"])
@role_required("admin")
def delete(platform_id: int):
    """Remove a platform registration (its links and queued scores go with it)."""
    get_session().delete(_own_platform(platform_id))
    flash(_("Plattform entfernt."))
    return redirect(url_for("lms.lti.platforms"))


@bp.route("/admin/lti/<int:platform_id>/roster", methods=["POST"])
@role_required("admin")
def sync_roster(platform_id: int):
    """Bring the members of every linked platform course into the organisation (NRPS)."""
    # The platform is read outside the request's write transaction, so no database lock is held while it answers.
    with session_scope(write=False) as read:
        platform = read.scalar(select(LtiPlatform).where(LtiPlatform.id == platform_id,
                                                         LtiPlatform.org_id == current_user.org_id))
        if platform is None:
            abort(404)
        links = read.scalars(select(LtiResourceLink).where(LtiResourceLink.platform_id == platform.id,
                                                           LtiResourceLink.memberships_url.is_not(None))).all()
        try:
            fetched = {}
            for link in links:
                if link.memberships_url not in fetched:
                    fetched[link.memberships_url] = (link, roster.fetch_members(read, link))
        except pc.PlatformError as exc:
            flash(_("Teilnehmerliste nicht abrufbar: %(e)s", e=str(exc)))
            return redirect(url_for("lms.lti.platforms"))
    db = get_session()
    total = sum(roster.apply_members(db, link, members).provisioned for link, members in fetched.values())
    flash(_("%(n)s Teilnehmende abgeglichen.", n=total))
    return redirect(url_for("lms.lti.platforms"))
