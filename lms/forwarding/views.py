"""Forwarding target admin pages (org-scoped) and the statement download (its one GET write: the audit row)."""
from __future__ import annotations

from flask import (Blueprint, Response, abort, current_app, flash, g, redirect, render_template, request,
                   stream_with_context, url_for)
from flask_login import current_user
from sqlalchemy import func, select

from .. import extension
from ..auth import scope
from ..auth.pseudonyms import find_by_pseudonym
from ..converters import id_arg
from ..db import get_session, utcnow
from ..i18n import _, localized
from ..privacy.enforce import aggregate_only
from . import lrsclient, messages, outbox, services
from .crypto import EndpointError, SecretError, check_endpoint, decrypt_secret
from .export import ExportFilter, iter_export, learner_id, parse_when
from .forms import ExportForm, TargetForm, verb_lines
from .models import DEAD, ForwardTarget, OutboxItem
from .pseudonymise import Pseudonymiser

bp = Blueprint("forwarding", __name__, template_folder="templates")
DEAD_PAGE = 200


def _course_choices() -> list[tuple[str, str]]:
    courses = current_app.extensions["lms_catalog"].courses
    return [(slug, localized(course.title)) for slug, course in sorted(courses.items())]


@bp.route("/admin/forwarding/")
def targets():
    """List the organisation's targets with their health."""
    db = get_session()
    rows = db.scalars(select(ForwardTarget).where(ForwardTarget.org_id == current_user.org_id)
                      .order_by(ForwardTarget.name)).all()
    return render_template("forwarding/targets.html", targets=rows,
                           health=outbox.health(db, [t.id for t in rows]), now=utcnow())


def _save(form: TargetForm, target: ForwardTarget | None):
    """Validate and apply the form; returns the target or None with errors on the form."""
    ok = form.validate()
    # Nothing is written yet: end the transaction so name resolution below holds no database write lock.
    get_session().rollback()
    try:
        check_endpoint(form.endpoint.data or "")
    except EndpointError as exc:
        form.endpoint.errors = list(form.endpoint.errors) + [_detailed(str(exc))]
        ok = False
    if target is None and not form.secret.data:
        form.secret.errors = list(form.secret.errors) + [_("Bitte ein Passwort angeben.")]
        ok = False
    name = (form.name.data or "").strip()
    if services.name_taken(get_session(), current_user.org_id, name, target):
        form.name.errors = list(form.name.errors) + [_("Dieser Name ist bereits vergeben.")]
        ok = False
    if not ok:
        return None
    return services.save_target(get_session(), current_user, target, services.TargetSettings(
        name=name, endpoint=form.endpoint.data.strip(), username=form.username.data.strip(),
        secret=form.secret.data or None, xapi_version=form.xapi_version.data,
        course_slugs=list(form.courses.data or []), verb_ids=verb_lines(form.verb_ids.data),
        batch_size=form.batch_size.data, connect_timeout=form.connect_timeout.data,
        read_timeout=form.read_timeout.data, active=bool(form.active.data)))


@bp.route("/admin/forwarding/new", methods=["GET", "POST"])
def create():
    """Create a target."""
    form = TargetForm()
    form.courses.choices = _course_choices()
    if request.method == "POST":
        target = _save(form, None)
        if target is not None:
            flash(_("Ziel %(name)s angelegt. Das Passwort wird nicht wieder angezeigt.", name=target.name), "success")
            return redirect(url_for("lms.forwarding.targets"))
        return render_template("forwarding/target_form.html", form=form, target=None), 400
    return render_template("forwarding/target_form.html", form=form, target=None)


