"""Writing and reading the audit log; every query is scoped to one organisation."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from flask import has_request_context, request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..converters import query_date
from ..csvsafe import safe_cell
from .models import AuditEntry

# Every action the app records, with its German label (translated on the page).
ACTIONS = {
    "user.create": "Benutzer angelegt",
    "user.password_reset": "Passwort zurückgesetzt",
    "user.deactivate": "Benutzer deaktiviert",
    "user.activate": "Benutzer aktiviert",
    "user.role_change": "Rolle geändert",
    "users.import": "Benutzer importiert",
    "organisation.settings": "Organisationseinstellungen geändert",
    "certificate.revoke": "Zertifikat widerrufen",
    "certificate.download": "Zertifikat einer anderen Person geladen",
    "forwarding.target_save": "Weiterleitungsziel gespeichert",
    "forwarding.target_toggle": "Weiterleitungsziel (de)aktiviert",
    "forwarding.target_delete": "Weiterleitungsziel gelöscht",
    "lrs.credential_create": "LRS-Zugang angelegt",
    "lrs.credential_deactivate": "LRS-Zugang deaktiviert",
    "export.report": "Auswertung exportiert",
    "export.statements": "Statements exportiert",
    "export.acknowledgements": "Bestätigungen exportiert",
    "export.audit": "Protokoll exportiert",
    "view.learner": "Lernenden-Details angesehen",
    "privacy.settings": "Datenschutzeinstellungen geändert",
    "export.my_data": "Eigene Daten heruntergeladen",
    "privacy.erasure_request": "Löschung beantragt",
    "privacy.erasure": "Person gelöscht",
    "export.privacy_document": "Datenschutzdokument erstellt",
    "sso.refused": "Anmeldung über Identitätsanbieter abgelehnt",
    "sso.provider_save": "Identitätsanbieter gespeichert",
    "sso.provider_delete": "Identitätsanbieter entfernt",
    "sso.password_login": "Anmeldung mit Passwort umgeschaltet",
}
PAGE_SIZE = 100


def record(db: Session, actor, action: str, *, target_type: str = "", target_id=None, target_label: str = "",
           details: dict | None = None, org_id: int | None = None) -> AuditEntry:
    """Append one audit row for an action of ``actor`` (a User, or None for someone not signed in) in the actor's
    organisation (or ``org_id``)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    entry = AuditEntry(org_id=org_id if org_id is not None else actor.org_id,
                       actor_user_id=actor.id if actor else None, actor_email=actor.email if actor else "",
                       actor_role=actor.role if actor else "", action=action, target_type=target_type,
                       target_id="" if target_id is None else str(target_id)[:64],
                       target_label=(target_label or "")[:300], details=details or {},
                       address=(request.remote_addr or "")[:64] if has_request_context() else "")
    db.add(entry)
    db.flush()
    return entry


def record_refusal(db: Session, actor, action: str, **fields) -> AuditEntry:
    """Record an action whose request is answered with an error (and so rolled back): the request's own work is
    dropped first, then only the audit row is committed."""
    db.rollback()
    entry = record(db, actor, action, **fields)
    db.commit()
    return entry


@dataclass(frozen=True)
class AuditFilter:
    """What the admin chose on the audit page: action, actor (part of the e-mail), date range, page."""

    action: str = ""
    actor: str = ""
    since: date | None = None
    until: date | None = None
    page: int = 1

    @classmethod
    def from_args(cls, args) -> "AuditFilter":
        """Read the filters from query arguments, ignoring anything invalid."""
        action = args.get("action", "")
        try:
            page = min(max(1, int(args.get("page", 1))), 1_000_000)  # the OFFSET must fit a 64-bit integer
        except ValueError:
            page = 1
        return cls(action=action if action in ACTIONS else "", actor=args.get("actor", "").strip()[:254],
                   since=query_date(args.get("since")), until=query_date(args.get("until")), page=page)

    def args(self, **changes) -> dict:
        """Query arguments for a link with some filters changed."""
        values = {"action": self.action, "actor": self.actor, "since": self.since and self.since.isoformat(),
                  "until": self.until and self.until.isoformat(), "page": self.page}
        values.update(changes)
        return {k: v for k, v in values.items() if v not in ("", None)}


def _query(org_id: int, flt: AuditFilter):
    query = select(AuditEntry).where(AuditEntry.org_id == org_id)
    if flt.action:
        query = query.where(AuditEntry.action == flt.action)
    if flt.actor:
        query = query.where(func.lower(AuditEntry.actor_email).contains(flt.actor.lower(), autoescape=True))
    if flt.since:
        query = query.where(AuditEntry.created_at >= datetime.combine(flt.since, time(), timezone.utc))
    if flt.until:
        end = datetime.combine(flt.until, time(), timezone.utc) + timedelta(days=1)
        query = query.where(AuditEntry.created_at < end)
    return query


def entries(db: Session, org_id: int, flt: AuditFilter, paginate: bool = True) -> tuple[list[AuditEntry], int]:
    """The organisation's audit rows matching the filter, newest first, and how many match in total."""
    query = _query(org_id, flt)
    total = db.scalar(select(func.count()).select_from(query.subquery()))
    query = query.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    if paginate:
        query = query.limit(PAGE_SIZE).offset((flt.page - 1) * PAGE_SIZE)
    return list(db.scalars(query)), total


def to_csv(rows: list[AuditEntry]) -> str:
    """The rows as CSV text (semicolons, UTF-8 BOM for Excel), formulas neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(["Zeit (UTC)", "Person", "Rolle", "Aktion", "Objektart", "Objekt-ID", "Objekt", "Details",
                     "Adresse"])
    for row in rows:
        writer.writerow([row.created_at.strftime("%Y-%m-%d %H:%M:%S"), safe_cell(row.actor_email), row.actor_role,
                         row.action, row.target_type, row.target_id, safe_cell(row.target_label),
                         safe_cell(_details(row.details)), row.address])
    return "\ufeff" + buffer.getvalue()


def _details(details: dict | None) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted((details or {}).items()))
