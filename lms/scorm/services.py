"""SCORM: package export (signed package id, no secret), learner provisioning, single-use expiring start tokens,
and the result a launcher reports to the host LMS."""
from __future__ import annotations

import io
import json
import secrets
import zipfile
from dataclasses import dataclass
from importlib import resources

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth.external import linked_or_new_learner, placeholder_email
from ..auth.models import Organisation, User
from ..db import utcnow
from ..quizzes.models import QuizAttempt
from .manifest import manifest, scos
from .models import ScormLaunch, ScormLearner, ScormPackage

START_SECONDS = 120  # the learner clicks "open" right after the launcher asked for it
STATUS_SECONDS = 12 * 3600


class ScormError(ValueError):
    """A launch request that must be refused."""


def _package_signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="lms-scorm-package")


def _timed(purpose: str) -> URLSafeTimedSerializer:
    # One salt per purpose: a status token can never start a session, and the other way round.
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"lms-scorm-{purpose}")


def export(db: Session, org: Organisation, course, quizzes: dict, version: str, server: str) -> bytes:
    """A SCORM zip (manifest, launcher, config with the server URL and the signed package id)."""
    package = ScormPackage(id=secrets.token_hex(16), org_id=org.id, course_slug=course.slug, version=version,
                           revoked=False, created_at=utcnow())
    db.add(package)
    db.flush()
    config = {"server": server.rstrip("/"), "version": version, "packageToken": _package_signer().dumps(package.id),
              "defaultSco": scos(course, quizzes)[0]["key"], "pollMs": current_app.config["SCORM_POLL_MS"]}
    files = resources.files(__package__) / "files"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("imsmanifest.xml", manifest(course, quizzes, version))
        archive.writestr("config.js", "window.LMS_SCORM_CONFIG = " + json.dumps(config, indent=2) + ";\n")
        for name in ("launcher.html", "launcher.js"):
            archive.writestr(name, (files / name).read_bytes())
    return buffer.getvalue()


def _learner(db: Session, org_id: int, student_id: str, name: str) -> User:
    link = db.scalar(select(ScormLearner).where(ScormLearner.org_id == org_id, ScormLearner.student_id == student_id))
    user, created = linked_or_new_learner(db, link.user_id if link else None, org_id,
                                          placeholder_email("scorm", org_id, student_id), name or student_id,
                                          ScormError)
    if created:
        db.add(ScormLearner(org_id=org_id, student_id=student_id, user_id=user.id))
        db.flush()
    return user


@dataclass(frozen=True)
class LaunchTokens:
    """What the launcher gets: a start token (single use, minutes) and a status token (read-only, hours)."""

    launch_id: str
    start: str
    status: str


def begin(db: Session, payload: dict, catalog) -> LaunchTokens:
    """Check the package and SCO, provision the learner and issue the launch's tokens."""
    try:
        package_id = _package_signer().loads(str(payload.get("package", "")))
    except BadSignature as exc:
        raise ScormError("package not recognised") from exc
    package = db.get(ScormPackage, package_id)
    if package is None or package.revoked:
        raise ScormError("this package was revoked; ask for a new one")
    student_id = str(payload.get("student_id") or "").strip()[:255]
    course = catalog.courses.get(package.course_slug)
    keys = {s["key"] for s in scos(course, catalog.course_quizzes(course.slug))} if course else set()
    if not student_id or payload.get("sco") not in keys:
        raise ScormError("missing learner id or unknown SCO")
    user = _learner(db, package.org_id, student_id, str(payload.get("student_name") or ""))
    launch = ScormLaunch(id=secrets.token_hex(16), package_id=package.id, org_id=package.org_id, user_id=user.id,
                         course_slug=course.slug, sco=payload["sco"], created_at=utcnow())
    db.add(launch)
    db.flush()
    return LaunchTokens(launch.id, _timed("start").dumps(launch.id), _timed("status").dumps(launch.id))


def redeem_start(db: Session, token: str) -> ScormLaunch:
    """The launch of a valid, unexpired, unused start token (marked used)."""
    launch = _load(db, token, "start", START_SECONDS)
    if launch.started_at is not None:
        raise ScormError("this start link was used already; open the course from the LMS again")
    launch.started_at = utcnow()
    return launch


def _load(db: Session, token: str, purpose: str, max_age: int) -> ScormLaunch:
    try:
        launch_id = _timed(purpose).loads(token or "", max_age=max_age)
    except SignatureExpired as exc:
        raise ScormError("link expired") from exc
    except BadSignature as exc:
        raise ScormError("invalid link") from exc
    launch = db.get(ScormLaunch, launch_id)
    if launch is None:
        raise ScormError("unknown launch")
    return launch


def status(db: Session, token: str, catalog) -> dict:
    """The SCO's result for the launcher: status, scaled score, passed, completed, final."""
    launch = _load(db, token, "status", STATUS_SECONDS)
    course = catalog.courses[launch.course_slug]
    quiz_id = course.final_exam if launch.sco == "exam" else course.module(launch.sco.removeprefix("module-")).quiz
    attempts = db.scalars(select(QuizAttempt).where(QuizAttempt.user_id == launch.user_id,
                                                    QuizAttempt.course_slug == course.slug,
                                                    QuizAttempt.quiz_id == quiz_id,
                                                    QuizAttempt.status == "submitted")).all()
    if not attempts:
        state = "incomplete" if launch.started_at else "not attempted"
        return {"status": state, "score": None, "passed": None, "completed": False, "final": False}
    best = max(attempts, key=lambda a: (bool(a.passed), a.scaled or 0))
    return {"status": "passed" if best.passed else "failed", "score": best.scaled, "passed": bool(best.passed),
            "completed": bool(best.passed), "final": bool(best.passed)}
