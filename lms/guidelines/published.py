"""Published guideline versions of an organisation and the members' acknowledgements (with CSV proof).

Services take the acting user as an argument, flush, and send signals with the session as sender; they never
read the request and never commit.
"""
from __future__ import annotations

import csv
import io

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import signals
from ..auth.models import User
from ..csvsafe import safe_cell
from ..db import utcnow
from .errors import GuidelineError
from .models import GuidelineAcknowledgement, GuidelineVersion


def versions(db: Session, org_id: int) -> list[GuidelineVersion]:
    """The organisation's published versions, newest first."""
    return list(db.scalars(select(GuidelineVersion).where(GuidelineVersion.org_id == org_id)
                           .order_by(GuidelineVersion.number.desc())))


def current_version(db: Session, org_id: int) -> GuidelineVersion | None:
    """The organisation's newest published version, or None."""
    return db.scalar(select(GuidelineVersion).where(GuidelineVersion.org_id == org_id)
                     .order_by(GuidelineVersion.number.desc()).limit(1))


def get_version(db: Session, org_id: int, number: int) -> GuidelineVersion | None:
    """A version of the organisation's guideline by number (None for other organisations)."""
    return db.scalar(select(GuidelineVersion).where(GuidelineVersion.org_id == org_id,
                                                    GuidelineVersion.number == number))


def publish_version(db: Session, admin: User, title: str, body: str) -> GuidelineVersion:
    """Publish a new version of the admin's organisation's guideline (number = previous + 1)."""
    if admin.role != "admin":
        raise GuidelineError("Nur Administratoren veröffentlichen die Richtlinie.")
    title, body = (title or "").strip(), (body or "").replace("\r\n", "\n").strip()
    if not title or not body:
        raise GuidelineError("Titel und Text sind erforderlich.")
    last = db.scalar(select(func.max(GuidelineVersion.number)).where(GuidelineVersion.org_id == admin.org_id))
    version = GuidelineVersion(org_id=admin.org_id, number=(last or 0) + 1, title=title[:200], body=body,
                               published_at=utcnow(), published_by_id=admin.id)
    db.add(version)
    db.flush()
    return version


def acknowledgement(db: Session, user: User, version: GuidelineVersion) -> GuidelineAcknowledgement | None:
    """The user's acknowledgement of this version, or None."""
    return db.scalar(select(GuidelineAcknowledgement).where(GuidelineAcknowledgement.version_id == version.id,
                                                            GuidelineAcknowledgement.user_id == user.id))


def acknowledge(db: Session, user: User, version: GuidelineVersion) -> tuple[GuidelineAcknowledgement, bool]:
    """Record that the user acknowledged the version (idempotent); returns (row, created)."""
    if version.org_id != user.org_id:
        raise GuidelineError("Diese Richtlinie gehört zu einer anderen Organisation.")
    existing = acknowledgement(db, user, version)
    if existing is not None:
        return existing, False
    row = GuidelineAcknowledgement(version_id=version.id, org_id=user.org_id, user_id=user.id,
                                   user_name=user.name, user_email=user.email, acknowledged_at=utcnow())
    db.add(row)
    db.flush()
    signals.guideline_acknowledged.send(db, user=user, guideline_version=version)
    return row, True


def acknowledgements(db: Session, org_id: int, number: int | None = None) -> list[GuidelineAcknowledgement]:
    """Acknowledgements of the organisation's guideline (one version or all), newest version first."""
    query = (select(GuidelineAcknowledgement).join(GuidelineVersion)
             .where(GuidelineAcknowledgement.org_id == org_id, GuidelineVersion.org_id == org_id)
             .order_by(GuidelineVersion.number.desc(), GuidelineAcknowledgement.acknowledged_at))
    if number is not None:
        query = query.where(GuidelineVersion.number == number)
    return list(db.scalars(query))


def open_acknowledgements(db: Session, org_id: int, version: GuidelineVersion) -> list[User]:
    """Active users of the organisation who have not acknowledged this version yet."""
    done = select(GuidelineAcknowledgement.user_id).where(GuidelineAcknowledgement.version_id == version.id)
    return list(db.scalars(select(User).where(User.org_id == org_id, User.active.is_(True), User.id.not_in(done))
                           .order_by(User.name)))



def acknowledgements_csv(db: Session, org_id: int, number: int | None = None) -> str:
    """Proof of acknowledgement as CSV text (semicolons, UTF-8 BOM for Excel): name, e-mail, version, time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(["Name", "E-Mail", "Version", "Bestätigt am (UTC)"])
    for row in acknowledgements(db, org_id, number):
        writer.writerow([safe_cell(row.user_name), safe_cell(row.user_email), row.version.number,
                         row.acknowledged_at.strftime("%Y-%m-%d %H:%M:%S")])
    return "\ufeff" + buffer.getvalue()
