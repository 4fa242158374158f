"""When the scheduler last started, shared by every app server's in-app loop."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime


class JobRun(Base):
    """The start of the latest scheduler run (one row per schedule): in-app loops on several nodes take turns."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
