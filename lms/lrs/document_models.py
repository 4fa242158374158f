"""Documents of the LRS Document Resources: State, Activity Profile and Agent Profile (Communication 2.2)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow

KINDS = ("state", "activity_profile", "agent_profile")

# Column sizes, also enforced by the views so an over-long parameter is a 400, never a database error.
ACTIVITY_ID_MAX = 1000
AGENT_IFI_MAX = 600
DOC_ID_MAX = 255
CONTENT_TYPE_MAX = 255


class XapiDocument(Base):
    """One document, keyed by organisation, resource kind, activity, agent, registration and its id."""

    __tablename__ = "xapi_documents"
    # Absent key parts are stored as '' (never NULL): NULLs are distinct in unique constraints, so a
    # NULL registration would allow duplicate documents for the same key.
    __table_args__ = (UniqueConstraint("org_id", "kind", "activity_id", "agent_ifi", "registration", "doc_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    kind: Mapped[str] = mapped_column(String(20))  # one of KINDS
    activity_id: Mapped[str] = mapped_column(String(ACTIVITY_ID_MAX), default="")
    agent_ifi: Mapped[str] = mapped_column(String(AGENT_IFI_MAX), default="")
    registration: Mapped[str] = mapped_column(String(36), default="")
    doc_id: Mapped[str] = mapped_column(String(DOC_ID_MAX))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    content_type: Mapped[str] = mapped_column(String(CONTENT_TYPE_MAX))
    etag: Mapped[str] = mapped_column(String(40))  # SHA-1 hex of content, unquoted
    updated: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
