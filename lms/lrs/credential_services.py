"""LRS client credentials managed by an admin: create (the secret is returned once) and deactivate, audited."""
from __future__ import annotations

from sqlalchemy.orm import Session

from ..audit.services import record
from .lrs_auth import create_credential
from .models import LRSCredential


def add_credential(db: Session, actor, name: str, scope: str) -> tuple[LRSCredential, str]:
    """A new credential of the actor's organisation and its secret (stored only as a hash)."""
    credential, secret = create_credential(db, actor.org_id, name.strip(), scope)
    record(db, actor, "lrs.credential_create", target_type="credential", target_id=credential.id,
           target_label=credential.name, details={"scope": scope})
    return credential, secret


def deactivate_credential(db: Session, actor, credential: LRSCredential) -> None:
    """Deactivate a credential; clients using it get 401 from now on."""
    if credential.active:
        record(db, actor, "lrs.credential_deactivate", target_type="credential", target_id=credential.id,
               target_label=credential.name)
    credential.active = False
