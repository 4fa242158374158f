"""Which learners a staff member may see: the one place that decides department scope for trainers.

Admins and organisation-wide trainers (no department set) see their whole organisation; a trainer limited to
departments sees only the people in those departments. Every trainer-facing query adds ``learner_filter(viewer)``
(a SQL condition on ``User``) or ``visible_user_ids(viewer)`` (a subquery of user ids); object routes naming a
person outside the scope answer 404.
"""
from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import and_, exists, or_, select, true
from sqlalchemy.orm import Session

from .models import Department, TrainerDepartment, User


class Viewer(NamedTuple):
    """The parts of a signed-in user the scope needs, safe to keep beyond the request (streamed exports)."""

    id: int
    org_id: int
    role: str


def viewer_of(user) -> Viewer:
    """A Viewer for a user."""
    return Viewer(user.id, user.org_id, user.role)


def _limited(viewer_id: int):
    return select(TrainerDepartment.department_id).where(TrainerDepartment.trainer_id == viewer_id)


def learner_filter(viewer):
    """A condition on User: same organisation, and for a department-limited trainer one of their departments."""
    same_org = User.org_id == viewer.org_id
    if viewer.role != "trainer":
        return same_org
    unlimited = ~exists(_limited(viewer.id))
    return and_(same_org, or_(unlimited, User.department_id.in_(_limited(viewer.id))))


def visible_user_ids(viewer):
    """A subquery of the ids of the users the viewer may see (for tables that only carry a user_id)."""
    return select(User.id).where(learner_filter(viewer))


def user_column_filter(column, viewer):
    """A condition on a user-id column of a table already limited to the viewer's organisation: for a
    department-limited trainer the id must be one of their people (rows without a user then drop out)."""
    if viewer.role != "trainer":
        return true()
    return or_(~exists(_limited(viewer.id)), column.in_(visible_user_ids(viewer)))


def may_see(db: Session, viewer, user_id: int | None) -> bool:
    """Whether the viewer may see this person (same organisation and, for limited trainers, department)."""
    return user_id is not None and db.scalar(select(User.id).where(User.id == user_id, learner_filter(viewer))) \
        is not None


def trainer_departments(db: Session, trainer_id: int) -> list[Department]:
    """The departments a trainer is limited to (empty: organisation-wide)."""
    return list(db.scalars(select(Department).join(TrainerDepartment, TrainerDepartment.department_id == Department.id)
                           .where(TrainerDepartment.trainer_id == trainer_id).order_by(Department.name)))


def set_trainer_departments(db: Session, trainer: User, department_ids: list[int]) -> list[str]:
    """Limit a trainer to these departments of their organisation (none: organisation-wide); returns the names."""
    departments = list(db.scalars(select(Department).where(Department.org_id == trainer.org_id,
                                                           Department.id.in_(department_ids or [-1]))))
    db.execute(TrainerDepartment.__table__.delete().where(TrainerDepartment.trainer_id == trainer.id))
    db.add_all(TrainerDepartment(trainer_id=trainer.id, department_id=d.id) for d in departments)
    db.flush()
    return sorted(d.name for d in departments)
