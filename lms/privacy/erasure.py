"""Erasing a person: every row that names them is deleted or anonymised by its rule; the LRS is cleaned; targets
that received their statements are told; the erasure log and the audit log record it without naming them."""
from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections import Counter

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from ..audit.models import AuditEntry
from ..audit.services import record
from ..auth.models import LoginThrottle, User
from ..forwarding.models import ForwardTarget
from ..lrs.document_models import XapiDocument
from ..lrs.models import Attachment, Statement
from . import inventory, settings, voiding
from .erasure_rules import AUDIT, DELETE, LRS, NULLIFY, REGISTER, RULES
from .models import ErasureLog, ErasureRequest, KeptRecord

ERASED_NAME = "Gelöschte Person"
REGISTER_REASON = ("Zertifikatsregister: Nachweis der durchgeführten Schulung (Aufbewahrung nach "
                   "Einstellung der Organisation, Art. 17 Abs. 3 lit. b/e DSGVO)")


class ErasureError(ValueError):
    """The person cannot be erased (e.g. an admin erasing their own account)."""


def missing_rules() -> list[str]:
    """Columns with a foreign key to users.id that have no erasure rule (must be empty)."""
    return [f"{t.name}.{c.name}" for t, c in inventory.user_columns() if f"{t.name}.{c.name}" not in RULES]


def subject_ref(user: User) -> str:
    """A non-identifying reference to the person (keyed hash of the former actor id)."""
    digest = hmac.new(user.organisation.pseudonym_key.encode(), user.actor_id.encode(), hashlib.sha256)
    return "P-" + digest.hexdigest()[:16].upper()


def _register(db: Session, user: User, keep: bool, counts: Counter) -> dict:
    from ..certificates.models import Certificate

    certificates = list(db.scalars(select(Certificate).where(Certificate.user_id == user.id)))
    if keep:
        for cert in certificates:
            db.add(KeptRecord(org_id=user.org_id, kind="certificate", reference=cert.code, reason=REGISTER_REASON,
                              data={"holder": cert.learner_name, "course": cert.course_slug,
                                    "issued_at": inventory.plain(cert.issued_at),
                                    "revoked_at": inventory.plain(cert.revoked_at)}))
    table = Certificate.__table__
    inventory.delete_tree(db, table, table.c.user_id == user.id, counts)
    return {"certificate": {"count": len(certificates), "reason": REGISTER_REASON}} if keep and certificates else {}


def _lrs(db: Session, user: User, counts: Counter) -> list[dict]:
    statements = list(db.scalars(select(Statement).where(inventory.statement_condition(user))))
    by_target = voiding.forwarded_to(db, user.org_id, statements)
    told = voiding.queue_voiding(db, user.org_id, by_target)
    hashes = {a.get("sha2") for s in statements if '"attachments"' in s.raw
              for a in (json.loads(s.raw).get("attachments") or []) if isinstance(a, dict)}
    table = Statement.__table__
    inventory.delete_tree(db, table, table.c.seq.in_([s.seq for s in statements]), counts)
    for sha2 in sorted(h for h in hashes if h):
        still_used = db.scalar(select(func.count()).select_from(Statement).where(
            Statement.org_id == user.org_id, Statement.raw.contains(sha2)))
        if not still_used:
            counts["xapi_attachments"] += db.execute(delete(Attachment).where(
                Attachment.org_id == user.org_id, Attachment.sha2 == sha2)).rowcount or 0
    counts["xapi_documents"] += db.execute(delete(XapiDocument).where(
        XapiDocument.org_id == user.org_id, XapiDocument.agent_ifi.in_(inventory.person_ifis(user)))).rowcount or 0
    names = dict(db.execute(select(ForwardTarget.id, ForwardTarget.name).where(ForwardTarget.id.in_(list(told)))).all())
    return [{"id": tid, "name": names.get(tid, ""), "voiding": n} for tid, n in sorted(told.items())]


