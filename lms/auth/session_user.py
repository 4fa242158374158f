"""The signed-in user of a read-only request, read with one Core query instead of through the ORM.

A request that may write (not GET/HEAD/OPTIONS, or a GET that records an audit row) gets the ORM ``User`` as before.
A read-only request gets a ``SessionUser``: the same columns, ``organisation`` as a ``SessionOrganisation`` with
the organisation's columns, and the few ``User`` properties the pages ask for. The query is the same as the ORM
loader's (by session token, active users only), in the request's transaction, so a rotated token or a deactivation
ends the session at the next request exactly as before. Anything else (relationships such as ``department``,
methods of the model) comes from the ORM object, loaded in the request's session on first use; setting an
attribute raises, because a read-only request must not change the user.
"""
from __future__ import annotations

from functools import cache

from flask_login import UserMixin
from sqlalchemy import bindparam, select

from .models import Organisation, User

ORG_PREFIX = "org__"


class _Plain:
    """Columns as attributes; everything else from the ORM object, loaded on first use; no attribute is set."""

    _model = None

    def __init__(self, db, values: dict) -> None:
        object.__setattr__(self, "_db", db)
        object.__setattr__(self, "_orm_object", None)
        self.__dict__.update(values)

    def _orm(self):
        """The ORM object with the same primary key, in the request's session (one query, once)."""
        if self._orm_object is None:
            object.__setattr__(self, "_orm_object", self._db.get(self._model, self.id))
        return self._orm_object

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self._orm(), name)

    def __setattr__(self, name: str, value) -> None:
        raise AttributeError(f"the session user of a read-only request cannot change ({name})")


class SessionOrganisation(_Plain):
    """The session user's organisation: its columns; anything else from the ORM ``Organisation``."""

    _model = Organisation


class SessionUser(_Plain, UserMixin):
    """The session user of a read-only request: ``User``'s columns and Flask-Login's interface."""

    _model = User

    @property
    def is_active(self) -> bool:
        """As ``User.is_active``."""
        return self.active

    def get_id(self) -> str:
        """As ``User.get_id``: the session token."""
        return self.session_token

    @property
    def is_staff(self) -> bool:
        """As ``User.is_staff``."""
        return self.role in ("trainer", "admin")

    @property
    def department_name(self) -> str:
        """As ``User.department_name`` (the department is loaded when asked for, as for the ORM user)."""
        return self._orm().department_name


@cache
def _query():
    """Every column of the active user with this session token and of its organisation, built once."""
    users, orgs = User.__table__, Organisation.__table__
    return (select(*users.c, *(column.label(ORG_PREFIX + column.name) for column in orgs.c))
            .join_from(users, orgs, users.c.org_id == orgs.c.id)
            .where(users.c.session_token == bindparam("token"), users.c.active.is_(True)))


def load(db, token: str) -> SessionUser | None:
    """The active user with this session token as a ``SessionUser`` (None: no such active user)."""
    from ..db import read_connection

    row = read_connection(db).execute(_query(), {"token": token}).first()
    if row is None:
        return None
    user_keys, org_keys = _keys()
    width = len(user_keys)
    values = dict(zip(user_keys, row[:width]))
    values["organisation"] = SessionOrganisation(db, dict(zip(org_keys, row[width:])))
    return SessionUser(db, values)


@cache
def _keys() -> tuple[tuple, tuple]:
    """The attribute names of the query's columns: the user's, then the organisation's (without the prefix)."""
    names = [column.key for column in _query().selected_columns]
    users = tuple(name for name in names if not name.startswith(ORG_PREFIX))
    return users, tuple(name[len(ORG_PREFIX):] for name in names[len(users):])
