"""Departments of an organisation: create, rename, move people (admins); assignments target them."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from wtforms import IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..auth import scope
from ..auth.models import Department, User
from ..db import get_session
from ..i18n import _, _l
from .views import bp


class DepartmentForm(FlaskForm):
    """Create a department, or rename one (department_id set)."""

    department_id = IntegerField(validators=[Optional()])
    name = StringField(_l("Name der Abteilung"), validators=[DataRequired(), Length(max=100)])


class MoveForm(FlaskForm):
    """Put a person into a department (or none)."""

    user = SelectField(_l("Person"), coerce=int, validate_choice=False, validators=[InputRequired()])
    department = SelectField(_l("Abteilung"), coerce=int, validate_choice=False, validators=[InputRequired()])


class TrainerScopeForm(FlaskForm):
    """Limit a trainer to departments (none chosen: the whole organisation)."""

    trainer = SelectField(_l("Trainer:in"), coerce=int, validate_choice=False, validators=[InputRequired()])
    departments = SelectMultipleField(_l("Sieht nur diese Abteilungen (keine: ganze Organisation)"), coerce=int,
                                      validate_choice=False)


def _own(db: Session, model, object_id: int | None):
    found = db.scalar(select(model).where(model.id == object_id, model.org_id == current_user.org_id))
    if found is None:
        abort(404)
    return found


def save_department(db: Session, org_id: int, name: str, department: Department | None) -> bool:
    """Create or rename a department; False if the organisation already has one of that name."""
    name = " ".join(name.split())[:100]
    clash = db.scalar(select(Department.id).where(Department.org_id == org_id, Department.name == name))
    if clash is not None and (department is None or clash != department.id):
        return False
    if department is None:
        db.add(Department(org_id=org_id, name=name))
    else:
        department.name = name
    db.flush()
    return True


def move_to_department(user: User, department: Department | None) -> None:
    """Put a person into a department, or into none (both of the same organisation, checked by the caller)."""
    user.department_id = department.id if department is not None else None


@bp.route("/departments", methods=["GET", "POST"])
def departments():
    """The organisation's departments with their size; create, rename, move people."""
    db = get_session()
    form, move, limit = DepartmentForm(prefix="d"), MoveForm(prefix="m"), TrainerScopeForm(prefix="t")
    people = db.scalars(select(User).where(User.org_id == current_user.org_id).order_by(User.name)).all()
    rows = db.execute(select(Department, func.count(User.id)).outerjoin(User, User.department_id == Department.id)
                      .where(Department.org_id == current_user.org_id).group_by(Department.id)
                      .order_by(Department.name)).all()
    move.user.choices = [(u.id, u.name) for u in people]
    move.department.choices = [(0, "–")] + [(d.id, d.name) for d, _count in rows]
    trainers = [u for u in people if u.role == "trainer"]
    limit.trainer.choices = [(u.id, u.name) for u in trainers]
    limit.departments.choices = [(d.id, d.name) for d, _count in rows]
    action = request.form.get("action") if request.method == "POST" else None
    if action == "save" and form.validate_on_submit():
        target = _own(db, Department, form.department_id.data) if form.department_id.data else None
        if save_department(db, current_user.org_id, form.name.data, target):
            flash(_("Gespeichert."), "success")
            return redirect(url_for("lms.assignments.departments"))
        form.name.errors.append(_("Diese Abteilung gibt es schon."))
    elif action == "move" and move.validate_on_submit():
        user = _own(db, User, move.user.data)
        move_to_department(user, _own(db, Department, move.department.data) if move.department.data else None)
        flash(_("Gespeichert."), "success")
        return redirect(url_for("lms.assignments.departments"))
    elif action == "limit" and limit.validate_on_submit():
        trainer = _own(db, User, limit.trainer.data)
        if trainer.role != "trainer":
            abort(404)
        scope.set_trainer_departments(db, trainer, limit.departments.data or [])
        flash(_("Gespeichert."), "success")
        return redirect(url_for("lms.assignments.departments"))
    status = 400 if request.method == "POST" else 200
    scopes = {u.id: [d.name for d in scope.trainer_departments(db, u.id)] for u in trainers}
    return render_template("assignments/departments.html", form=form, move=move, rows=rows, limit=limit,
                           trainers=trainers, scopes=scopes), status
