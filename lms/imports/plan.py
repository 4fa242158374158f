"""The preview of an import: what each row of the file will do, computed without writing anything."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import clock
from ..assignments.models import LearnerAssignment
from ..auth.models import Department, User
from ..auth.services import EMAIL_RE
from ..catalog import get_catalog
from ..i18n import _l
from .parse import Row, looks_like_formula

ROLE_NAMES = {"learner": "learner", "lernende": "learner", "lernende:r": "learner", "lernender": "learner",
              "trainer": "trainer", "trainer:in": "trainer", "trainerin": "trainer",
              "admin": "admin", "administrator": "admin", "administrator:in": "admin", "administratorin": "admin"}
LIMITS = {"email": 254, "name": 200, "department": 100}
CHUNK = 500  # IN lists stay well below every database's parameter limit


@dataclass
class Planned:
    """One row of the preview: the action (create, update, unchanged, error) and why."""

    line: int
    email: str
    name: str
    department: str = ""
    role: str = ""
    course: str = ""
    due_at: datetime | None = None
    action: str = "unchanged"
    reasons: list = field(default_factory=list)
    user_id: int | None = None
    assign: bool = False


@dataclass
class Plan:
    """The whole preview: rows, the people who would be deactivated, and the counts."""

    rows: list[Planned]
    deactivate: list[User]

    @property
    def counts(self) -> dict:
        """How many rows per action, plus the deactivations."""
        counted = Counter(row.action for row in self.rows)
        return {"create": counted["create"], "update": counted["update"], "unchanged": counted["unchanged"],
                "error": counted["error"], "deactivate": len(self.deactivate)}

    @property
    def ok(self) -> bool:
        """Only a file without erroneous rows can be imported (all or nothing)."""
        return not any(row.action == "error" for row in self.rows)


def parse_due(text: str) -> datetime | None:
    """A due date as YYYY-MM-DD or DD.MM.YYYY (end of that day, UTC); ValueError if it is neither."""
    if not text:
        return None
    match = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text)
    day = date(int(match[3]), int(match[2]), int(match[1])) if match else date.fromisoformat(text[:10])
    return datetime.combine(day, time(23, 59, 59), tzinfo=timezone.utc)


def _users_by_email(db: Session, emails: list[str]) -> dict[str, User]:
    found = {}
    for start in range(0, len(emails), CHUNK):
        found.update((user.email, user) for user in db.scalars(select(User).where(
            User.email.in_(emails[start:start + CHUNK]))))
    return found


def build_plan(db: Session, org_id: int, rows: list[Row], *, actor_id: int | None = None,
               deactivate_missing: bool = False) -> Plan:
    """Decide per row what the import would do; writes nothing."""
    emails = [row.get("email").lower() for row in rows]
    duplicates = {email for email, n in Counter(emails).items() if n > 1 and email}
    existing = _users_by_email(db, sorted(set(emails) - {""}))
    open_courses = set(db.execute(select(LearnerAssignment.user_id, LearnerAssignment.course_slug).where(
        LearnerAssignment.org_id == org_id, LearnerAssignment.closed_at.is_(None))).all())
    departments = dict(db.execute(select(Department.id, Department.name).where(Department.org_id == org_id)).all())
    context = {"org_id": org_id, "actor_id": actor_id, "now": clock.now(), "courses": get_catalog().courses,
               "open": open_courses, "departments": departments}
    planned = []
    for row, email in zip(rows, emails):
        item = _plan_row(row, email, existing.get(email), context)
        if email in duplicates:
            item.action, item.reasons = "error", [_l("E-Mail-Adresse kommt mehrfach in der Datei vor.")]
        planned.append(item)
    missing = []
    if deactivate_missing:
        listed = set(emails)
        missing = [user for user in db.scalars(select(User).where(User.org_id == org_id, User.active.is_(True))
                                                .order_by(User.email))
                   if user.email not in listed and user.id != actor_id
                   and (actor_id is not None or user.role != "admin")]  # a CLI sync never locks the admins out
    return Plan(rows=planned, deactivate=missing)


def _problems(row: Row, email: str, user: User | None, context: dict) -> list:
    problems = []
    for column, text in row.values.items():
        if looks_like_formula(text):
            problems.append(_l("Zelle „%(value)s“ beginnt wie eine Formel (= + - @) und wird nicht übernommen.",
                               value=text[:40]))
        if len(text) > LIMITS.get(column, 200):
            problems.append(_l("Der Wert „%(value)s…“ ist zu lang.", value=text[:40]))
    if not EMAIL_RE.match(email):
        problems.append(_l("Ungültige E-Mail-Adresse."))
    if not row.get("name") and user is None:
        problems.append(_l("Der Name fehlt."))
    if row.get("role") and row.get("role").lower() not in ROLE_NAMES:
        problems.append(_l("Unbekannte Rolle „%(role)s“.", role=row.get("role")[:40]))
    if user is not None and user.org_id != context["org_id"]:
        problems.append(_l("Diese E-Mail-Adresse kann nicht verwendet werden."))
    if row.get("course") and row.get("course") not in context["courses"]:
        problems.append(_l("Unbekannter Kurs „%(course)s“.", course=row.get("course")[:40]))
    if row.get("due") and not row.get("course"):
        problems.append(_l("Ein Fälligkeitsdatum braucht einen Kurs."))
    return problems


def _plan_row(row: Row, email: str, user: User | None, context: dict) -> Planned:
    item = Planned(line=row.line, email=email, name=" ".join(row.get("name").split()),
                   department=" ".join(row.get("department").split()),
                   role=ROLE_NAMES.get(row.get("role").lower(), ""), course=row.get("course"))
    item.reasons = _problems(row, email, user, context)
    try:
        item.due_at = parse_due(row.get("due"))
    except ValueError:
        item.reasons.append(_l("Ungültiges Datum „%(due)s“ (TT.MM.JJJJ oder JJJJ-MM-TT).", due=row.get("due")[:20]))
    if item.due_at is not None and item.due_at <= context["now"]:
        item.reasons.append(_l("Das Fälligkeitsdatum muss in der Zukunft liegen."))
    if item.reasons:
        item.action = "error"
        return item
    if user is None:
        item.action, item.assign = "create", bool(item.course)
        item.role = item.role or "learner"
        return item
    item.user_id = user.id
    changes = _changes(item, user, context)
    if user.id == context["actor_id"] and "role" in changes:
        item.action, item.reasons = "error", [_l("Die eigene Rolle lässt sich nicht per Import ändern.")]
        return item
    item.assign = bool(item.course) and (user.id, item.course) not in context["open"]
    if item.assign:
        changes.append("course")
    item.action = "update" if changes else "unchanged"
    item.reasons = changes
    return item


def _changes(item: Planned, user: User, context: dict) -> list[str]:
    """Which fields the row changes; an empty cell keeps the stored value."""
    changes = []
    if item.name and item.name != user.name:
        changes.append("name")
    if item.role and item.role != user.role:
        changes.append("role")
    current = context["departments"].get(user.department_id, "")
    if item.department and item.department != current:
        changes.append("department")
    if not user.active:
        changes.append("active")
    return changes
