"""The organisation's time zone, kept in its own table so the organisation model stays untouched."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class OrganisationTimezone(Base):
    """The IANA time zone in which an organisation's users see dates and times."""

    __tablename__ = "organisation_timezones"

    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64))
