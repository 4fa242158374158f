"""Carry out a previewed import in the caller's transaction; keep the file between preview and confirm."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .. import clock, signals
from ..assignments.models import Assignment
from ..assignments.services import assign_users
from ..audit.services import record
from ..auth import services as accounts
from ..auth.models import Department, Organisation, User
from ..catalog import get_catalog
from ..i18n import _l
from .models import PendingImport

KEEP = (User, Organisation, Department, Assignment, PendingImport)
from .parse import read_rows
from .plan import CHUNK, Plan, build_plan

TOKEN_MAX_AGE = 3600  # seconds between preview and confirmation
BATCH = 500  # people per batch of tokens, mails, assignments and statements; flushed by-products leave the session


class ImportRefused(ValueError):
    """The confirmation does not match the previewed file, or the file has errors."""


@dataclass
class Outcome:
    """What an import did: the counts and, without mail, one sign-in link per new person."""

    counts: dict
    links: list = field(default_factory=list)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="lms-users-import")


def digest(data: bytes) -> str:
    """SHA-256 of the file's bytes."""
    return hashlib.sha256(data).hexdigest()


def keep_file(db: Session, actor: User, filename: str, data: bytes) -> tuple[PendingImport, str]:
    """Store the previewed file (dropping this admin's older ones) and return it with a signed confirm token."""
    db.execute(delete(PendingImport).where(PendingImport.actor_id == actor.id))
    pending = PendingImport(org_id=actor.org_id, actor_id=actor.id, filename=filename[:200], sha256=digest(data),
                            content=data, created_at=clock.now())
    db.add(pending)
    db.flush()
    token = _serializer().dumps({"id": pending.id, "sha256": pending.sha256, "org": actor.org_id})
    return pending, token


def take_file(db: Session, actor: User, token: str) -> PendingImport:
    """The stored file the token names, unchanged since the preview; ImportRefused otherwise."""
    try:
        claims = _serializer().loads(token, max_age=TOKEN_MAX_AGE)
    except BadSignature as exc:
        raise ImportRefused(_l("Die Vorschau ist abgelaufen oder ungültig. Bitte die Datei erneut hochladen.")) from exc
    pending = db.get(PendingImport, claims.get("id"))
    if (pending is None or pending.actor_id != actor.id or pending.org_id != claims.get("org")
            or digest(pending.content) != claims.get("sha256") or pending.sha256 != claims.get("sha256")):
        raise ImportRefused(_l("Die Datei hat sich seit der Vorschau geändert. Bitte erneut hochladen."))
    return pending


def preview(db: Session, org: Organisation, data: bytes, filename: str, *, actor_id: int | None,
            deactivate_missing: bool) -> Plan:
    """Read the file and plan it (raises ImportFileError for unreadable files); writes nothing."""
    return build_plan(db, org.id, read_rows(data, filename), actor_id=actor_id, deactivate_missing=deactivate_missing)


def run_import(db: Session, org: Organisation, actor: User | None, plan: Plan, *, filename: str,
               send_mail: bool = True) -> Outcome:
    """Write a checked plan: create and update people, assign courses, deactivate the missing, one audit row."""
    if not plan.ok:
        raise ImportRefused(_l("Die Datei enthält fehlerhafte Zeilen; es wurde nichts importiert."))
    departments: dict[str, object] = {}

    def department(name: str):
        if name not in departments:
            departments[name] = accounts.department_named(db, org, name)
        return departments[name]

    users = {user.id: user for user in _load(db, [row.user_id for row in plan.rows if row.user_id])}
    created = []
    for row in plan.rows:
        if row.action == "create":
            user = User(org_id=org.id, email=row.email, name=row.name, role=row.role, locale="de",
                        password_hash="!import$" + secrets.token_hex(16),  # no password until the link is used
                        department_id=department(row.department).id if row.department else None)
            db.add(user)
            created.append((row, user))
        elif row.action == "update":
            _update(users[row.user_id], row, department)
    db.flush()
    for row, user in created:
        row.user_id = user.id
        users[user.id] = user
    for user in plan.deactivate:
        accounts.deactivate_user(user)
    _assign(db, org, actor, plan, users)
    links = _hand_over(db, actor, [user for _row, user in created], send_mail)
    counts = plan.counts
    record(db, actor, "users.import", target_type="organisation", target_id=org.id, target_label=filename,
           details=counts | {"mail": send_mail}, org_id=org.id)
    return Outcome(counts=counts, links=links)


def _load(db: Session, ids: list[int]) -> list[User]:
    found = []
    for start in range(0, len(ids), CHUNK):
        found.extend(db.scalars(select(User).where(User.id.in_(ids[start:start + CHUNK]))))
    return found


def _update(user: User, row, department) -> None:
    if "name" in row.reasons:
        user.name = row.name
    if "role" in row.reasons:
        accounts.change_role(user, row.role)
    if "department" in row.reasons:
        user.department_id = department(row.department).id
    if "active" in row.reasons:
        user.active = True


def _assign(db: Session, org: Organisation, actor: User | None, plan: Plan, users: dict) -> None:
    """One assignment rule per course and due date, each learner assigned through the assignments service."""
    groups: dict[tuple, list[int]] = {}
    for row in plan.rows:
        if row.assign:
            groups.setdefault((row.course, row.due_at), []).append(row.user_id)
    courses = get_catalog().courses
    for (slug, due_at), user_ids in groups.items():
        rule = Assignment(org_id=org.id, course_slug=slug, scope="users", due_at=due_at, mandatory=True,
                          include_future=False, recert_lead_days=30, created_by=actor.id if actor else None,
                          created_at=clock.now())
        db.add(rule)
        db.flush()
        for start in range(0, len(user_ids), BATCH):
            assign_users(db, rule, [users[user_id] for user_id in user_ids[start:start + BATCH]], courses[slug],
                         actor=actor)
            _shed(db)


def _hand_over(db: Session, actor: User | None, people: list[User], send_mail: bool) -> list[tuple[str, str]]:
    """Invite new people by mail, or return a single-use set-password link per person for the admin."""
    if send_mail:
        for start in range(0, len(people), BATCH):
            signals.users_invited.send(db, users=people[start:start + BATCH], actor=actor)
            _shed(db)
        return []
    from ..mail import tokens
    from ..mail.render import absolute_url

    lifetime = timedelta(hours=int(current_app.config["MAIL_INVITATION_HOURS"]))
    links = []
    for start in range(0, len(people), BATCH):
        batch = people[start:start + BATCH]
        issued = tokens.issue_many(db, batch, "invitation", lifetime)
        links.extend((user.email, absolute_url("lms.mail.set_password", token=token))
                     for user, token in zip(batch, issued))
        _shed(db)
    return links


def _shed(db: Session) -> None:
    """Write and forget the by-products (tokens, mails, statements, assignments) of the rows done so far.

    Receivers run ORM bulk updates (e.g. ending earlier tokens) that compare every object of their class held by
    the session; with thousands of rows in one transaction that turns quadratic, so flushed by-products leave it.
    """
    db.flush()
    for obj in list(db.identity_map.values()):
        if not isinstance(obj, KEEP):
            db.expunge(obj)
