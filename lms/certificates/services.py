"""Issue, look up, revoke and verify certificates; re-certification when legal content changes."""
from __future__ import annotations

import json
import uuid
from datetime import date, timedelta

from flask import current_app
from functools import cache

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import clock, extension, safejson, signals
from ..courses import services as courses
from ..courses.content import Course
from ..courses.models import Enrolment
from ..db import utcnow
from ..quizzes.models import QuizAttempt
from . import codes, credential, keystore
from .models import Certificate


def signing_key():
    """The instance's Ed25519 key: from the file LMS_CREDENTIAL_KEY_PATH names (created there if missing), else
    the one key in the database that every app server shares (lms/certificates/keystore.py)."""
    path = current_app.config.get("CREDENTIAL_KEY_PATH")
    if not path:
        return keystore.stored_key()
    cache = current_app.extensions.setdefault("lms_credential_key", {})
    if path not in cache:
        cache[path] = credential.load_or_create_key(path)
    return cache[path]


def issuer_id() -> str:
    """The issuer's IRI, below the LMS's base IRI (BASE_IRI and the mount prefix)."""
    return extension.iri("/issuer")


def verification_method() -> str:
    """Where verifiers find the public key (published at the well-known URL)."""
    return f"{issuer_id()}#key-1"


def verify_url(code: str) -> str:
    """The public verification URL for a code (BASE_IRI and the LMS's prefix; built without a request)."""
    return extension.absolute_url("lms.certificates.verify", code=code)


def current_certificate(db: Session, enrolment: Enrolment) -> Certificate | None:
    """The enrolment's certificate that is neither revoked nor superseded."""
    return db.scalar(_current_certificate_query(), {"enrolment_id": enrolment.id})


@cache
def _current_certificate_query():
    """Built once: the course overview asks on every view (SQLAlchemy reuses the compiled form)."""
    return select(Certificate).where(Certificate.enrolment_id == bindparam("enrolment_id"),
                                     Certificate.revoked_at.is_(None), Certificate.superseded_at.is_(None))


def legal_versions(course: Course) -> dict[str, str]:
    """Content versions of the course's legal modules."""
    return {m.id: m.version for m in course.modules if m.legal}


def _final_score(db: Session, enrolment: Enrolment, course: Course) -> float | None:
    if not course.final_exam:
        return None
    return db.scalar(select(QuizAttempt.scaled).where(QuizAttempt.enrolment_id == enrolment.id,
                                                      QuizAttempt.quiz_id == course.final_exam,
                                                      QuizAttempt.passed.is_(True))
                     .order_by(QuizAttempt.scaled.desc()).limit(1))


def issue_certificate(db: Session, user, course: Course, enrolment: Enrolment) -> Certificate:
    """Issue the certificate for a completed enrolment (idempotent: the current one is returned)."""
    existing = current_certificate(db, enrolment)
    if existing is not None:
        return existing
    records = courses.module_records(db, enrolment)
    now = clock.now()  # the app's clock, so expiry and re-certification can be tested by moving time
    modules = [{"id": m.id, "title": m.title,
                "passed_on": (records[m.id].completed_at if m.id in records and records[m.id].completed_at
                              else now).date().isoformat()} for m in course.modules]
    code = codes.new_code()
    expires = now + timedelta(days=course.certificate_valid_days) if course.certificate_valid_days else None
    score = _final_score(db, enrolment, course)
    vc = credential.build_credential(
        credential_id=f"urn:uuid:{uuid.uuid4()}", issuer_id=issuer_id(), issuer_name=user.organisation.name,
        learner_name=user.name, achievement_id=course.iri, achievement_name=course.title.get("de", ""),
        achievement_description=(course.description or {}).get("de", ""),
        criteria="Alle Lektionen des Lernpfads bearbeitet, alle Modul-Quizze und die Abschlussprüfung bestanden.",
        valid_from=now, valid_until=expires, status_url=verify_url(code))
    signed = credential.sign_credential(vc, signing_key(), verification_method(), now)
    certificate = Certificate(code=code, org_id=user.org_id, user_id=user.id, enrolment_id=enrolment.id,
                              course_slug=course.slug, learner_name=user.name, course_title=course.title,
                              issuer_name=user.organisation.name, modules=modules,
                              legal_versions=legal_versions(course), final_score=score, issued_at=now,
                              expires_at=expires, credential=json.dumps(signed, ensure_ascii=False))
    try:
        with db.begin_nested():
            db.add(certificate)
    except IntegrityError:  # issued concurrently by another request: keep that one
        return current_certificate(db, enrolment)
    signals.certificate_issued.send(db, enrolment=enrolment, user=user, course=course, certificate=certificate)
    return certificate


