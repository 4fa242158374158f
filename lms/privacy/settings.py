"""The organisation's privacy settings: defaults, the version in force, and saving a new version."""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.services import record
from ..auth.models import Organisation
from .models import PrivacySettingsVersion

LEVELS = ("individual", "pseudonymous", "aggregate")
DETAILS = ("progress", "scores", "answers")
FORWARDING = ("names", "pseudonymous", "none")
MIN_K, MAX_K = 2, 50
MAX_MONTHS = 240


@dataclass(frozen=True)
class Settings:
    """The privacy settings of one organisation as one version (version 0: defaults, never saved)."""

    reporting_level: str = "individual"
    min_group_size: int = 5
    trainer_detail: str = "answers"
    forwarding_identity: str = "names"
    retention_months: int = 24
    certificate_retention_months: int = 120
    acknowledgement_retention_months: int = 36
    keep_certificate_register: bool = True
    version: int = 0

    @property
    def aggregate_only(self) -> bool:
        """Trainers see groups of at least k people only, never one person."""
        return self.reporting_level == "aggregate"

    @property
    def hides_names(self) -> bool:
        """Reports show pseudonyms (or nothing per person) instead of names."""
        return self.reporting_level != "individual"

    @property
    def shows_scores(self) -> bool:
        """Trainers may see a person's quiz scores."""
        return not self.aggregate_only and self.trainer_detail in ("scores", "answers")

    @property
    def shows_answers(self) -> bool:
        """Trainers may see a person's answers and statement timeline."""
        return not self.aggregate_only and self.trainer_detail == "answers"

    def values(self) -> dict:
        """The settings without the version number (what a version row stores)."""
        out = asdict(self)
        out.pop("version")
        return out


class SettingsError(ValueError):
    """A setting outside its allowed values."""


def _defaults(org: Organisation) -> Settings:
    return Settings(reporting_level="pseudonymous" if org.pseudonymous_reports else "individual")


def current(db: Session, org: Organisation) -> Settings:
    """The settings in force for the organisation (cached per session and organisation)."""
    cache = db.info.setdefault("lms_privacy_settings", {})
    if org.id in cache:
        return cache[org.id]
    row = db.scalar(select(PrivacySettingsVersion).where(PrivacySettingsVersion.org_id == org.id)
                    .order_by(PrivacySettingsVersion.version.desc()).limit(1))
    settings = _from_row(row, _defaults(org)) if row is not None else _defaults(org)
    if not settings.aggregate_only and settings.hides_names != org.pseudonymous_reports:
        # The organisation page's pseudonymous switch was changed since: it decides names versus pseudonyms.
        level = "pseudonymous" if org.pseudonymous_reports else "individual"
        settings = Settings(**{**settings.values(), "reporting_level": level, "version": settings.version})
    cache[org.id] = settings
    return settings


def _from_row(row: PrivacySettingsVersion, base: Settings) -> Settings:
    known = {f.name for f in fields(Settings)} - {"version"}
    values = {k: v for k, v in (row.values or {}).items() if k in known}
    return Settings(**{**base.values(), **values, "version": row.version})


def validate(values: dict) -> dict:
    """Checked and normalised values; raises SettingsError naming the first bad one."""
    out = dict(values)
    for key, allowed in (("reporting_level", LEVELS), ("trainer_detail", DETAILS),
                         ("forwarding_identity", FORWARDING)):
        if out.get(key) not in allowed:
            raise SettingsError(key)
    for key, low, high in (("min_group_size", MIN_K, MAX_K), ("retention_months", 1, MAX_MONTHS),
                           ("certificate_retention_months", 1, MAX_MONTHS),
                           ("acknowledgement_retention_months", 1, MAX_MONTHS)):
        try:
            out[key] = int(out.get(key))
        except (TypeError, ValueError):
            raise SettingsError(key) from None
        if not low <= out[key] <= high:
            raise SettingsError(key)
    out["keep_certificate_register"] = bool(out.get("keep_certificate_register"))
    return out


def save(db: Session, actor, org: Organisation, values: dict) -> Settings:
    """Store a new version of the settings (who, when, old and new values are kept) and audit the change."""
    old = current(db, org)
    checked = validate({**old.values(), **values})
    new = Settings(**checked, version=old.version + 1)
    if new.values() == old.values() and old.version:
        return old
    db.add(PrivacySettingsVersion(org_id=org.id, version=new.version, values=new.values(),
                                  changed_by_id=actor.id, changed_by_label=actor.email))
    # The existing pseudonymous reporting switch follows the level, so every report that honours it hides names.
    org.pseudonymous_reports = new.hides_names
    changed = {k: [old.values()[k], v] for k, v in new.values().items() if old.values()[k] != v}
    record(db, actor, "privacy.settings", target_type="organisation", target_id=org.id,
           details={"version": new.version, "changed": changed})
    db.flush()
    db.info.setdefault("lms_privacy_settings", {})[org.id] = new
    return new


def history(db: Session, org: Organisation) -> list[PrivacySettingsVersion]:
    """Every saved version of the organisation's settings, newest first."""
    return list(db.scalars(select(PrivacySettingsVersion).where(PrivacySettingsVersion.org_id == org.id)
                           .order_by(PrivacySettingsVersion.version.desc())))


def changes(rows: list[PrivacySettingsVersion]) -> list[tuple[PrivacySettingsVersion, dict]]:
    """Each version with what it changed against the one before (old, new) per key."""
    out = []
    ordered = list(reversed(rows))
    for index, row in enumerate(ordered):
        before = ordered[index - 1].values if index else {}
        out.append((row, {k: (before.get(k), v) for k, v in row.values.items() if before.get(k) != v}))
    return list(reversed(out))
