"""The one step that enforces lms/policy.py: runs before every request of the LMS blueprint.

For the endpoint of the request it reads the policy entry (none: refused), answers LRS endpoints with the HTTP Basic
check of the organisation's LRS credentials, sends anonymous callers of pages that need a session to the login page,
refuses other roles with the status the table names, and loads the organisation-scoped object the URL names onto
``g`` (``g.<owner kind>``, e.g. ``g.target``), so views hold no access code. At most one query per owned object;
public endpoints and pages without an owner cost no query beyond the signed-in user.
"""
from __future__ import annotations

from functools import cache

from flask import abort, current_app, g, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import bindparam, or_, select
from werkzeug.utils import import_string

from .policy import OWNERS, PUBLIC, STAFF, Access, Owner, access_for


def enforce():
    """Check the request against its policy entry; returns a response (login redirect, LRS error) or None."""
    if request.method == "OPTIONS" and getattr(request.url_rule, "provide_automatic_options", False):
        return None  # Flask answers it without calling the view
    access = access_for(request.endpoint)
    if access is None:
        current_app.logger.warning("refused %s: endpoint not in lms/policy.py", request.endpoint)
        abort(403)
    if access.lrs:
        return _lrs_check()
    if access.roles == PUBLIC:
        return None
    user = current_user._get_current_object()  # resolved once: every access through the proxy costs
    if not user.is_authenticated:
        if request.endpoint == "lms.home":  # the start page: signing in leads there anyway, so no ?next and no notice
            return redirect(url_for(current_app.login_manager.login_view))
        return current_app.login_manager.unauthorized()
    if user.role not in access.roles:
        abort(access.denied)
    if access.owner:
        setattr(g, access.owner, _load_owned(access, user))
    return None


def _lrs_check():
    from .lrs.lrs_auth import check_lrs_request

    return check_lrs_request()


@cache
def _model(path: str):
    return import_string(path.replace(":", "."))


def _load_owned(access: Access, user):
    """The URL's object of the caller's organisation (404 otherwise), then the table's scope (``denied``)."""
    from .db import get_session

    owner: Owner = OWNERS[access.owner]
    lock = owner.lock and request.method not in ("GET", "HEAD")
    query = _owned_query(access.owner, lock)
    if owner.person and user.role == "trainer":  # only trainers can be limited to departments (auth/scope.py)
        model = _model(owner.model)
        query = query.where(_person_visible(getattr(model, owner.person), access.scope != "org", user))
    obj = get_session().scalar(query, {"key": request.view_args[owner.arg], "org_id": user.org_id})
    if obj is None:
        abort(404)
    if owner.person and getattr(obj, owner.person) != user.id:
        if access.scope == "self" or (access.scope == "self_or_staff" and user.role not in STAFF):
            abort(access.denied)
    return obj


@cache
def _owned_query(kind: str, lock: bool):
    """The object of an owner kind by its key within an organisation, built once per kind (SQLAlchemy then reuses
    its compiled form): building the statement cost more than running it."""
    owner = OWNERS[kind]
    model = _model(owner.model)
    query = select(model).where(getattr(model, owner.key) == bindparam("key"), model.org_id == bindparam("org_id"))
    return query.with_for_update() if lock else query


def _person_visible(column, own_too: bool, user):
    """People in the caller's scope (department-limited trainers: their departments), and the caller's own objects
    where the table's scope names them (``self``, ``self_or_staff``)."""
    from .auth.scope import user_column_filter

    visible = user_column_filter(column, user)
    return or_(column == user.id, visible) if own_too else visible
