"""Organisations, users and login throttling counters."""
from __future__ import annotations

import secrets
import uuid
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime, utcnow

ROLES = ("learner", "trainer", "admin")


class Organisation(Base):
    """A company using the LMS; every user and every record belongs to exactly one."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    # xAPI actor identification: "account" (pseudonymous, default) or "mbox" (e-mail).
    actor_mode: Mapped[str] = mapped_column(String(10), default="account")
    # Reports show pseudonyms instead of names (e.g. at the works council's request).
    pseudonymous_reports: Mapped[bool] = mapped_column(Boolean, default=False)
    # Days without course activity after which the dashboard lists a learner as inactive (None: app default).
    inactivity_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Learners may start courses nobody assigned to them (assigned courses can always be started).
    self_enrolment: Mapped[bool] = mapped_column(Boolean, default=True)
    # Minutes without a request after which a session ends (None: the app default SESSION_IDLE_MINUTES).
    session_idle_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Secret key of the report pseudonyms: without it an actor id or e-mail cannot be turned into a pseudonym.
    pseudonym_key: Mapped[str] = mapped_column(String(64), default=lambda: secrets.token_hex(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    users: Mapped[list["User"]] = relationship(back_populates="organisation")


class Department(Base):
    """A department (group) of one organisation; users belong to at most one, courses are assigned to it."""

    __tablename__ = "departments"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TrainerDepartment(Base):
    """A department a trainer is limited to; a trainer without any row sees the whole organisation."""

    __tablename__ = "trainer_departments"

    trainer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True,
                                               index=True)


class User(UserMixin, Base):
    """A person who signs in: learner, trainer or admin of one organisation."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(10), default="learner")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"), index=True,
                                                      nullable=True)
    locale: Mapped[str] = mapped_column(String(5), default="de")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Flask-Login identifies sessions by this token; rotating it ends every session of the user.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=lambda: secrets.token_urlsafe(32))
    # Opaque, stable id used as the xAPI account name, so statements carry no e-mail by default.
    actor_id: Mapped[str] = mapped_column(String(36), unique=True, default=lambda: str(uuid.uuid4()))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    organisation: Mapped[Organisation] = relationship(back_populates="users")
    department: Mapped["Department | None"] = relationship(lazy="joined")

    @property
    def department_name(self) -> str:
        """The department's name, or an empty string."""
        return self.department.name if self.department is not None else ""

    @property
    def is_active(self) -> bool:
        """Deactivated users cannot sign in (Flask-Login)."""
        return self.active

    def get_id(self) -> str:
        """The session token, not the primary key, so sessions can be revoked."""
        return self.session_token

    def rotate_session_token(self) -> None:
        """End all sessions of this user."""
        self.session_token = secrets.token_urlsafe(32)

    @property
    def is_staff(self) -> bool:
        """Trainers and admins see their organisation's reports."""
        return self.role in ("trainer", "admin")


class LoginThrottle(Base):
    """Failed sign-in counters per key (account or client address), shared by all server processes."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
