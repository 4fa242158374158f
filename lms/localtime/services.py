"""Changing an organisation's time zone."""
from __future__ import annotations

from zoneinfo import available_timezones

from .models import OrganisationTimezone


def timezone_choices() -> list[str]:
    """Every IANA time zone name the system knows, sorted (Europe/Berlin, America/New_York, …)."""
    return sorted(name for name in available_timezones() if "/" in name and not name.startswith(("Etc/", "SystemV/")))


def set_organisation_timezone(db, org_id: int, name: str) -> OrganisationTimezone:
    """Store the organisation's time zone; the name must be a known IANA zone (ValueError otherwise)."""
    if name not in available_timezones():
        raise ValueError(name)
    row = db.get(OrganisationTimezone, org_id)
    if row is None:
        row = OrganisationTimezone(org_id=org_id, timezone=name)
        db.add(row)
    row.timezone = name
    db.flush()
    return row