@bp.route("/admin/forwarding/<int:target_id>/edit", methods=["GET", "POST"])
def edit(target_id: int):
    """Edit a target; a blank password keeps the stored one."""
    target = g.target
    if request.method == "POST":
        form = TargetForm()
    else:
        form = TargetForm(data={
            "name": target.name, "endpoint": target.endpoint, "username": target.username,
            "xapi_version": target.xapi_version, "courses": list(target.course_slugs or []),
            "verb_ids": "\n".join(target.verb_ids or []), "batch_size": target.batch_size,
            "connect_timeout": target.connect_timeout, "read_timeout": target.read_timeout, "active": target.active})
    form.courses.choices = _course_choices()
    if request.method == "POST":
        if _save(form, target) is not None:
            flash(_("Gespeichert."), "success")
            return redirect(url_for("lms.forwarding.targets"))
        return render_template("forwarding/target_form.html", form=form, target=target), 400
    return render_template("forwarding/target_form.html", form=form, target=target)


@bp.route("/admin/forwarding/<int:target_id>/<any(activate, deactivate):action>", methods=["POST"])
def toggle(target_id: int, action: str):
    """Activate or deactivate (pause) a target."""
    target = g.target
    services.set_active(get_session(), current_user, target, action == "activate")
    flash(_("%(name)s ist jetzt aktiv.", name=target.name) if target.active
          else _("%(name)s ist pausiert. Neue Statements werden nicht vorgemerkt.", name=target.name), "success")
    return redirect(url_for("lms.forwarding.targets"))


def _detailed(reason: str) -> str:
    """The meaning in the admin's language, then the technical detail as the LRS or the network said it."""
    return f"{messages.meaning(reason)} ({reason})"


@bp.route("/admin/forwarding/<int:target_id>/test", methods=["POST"])
def test_connection(target_id: int):
    """GET {endpoint}/about and an authenticated read with the target's timeouts, without redirects; show the result."""
    target = g.target
    name, endpoint, secret = target.name, target.endpoint, target.secret_encrypted
    settings = (target.username, target.xapi_version, target.connect_timeout, target.read_timeout)
    # Nothing is written here: end the transaction so name resolution and the network wait hold no lock.
    get_session().rollback()
    allow_private = bool(current_app.config.get("FORWARDING_ALLOW_PRIVATE_NETWORKS"))
    try:
        check_endpoint(endpoint, allow_private)
        conn = lrsclient.Target(endpoint, settings[0], decrypt_secret(secret), *settings[1:],
                                allow_private=allow_private)
    except (EndpointError, SecretError) as exc:
        flash(_("Verbindungstest %(name)s: %(result)s", name=name, result=_detailed(str(exc))), "error")
        return redirect(url_for("lms.forwarding.targets"))
    ok, result = lrsclient.check_connection(conn)
    flash(_("Verbindungstest %(name)s: %(result)s", name=name, result=_detailed(result)), "success" if ok else "error")
    return redirect(url_for("lms.forwarding.targets"))


@bp.route("/admin/forwarding/<int:target_id>/delete", methods=["POST"])
def delete(target_id: int):
    """Delete a target with its queue and dead letters (the statements themselves stay)."""
    target = g.target
    services.delete_target(get_session(), current_user, target)
    flash(_("Ziel %(name)s gelöscht.", name=target.name), "success")
    return redirect(url_for("lms.forwarding.targets"))


@bp.route("/admin/forwarding/<int:target_id>/backfill", methods=["POST"])
def backfill(target_id: int):
    """Queue the organisation's existing statements for this target, resumably in chunks."""
    target = g.target
    db = get_session()
    until = outbox.start_backfill(db, target)
    added = outbox.backfill_step(db, target)
    flash(_("Nachlieferung gestartet: %(added)s Statements vorgemerkt; der Rest (bis Nr. %(until)s) folgt in "
            "Abschnitten von %(chunk)s.", added=added, until=until, chunk=outbox.BACKFILL_CHUNK), "success")
    return redirect(url_for("lms.forwarding.targets"))


