"""Telling forwarding targets about an erasure: one voiding statement per forwarded statement, via the outbox.

The voiding statements' actor is the platform's own "privacy" agent, not the erased person: in xAPI the actor of a
voiding statement is whoever voids, and the target already holds the statement id it refers to, so the voiding
statement adds no personal data to any LRS. It is stored in the built-in LRS (the outbox delivers stored
statements), queued only to the targets that may have received the original, and delivered by the relay with its
retries, so a target that is down gets it once it is back.
"""
from __future__ import annotations

import uuid
from collections import defaultdict

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .. import extension
from ..db import utcnow
from ..forwarding.models import ForwardTarget, OutboxItem
from ..forwarding.outbox import matches
from ..lrs.models import Statement
from ..lrs.store import VOIDED_VERB, format_time, store_statements


def privacy_agent() -> dict:
    """The agent that voids statements on behalf of the organisation's data protection process."""
    return {"objectType": "Agent", "name": "Datenschutz / privacy",
            "account": {"homePage": extension.home_iri(), "name": "privacy-erasure"}}


def forwarded_to(db: Session, org_id: int, statements: list[Statement]) -> dict[int, list[Statement]]:
    """Per target: the statements it may have received (its filters match and they are not still queued).

    Delivered outbox rows are deleted, so delivery is inferred: a voiding statement for a statement a target
    never got is harmless, a missed one is not.
    """
    seqs = [s.seq for s in statements]
    queued = defaultdict(set)
    for target_id, seq in db.execute(select(OutboxItem.target_id, OutboxItem.seq).where(OutboxItem.seq.in_(seqs))):
        queued[target_id].add(seq)
    out = {}
    for target in db.scalars(select(ForwardTarget).where(ForwardTarget.org_id == org_id)):
        received = [s for s in statements if s.seq not in queued[target.id] and s.verb_id != VOIDED_VERB
                    and matches(db, target, s)]
        if received:
            out[target.id] = received
    return out


def queue_voiding(db: Session, org_id: int, by_target: dict[int, list[Statement]]) -> dict[int, int]:
    """Store one voiding statement per forwarded statement id and queue it to exactly those targets."""
    statement_ids = sorted({s.statement_id for rows in by_target.values() for s in rows})
    if not statement_ids:
        return {}
    now = format_time(utcnow())
    voiding = {sid: str(uuid.uuid4()) for sid in statement_ids}
    store_statements(db, org_id, [{"id": voiding[sid], "actor": privacy_agent(),
                                   "verb": {"id": VOIDED_VERB, "display": {"en-US": "voided", "de-DE": "annulliert"}},
                                   "object": {"objectType": "StatementRef", "id": sid}, "timestamp": now}
                                  for sid in statement_ids],
                     authority=privacy_agent(), version="1.0.3")
    seq_of = dict(db.execute(select(Statement.statement_id, Statement.seq).where(
        Statement.org_id == org_id, Statement.statement_id.in_(list(voiding.values())))).all())
    # The outbox receiver queued them by the targets' filters; replace that with exactly the receiving targets.
    db.execute(delete(OutboxItem).where(OutboxItem.seq.in_(list(seq_of.values()))))
    stamp, counts = utcnow(), {}
    for target_id, rows in by_target.items():
        for sid in sorted({s.statement_id for s in rows}):
            db.add(OutboxItem(target_id=target_id, seq=seq_of[voiding[sid]], org_id=org_id, status="pending",
                              attempts=0, next_attempt_at=stamp, created_at=stamp))
        counts[target_id] = len({s.statement_id for s in rows})
    db.flush()
    return counts