def by_code(db: Session, text: str) -> Certificate | None:
    """Find a certificate by a code as typed by a person (grouping and confusable letters tolerated)."""
    code = codes.normalize_code(text)
    if code is None:
        return None
    return db.scalar(select(Certificate).where(Certificate.code == code))


def revoke(db: Session, certificate: Certificate, by_user, reason: str) -> None:
    """Revoke a certificate with a reason (the verification page shows it as revoked, with the date)."""
    if certificate.revoked_at is None:
        certificate.revoked_at = utcnow()
        certificate.revoked_by = by_user.id
        certificate.revoke_reason = reason.strip()[:500]


def needs_recertification(certificate: Certificate, course: Course) -> bool:
    """Whether a legal module changed its content version since the certificate was issued."""
    return certificate.state() == "valid" and certificate.legal_versions != legal_versions(course)


def start_recertification(db: Session, user, course: Course, enrolment: Enrolment, certificate: Certificate) -> None:
    """Reopen the changed legal modules; the old certificate stays valid until the new one is issued."""
    changed = {m for m, v in legal_versions(course).items() if certificate.legal_versions.get(m) != v}
    for module_id, record in courses.module_records(db, enrolment).items():
        if module_id in changed:
            record.completed_at = None
            record.quiz_passed_at = None
    enrolment.completed_at = None
    db.flush()


def reopen_for_renewal(db: Session, enrolment: Enrolment) -> None:
    """Re-certification before expiry: every module quiz must be passed again; the old certificate stays valid
    until the new one supersedes it."""
    for record in courses.module_records(db, enrolment).values():
        record.completed_at = None
        record.quiz_passed_at = None
    enrolment.completed_at = None
    db.flush()


def on_course_completed(db, enrolment, user, course, **_):
    """Receiver: a completed course issues (or re-issues after re-certification) its certificate.

    The course can only complete again after a re-certification reopened it, so a current certificate at that
    point is the old one: the new certificate supersedes it.
    """
    previous = current_certificate(db, enrolment)
    if previous is not None:
        previous.superseded_at = clock.now()
        db.flush()
    issue_certificate(db, user, course, enrolment)


def verify_uploaded(db: Session, data: bytes) -> tuple[str, Certificate | None, str]:
    """Check an uploaded credential file: ('valid'|'revoked'|'expired'|'superseded'|'invalid', certificate, reason)."""
    try:
        document = safejson.loads(data)
    except safejson.JSONInputError:
        return "invalid", None, "Die Datei ist kein JSON-Dokument."
    if not isinstance(document, dict):
        return "invalid", None, "Die Datei ist kein Nachweis-Dokument."
    result = credential.verify_credential(document, signing_key().public_key())
    if not result.ok:
        return "invalid", None, result.reason
    status = document.get("credentialStatus") or {}
    status_id = status.get("id", "") if isinstance(status, dict) else ""
    certificate = by_code(db, status_id.rstrip("/").rsplit("/", 1)[-1]) if status_id else None
    if certificate is None:
        return "invalid", None, "Unbekanntes Zertifikat."
    if json.loads(certificate.credential).get("id") != document.get("id"):
        return "invalid", None, "Der Nachweis gehört nicht zu diesem Zertifikat."
    return certificate.state(), certificate, ""


def pdf_data(certificate: Certificate, lang: str):
    """The data the PDF renderer needs, from the certificate's snapshot."""
    from .pdf import CertificateData

    title = certificate.course_title.get(lang) or certificate.course_title.get("de", "")
    modules = [((m["title"].get(lang) or m["title"].get("de", "")), date.fromisoformat(m["passed_on"]))
               for m in certificate.modules]
    return CertificateData(learner_name=certificate.learner_name, course_title=title, modules=modules,
                           final_score=certificate.final_score, issued_on=certificate.issued_at.date(),
                           issuer=certificate.issuer_name, code=certificate.code,
                           verify_url=verify_url(certificate.code),
                           expires_on=certificate.expires_at.date() if certificate.expires_at else None)