@bp.route("/admin/forwarding/<int:target_id>/dead")
def dead(target_id: int):
    """Dead-lettered statements of a target with the reason."""
    target = g.target
    db = get_session()
    total = db.scalar(select(func.count()).select_from(OutboxItem).where(OutboxItem.target_id == target.id,
                                                                         OutboxItem.status == DEAD))
    items = db.scalars(select(OutboxItem).where(OutboxItem.target_id == target.id, OutboxItem.status == DEAD)
                       .order_by(OutboxItem.id.desc()).limit(DEAD_PAGE)).all()
    from ..lrs.models import Statement

    ids = dict(db.execute(select(Statement.seq, Statement.statement_id)
                          .where(Statement.seq.in_([i.seq for i in items]))).all()) if items else {}
    return render_template("forwarding/dead.html", target=target, items=items, total=total, statement_ids=ids)


@bp.route("/admin/forwarding/<int:target_id>/dead/<any(retry, discard):action>", methods=["POST"])
def dead_action(target_id: int, action: str):
    """Retry (back to pending) or discard dead-lettered items: one (form field item_id) or all."""
    target = g.target
    raw = request.form.get("item_id")
    item_ids = None
    if raw:
        if id_arg(raw) is None:
            abort(400)
        item_ids = [id_arg(raw)]
    db = get_session()
    count = (outbox.retry_dead if action == "retry" else outbox.discard_dead)(db, target, item_ids)
    flash(_("%(count)s Statements erneut vorgemerkt.", count=count) if action == "retry"
          else _("%(count)s Statements verworfen.", count=count), "success")
    return redirect(url_for("lms.forwarding.dead", target_id=target.id))


def _export_form() -> ExportForm:
    form = ExportForm(request.args)
    form.course.choices = [("", _("alle Kurse"))] + _course_choices()
    if current_user.organisation.pseudonymous_reports:
        form.learner.label.text = _("Lernende:r (Pseudonym aus der Auswertung)")
    return form


def _export_learner(org, text: str) -> int | None:
    """The user the learner filter names: by e-mail, or in pseudonymous mode only by pseudonym (never by e-mail)."""
    if not org.pseudonymous_reports:
        return learner_id(get_session(), org.id, text)
    if "@" in text:
        return None
    user = find_by_pseudonym(get_session(), org, text)
    return user.id if user is not None else None


@bp.route("/export")
def export():
    """The download form for the organisation's statements."""
    return render_template("forwarding/export.html", form=_export_form())


@bp.route("/export/statements.jsonl")
def export_download():
    """Stream the organisation's statements as JSON lines, exactly as stored."""
    form = _export_form()
    if not form.validate():
        return render_template("forwarding/export.html", form=form), 400
    try:
        since, until = parse_when(form.since.data), parse_when(form.until.data, end=True)
    except ValueError:
        form.since.errors = [_("Bitte Datumsangaben als JJJJ-MM-TT.")]
        return render_template("forwarding/export.html", form=form), 400
    org = current_user.organisation
    if aggregate_only(org) and (current_user.role != "admin" or form.learner.data):
        abort(404)  # aggregate-only reporting: no statement export by person, none for trainers at all
    user_id = None
    if form.learner.data:
        user_id = _export_learner(org, form.learner.data)
        if user_id is None or not scope.may_see(get_session(), current_user, user_id):
            form.learner.errors = [_("Kein:e Lernende:r mit diesem Pseudonym in Ihrer Organisation.")
                                   if org.pseudonymous_reports else
                                   _("Keine Person mit dieser E-Mail-Adresse in Ihrer Organisation.")]
            return render_template("forwarding/export.html", form=form), 400
    flt = ExportFilter(current_user.org_id, since, until, form.course.data or None, user_id,
                       viewer=scope.viewer_of(current_user))
    transform = None
    if org.pseudonymous_reports:
        transform = Pseudonymiser(get_session(), org, extension.home_iri()).statement
    services.record_export(get_session(), current_user, {
        "since": form.since.data, "until": form.until.data, "course": form.course.data, "learner": form.learner.data,
        "pseudonymous": org.pseudonymous_reports})
    name = f"statements-{org.slug}-{utcnow():%Y%m%d-%H%M%S}.jsonl"
    # The request session closes after this view; the generator reads through sessions of its own.
    return Response(stream_with_context(iter_export(flt, transform=transform)), mimetype="application/x-ndjson",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})
