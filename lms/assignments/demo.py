"""Demo assignment for `flask demo load`: the first course, assigned by the demo trainer to the Marketing department."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth.models import Department, User
from ..catalog import get_catalog
from . import services
from .models import Assignment


def load_assignments(db: Session) -> None:
    """Assign the first course to Muster GmbH's Marketing department, due 14 days later (once)."""
    courses = list(get_catalog().courses.values())
    trainer = db.scalar(select(User).where(User.email == "trainer@muster.example"))
    if not courses or trainer is None:
        return
    department = db.scalar(select(Department).where(Department.org_id == trainer.org_id,
                                                    Department.name == "Marketing"))
    if department is None or db.scalar(select(Assignment.id).where(Assignment.org_id == trainer.org_id)):
        return
    services.create_assignment(db, trainer, courses[0].slug, scope="department", department_id=department.id,
                               due_days=14, mandatory=True, include_future=True)
