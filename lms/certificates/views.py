"""Certificate pages: the learner's certificates, downloads, revocation, public verification, the public key."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from ..audit.services import record
from ..auth import scope
from ..auth.decorators import role_required
from ..catalog import get_catalog
from ..courses import services as courses
from ..db import get_session, utcnow
from ..i18n import _
from ..localtime import date_filter
from .. import ratelimit
from . import codes, credential, services
from .models import Certificate

bp = Blueprint("certificates", __name__, template_folder="templates")
VERIFY_LIMIT, VERIFY_WINDOW = 30, 60  # lookups per client address and minute


def _visible(certificate_id: int) -> Certificate:
    """The certificate if it is the user's own or the user is staff of its organisation; else 404."""
    certificate = get_session().get(Certificate, certificate_id)
    if certificate is None or not (certificate.user_id == current_user.id or
                                   (current_user.is_staff and certificate.org_id == current_user.org_id
                                    and scope.may_see(get_session(), current_user, certificate.user_id))):
        abort(404)
    return certificate


def _downloadable(certificate_id: int) -> Certificate:
    """A certificate whose file (it carries the name) the user may fetch; someone else's download is audited.

    With pseudonymous reports a trainer gets 404 for other people's certificate files, which would name them.
    """
    certificate = _visible(certificate_id)
    if certificate.user_id != current_user.id:
        if current_user.role == "trainer" and current_user.organisation.pseudonymous_reports:
            abort(404)
        record(get_session(), current_user, "certificate.download", target_type="certificate",
               target_id=certificate.id, target_label=certificate.learner_name,
               details={"course": certificate.course_slug, "format": request.path.rsplit(".", 1)[-1]})
    return certificate


@bp.route("/certificates/")
@login_required
def mine():
    """The learner's certificates, with re-certification notices."""
    db = get_session()
    certificates = db.scalars(select(Certificate).where(Certificate.user_id == current_user.id)
                              .order_by(Certificate.issued_at.desc())).all()
    catalog = get_catalog()
    recert = {c.id for c in certificates if c.course_slug in catalog.courses
              and services.needs_recertification(c, catalog.courses[c.course_slug])}
    from .linkedin import add_to_profile_url

    return render_template("certificates/mine.html", certificates=certificates, recert=recert,
                           format_code=codes.format_code, linkedin_url=add_to_profile_url)


@bp.route("/certificates/<int:certificate_id>.pdf")
@login_required
def pdf(certificate_id: int):
    """The certificate as PDF (German or English)."""
    from .pdf import render_certificate_pdf

    certificate = _downloadable(certificate_id)
    lang = request.args.get("lang") or current_user.locale or "de"
    lang = lang if lang in ("de", "en") else "de"
    data = render_certificate_pdf(services.pdf_data(certificate, lang), lang)
    name = "zertifikat" if lang == "de" else "certificate"
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}-{certificate.course_slug}.pdf"'})


