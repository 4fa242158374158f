"""What forwarding sends: the statement as stored, with report pseudonyms, or with nothing personal.

The built-in LRS keeps every statement byte for byte; only the copy that leaves for a forwarding target is
changed, right before the relay sends it (the LMS hook "forward_transform").
"""
from __future__ import annotations

import json

from sqlalchemy.orm import Session

from .. import extension
from ..auth.models import Organisation
from ..forwarding.pseudonymise import Pseudonymiser
from . import settings

ANONYMOUS_NAME = "anonymous"


class _Anonymiser(Pseudonymiser):
    """Every person becomes one anonymous account of the platform (nothing personal leaves)."""

    def __init__(self, home_page: str):  # noqa: D107 - no users to look up: nobody is named
        self.home = home_page.rstrip("/") + "/anonymous"

    def agent(self, agent: dict) -> dict:
        """An anonymous Agent or Group without members."""
        return {"objectType": agent.get("objectType", "Agent"),
                "account": {"homePage": self.home, "name": ANONYMOUS_NAME}}


def transform_raw(db: Session, org_id: int, raws: list[str]) -> list[str]:
    """The statements of one organisation as they are to be forwarded under its settings."""
    org = db.get(Organisation, org_id)
    mode = settings.current(db, org).forwarding_identity if org is not None else "names"
    if mode == "names" or not raws:
        return raws
    home = extension.home_iri()
    changer = Pseudonymiser(db, org, home) if mode == "pseudonymous" else _Anonymiser(home)
    return [json.dumps(changer.statement(json.loads(raw)), ensure_ascii=False, separators=(",", ":"))
            for raw in raws]
