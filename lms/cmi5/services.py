"""The organisation's trusted cmi5 LMSs: add and remove."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Cmi5Lms


def add_lms(db: Session, org_id: int, name: str, endpoint: str) -> bool:
    """Trust an LMS's LRS endpoint (a trailing slash is added); False if the organisation already has it."""
    endpoint = endpoint.strip()
    endpoint = endpoint if endpoint.endswith("/") else endpoint + "/"
    if db.scalar(select(Cmi5Lms.id).where(Cmi5Lms.org_id == org_id, Cmi5Lms.endpoint == endpoint)):
        return False
    db.add(Cmi5Lms(org_id=org_id, name=name.strip(), endpoint=endpoint))
    db.flush()
    return True


def delete_lms(db: Session, lms: Cmi5Lms) -> None:
    """Stop trusting an LMS."""
    db.delete(lms)
    db.flush()