@bp.route("/certificates/<int:certificate_id>.json")
@login_required
def credential_file(certificate_id: int):
    """The signed Open Badges 3.0 credential."""
    certificate = _downloadable(certificate_id)
    return Response(certificate.credential, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="credential-{certificate.course_slug}.json"'})


@bp.route("/certificates/<int:certificate_id>/revoke", methods=["POST"])
@role_required("trainer", "admin")
def revoke(certificate_id: int):
    """Revoke a certificate of the organisation with a reason."""
    certificate = _visible(certificate_id)
    reason = request.form.get("reason", "").strip()
    if not reason:
        flash(_("Bitte geben Sie einen Grund für den Widerruf an."), "error")
    else:
        services.revoke(get_session(), certificate, current_user, reason)
        record(get_session(), current_user, "certificate.revoke", target_type="certificate",
               target_id=certificate.id, target_label=certificate.learner_name,
               details={"course": certificate.course_slug, "reason": reason[:200]})
        flash(_("Zertifikat widerrufen."), "success")
    return redirect(url_for("lms.reports.learner", user_id=certificate.user_id, course=certificate.course_slug))


@bp.route("/certificates/<slug>/recertify", methods=["POST"])
@login_required
def recertify(slug: str):
    """Start re-certification: reopen the changed legal modules."""
    course = get_catalog().course(slug)
    db = get_session()
    enrolment = courses.get_enrolment(db, current_user, course)
    certificate = services.current_certificate(db, enrolment) if enrolment else None
    if certificate is None or not services.needs_recertification(certificate, course):
        abort(404)
    services.start_recertification(db, current_user, course, enrolment, certificate)
    return redirect(url_for("lms.courses.overview", slug=slug))


def _limited() -> bool:
    """Lookups per client address, counted in the database so every app server shares the budget."""
    return not ratelimit.allow_now(f"verify:{request.remote_addr or '-'}", VERIFY_LIMIT, VERIFY_WINDOW)


@bp.route("/verify/")
def verify_form():
    """The public verification page: enter a code or upload a credential file."""
    code = request.args.get("code")
    if code:
        return redirect(url_for("lms.certificates.verify", code=code.strip()))
    return render_template("certificates/verify.html", certificate=None, state=None, searched=False)


@bp.route("/verify/<code>")
def verify(code: str):
    """Public: valid / revoked (with date) / unknown, with the minimum personal data."""
    if _limited():
        abort(429)
    certificate = services.by_code(get_session(), code)
    state = certificate.state() if certificate else "unknown"
    return render_template("certificates/verify.html", certificate=certificate, state=state, searched=True,
                           format_code=codes.format_code), 200 if certificate else 404


@bp.route("/verify/<code>/share.png")
def share_image(code: str):
    """Public: the share image of a valid certificate (for social posts and link previews); 404 otherwise."""
    from .share_image import render_share_png

    if _limited():
        abort(429)
    certificate = services.by_code(get_session(), code)
    if certificate is None or certificate.state() != "valid":
        abort(404)
    png = render_share_png(certificate, url_for("lms.certificates.verify", code=certificate.code, _external=True),
                           _("Zertifikat"), _("Ausgestellt am"))
    return Response(png, mimetype="image/png", headers={"Cache-Control": "public, max-age=3600"})


@bp.route("/verify/credential", methods=["POST"])
def verify_upload():
    """Public: check an uploaded credential file's signature and its revocation status."""
    if _limited():
        abort(429)
    upload = request.files.get("credential")
    if upload is None or not upload.filename:
        return render_template("certificates/verify.html", certificate=None, state="invalid", searched=True,
                               reason=_("Bitte eine Datei auswählen."), format_code=codes.format_code), 400
    state, certificate, reason = services.verify_uploaded(get_session(), upload.read(256 * 1024))
    return render_template("certificates/verify.html", certificate=certificate, state=state, searched=True,
                           reason=reason, uploaded=True, format_code=codes.format_code), 200 if certificate else 400


@bp.route("/.well-known/lms-credential-key.json")
def public_key():
    """The public key that signs credentials (a Multikey document)."""
    key = services.signing_key()
    return jsonify(credential.public_key_document(key.public_key(), services.issuer_id()))


def staff_learner_extra(db, org, course, user, enrolment):
    """For the trainer's learner page: the certificate state (and the revoke form in the template)."""
    if enrolment is None:
        return None
    certificate = db.scalar(select(Certificate).where(Certificate.enrolment_id == enrolment.id)
                            .order_by(Certificate.issued_at.desc()))
    if certificate is None:
        return {"title": _("Zertifikat"), "lines": [_("Noch kein Zertifikat.")]}
    labels = {"valid": _("gültig"), "revoked": _("widerrufen"), "expired": _("abgelaufen"),
              "superseded": _("ersetzt")}
    if org.pseudonymous_reports:  # the code opens the public verification page, which names the holder
        lines = [_("%(state)s, ausgestellt am %(d)s", state=labels[certificate.state()],
                   d=date_filter(certificate.issued_at))]
    else:
        lines = [_("%(state)s, ausgestellt am %(d)s, Code %(c)s", state=labels[certificate.state()],
                   d=date_filter(certificate.issued_at), c=codes.format_code(certificate.code))]
    if certificate.expires_at:
        lines.append(_("gültig bis %(d)s", d=date_filter(certificate.expires_at)))
    return {"title": _("Zertifikat"), "lines": lines, "certificate": certificate}


def expiring_extra(db, org, course):
    """For the trainer overview: certificates expiring within 30 days."""
    soon = utcnow() + timedelta(days=30)
    rows = db.scalars(select(Certificate).where(Certificate.org_id == org.id, Certificate.course_slug == course.slug,
                                                Certificate.revoked_at.is_(None), Certificate.superseded_at.is_(None),
                                                Certificate.expires_at.is_not(None), Certificate.expires_at <= soon,
                                                Certificate.user_id.in_(scope.visible_user_ids(current_user)))
                      .order_by(Certificate.expires_at)).all()
    items = [{"label": _("Lernende:r") if org.pseudonymous_reports else c.learner_name,
              "url": url_for("lms.reports.learner", user_id=c.user_id, course=course.slug),
              "note": _("läuft ab am %(d)s", d=date_filter(c.expires_at))} for c in rows]
    return {"title": _("Zertifikate, die in 30 Tagen ablaufen"), "items": items, "empty": _("Keine.")}


def course_link(db, user, course, enrolment):
    """On the course overview: the certificate once issued."""
    if enrolment is None:
        return []
    certificate = services.current_certificate(db, enrolment)
    if certificate is None:
        return []
    from .linkedin import add_to_profile_url

    return [{"url": url_for("lms.certificates.mine"), "label": _("Ihr Zertifikat"),
             "note": _("ausgestellt am %(d)s", d=date_filter(certificate.issued_at))},
            {"url": add_to_profile_url(certificate), "label": _("Zum LinkedIn-Profil hinzufügen"), "note": None,
             "kind": "linkedin"}]
