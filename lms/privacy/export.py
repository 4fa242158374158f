"""A person's own data (Art. 15 and 20 GDPR): every row that names them, found from the metadata, plus statements."""
from __future__ import annotations

import json
from collections.abc import Iterator

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..audit.models import AuditEntry
from ..auth.models import User
from ..db import utcnow
from . import inventory, settings
from .erasure_rules import NULLIFY, RULES

# Rows where the person only acted as staff (reviewer, publisher) are included too: they are data about them.
_SKIP_CHILDREN = frozenset({"xapi_statements"})


def collect(db: Session, user: User) -> dict:
    """Everything stored about the user, table by table, with the privacy settings in force."""
    users = inventory.tables()[0].metadata.tables["users"]
    data: dict[str, list[dict]] = {"users": inventory.rows_of(db, users, users.c.id == user.id)}
    for table, column in inventory.user_columns():
        if table.name in ("xapi_statements", "audit_log"):
            continue
        if RULES[f"{table.name}.{column.name}"].action == NULLIFY:
            # The person acted there as staff (reviewer, publisher): the rows belong to others; only the reference.
            key = list(table.primary_key.columns)[0]
            refs = [{key.name: v, column.name: user.id} for v in db.scalars(select(key).where(column == user.id))]
            if refs:
                data.setdefault(table.name, []).extend(refs)
            continue
        for part, where in inventory.walk(db, table, column == user.id, skip=_SKIP_CHILDREN):
            rows = inventory.rows_of(db, part, where)
            if rows:
                known = {json.dumps(r, sort_keys=True, default=str) for r in data.get(part.name, [])}
                data.setdefault(part.name, []).extend(
                    r for r in rows if json.dumps(r, sort_keys=True, default=str) not in known)
    audit = AuditEntry.__table__
    data["audit_log"] = inventory.rows_of(db, audit, (audit.c.org_id == user.org_id) & or_(
        audit.c.actor_user_id == user.id, (audit.c.target_type == "user") & (audit.c.target_id == str(user.id))))
    active = settings.current(db, user.organisation)
    return {"generated_at": utcnow().isoformat(), "person": {"name": user.name, "email": user.email},
            "privacy_settings": {"version": active.version, **active.values()},
            "statements": {"count": count_statements(db, user), "file": "statements.jsonl"},
            "tables": {name: rows for name, rows in sorted(data.items()) if rows}}


def count_statements(db: Session, user: User) -> int:
    """How many statements in the built-in LRS name the user."""
    from sqlalchemy import func

    from ..lrs.models import Statement

    return db.scalar(select(func.count()).select_from(Statement).where(inventory.statement_condition(user))) or 0


def statement_lines(db: Session, user: User, chunk: int = 500) -> Iterator[str]:
    """The user's statements as JSON lines (exactly as stored), oldest first, read in chunks."""
    from ..lrs.models import Statement

    last = 0
    while True:
        rows = db.execute(select(Statement.seq, Statement.raw).where(inventory.statement_condition(user),
                                                                     Statement.seq > last)
                          .order_by(Statement.seq).limit(chunk)).all()
        if not rows:
            return
        for seq, raw in rows:
            yield raw + "\n"
        last = rows[-1][0]