def _audit(db: Session, user: User, ref: str, counts: Counter) -> None:
    about = (AuditEntry.target_type == "user") & (AuditEntry.target_id == str(user.id))
    # Core statements: the ORM refuses to change audit rows; erasure is the one lawful exception.
    counts["audit_log"] += db.execute(update(AuditEntry).where(AuditEntry.actor_user_id == user.id)
                                      .values(actor_user_id=None, actor_email=ref, address="")).rowcount or 0
    counts["audit_log"] += db.execute(update(AuditEntry).where(about).values(target_id=ref, target_label=ref)
                                      ).rowcount or 0
    counts["audit_log"] += db.execute(update(AuditEntry).where(
        AuditEntry.org_id == user.org_id, AuditEntry.target_label.in_([user.email, user.name]))
        .values(target_label=ref)).rowcount or 0


def _anonymise_user(user: User) -> None:
    user.name = ERASED_NAME
    user.email = f"erased-{uuid.uuid4().hex}@erased.invalid"
    user.department_id = None
    user.password_hash = "!erased"
    user.active = False
    user.last_login_at = None
    user.actor_id = str(uuid.uuid4())
    user.rotate_session_token()
    user.must_change_password = False


def erase(db: Session, actor: User, user: User, on_request: bool = False) -> ErasureLog:
    """Erase ``user`` everywhere (rules per column), tell forwarding targets, and log it without naming them."""
    if user.id == actor.id:
        raise ErasureError("self")
    if user.org_id != actor.org_id:
        raise ErasureError("organisation")
    db.flush()
    ref = subject_ref(user)
    keep = settings.current(db, user.organisation).keep_certificate_register
    counts: Counter = Counter()
    kept = _register(db, user, keep, counts)
    targets = _lrs(db, user, counts)
    for table, column in inventory.user_columns():
        rule = RULES[f"{table.name}.{column.name}"]
        if rule.action == DELETE:
            inventory.delete_tree(db, table, column == user.id, counts)
        elif rule.action == NULLIFY:
            counts[table.name] += db.execute(update(table).where(column == user.id)
                                             .values({column.name: None, **rule.also_blank})).rowcount or 0
        elif rule.action == AUDIT:
            _audit(db, user, ref, counts)
        elif rule.action not in (LRS, REGISTER):
            raise ErasureError(rule.action)
    counts["login_throttle"] += db.execute(delete(LoginThrottle).where(
        LoginThrottle.key.contains(user.email.lower()))).rowcount or 0
    _anonymise_user(user)
    counts["users"] += 1
    log = ErasureLog(org_id=user.org_id, subject_ref=ref, erased_by_id=actor.id, erased_by_label=actor.email,
                     on_request=on_request, counts={k: v for k, v in sorted(counts.items()) if v},
                     kept=kept, targets=targets, status="queued" if targets else "done")
    db.add(log)
    db.flush()
    db.expire_all()
    record(db, actor, "privacy.erasure", target_type="erasure", target_id=log.id, target_label=ref,
           details={"rows": sum(counts.values()), "targets": len(targets), "on_request": on_request})
    return log


def request_erasure(db: Session, user: User, note: str = "") -> ErasureRequest:
    """A learner asks to be erased; an admin of their organisation confirms (or not) later."""
    existing = db.scalar(select(ErasureRequest).where(ErasureRequest.user_id == user.id))
    if existing is not None:
        return existing
    request_row = ErasureRequest(org_id=user.org_id, user_id=user.id, note=note[:2000])
    db.add(request_row)
    db.flush()
    record(db, user, "privacy.erasure_request", target_type="user", target_id=user.id, target_label=user.email)
    return request_row


def open_requests(db: Session, org_id: int) -> list[ErasureRequest]:
    """The organisation's erasure requests still waiting for an admin, oldest first."""
    return list(db.scalars(select(ErasureRequest).where(ErasureRequest.org_id == org_id)
                           .order_by(ErasureRequest.requested_at)))


def log_entries(db: Session, org_id: int) -> list[ErasureLog]:
    """The organisation's erasure log, newest first."""
    return list(db.scalars(select(ErasureLog).where(ErasureLog.org_id == org_id)
                           .order_by(ErasureLog.erased_at.desc())))


