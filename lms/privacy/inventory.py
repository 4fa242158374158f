"""Where a person's data lives, found from the SQLAlchemy metadata (so tables added later are found too)."""
from __future__ import annotations

import hashlib
from collections.abc import Iterator

from sqlalchemy import Column, Table, delete, or_, select
from sqlalchemy.orm import Session

from .. import extension
from ..auth.models import User
from ..db import Base
from ..migrations import import_models

# Never part of an export: they authenticate, they do not describe the person.
SECRET_COLUMNS = frozenset({"password_hash", "session_token", "pseudonym_key", "secret_encrypted", "secret_hash"})


def tables() -> list[Table]:
    """Every table of every package, in dependency order."""
    import_models()
    return list(Base.metadata.sorted_tables)


def user_columns() -> list[tuple[Table, Column]]:
    """Every (table, column) with a foreign key to users.id."""
    out = []
    for table in tables():
        for fk in table.foreign_keys:
            if fk.column.table.name == "users" and fk.column.name == "id":
                out.append((table, fk.parent))
    return sorted(out, key=lambda pair: (pair[0].name, pair[1].name))


def children(table: Table) -> list[tuple[Table, Column, Column, str | None]]:
    """Tables pointing at ``table``: (child table, its column, the referenced column, ondelete)."""
    out = []
    for child in tables():
        for fk in child.foreign_keys:
            if fk.column.table is table and child is not table:
                out.append((child, fk.parent, fk.column, fk.ondelete))
    return out


def person_ifis(user: User) -> list[str]:
    """The agent identifiers under which the LRS may hold the person: actor-id account, mbox, mbox_sha1sum."""
    home = extension.home_iri()
    mailto = f"mailto:{user.email}"
    local, _, domain = user.email.rpartition("@")
    normalised = f"mailto:{local}@{domain.lower()}"
    return sorted({f"account:{home}|{user.actor_id}", f"mbox:{mailto}", f"mbox:{normalised}",
                   f"mbox_sha1sum:{hashlib.sha1(mailto.encode()).hexdigest()}",
                   f"mbox_sha1sum:{hashlib.sha1(normalised.encode()).hexdigest()}"})


def statement_condition(user: User):
    """SQL condition on xapi_statements: emitted for the user, or naming them as actor or anywhere else."""
    from ..lrs.models import Statement, StatementAgent

    ifis = person_ifis(user)
    return (Statement.org_id == user.org_id) & or_(
        Statement.user_id == user.id, Statement.actor_ifi.in_(ifis),
        Statement.seq.in_(select(StatementAgent.seq).where(StatementAgent.org_id == user.org_id,
                                                           StatementAgent.ifi.in_(ifis))))


def plain(value):
    """A column value as JSON: times as ISO text, bytes as their size."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"bytes": len(value)}
    return value


def rows_of(db: Session, table: Table, where) -> list[dict]:
    """Rows of ``table`` matching ``where`` as plain dicts without secret columns."""
    names = [c for c in table.columns if c.name not in SECRET_COLUMNS]
    return [{c.name: plain(v) for c, v in zip(names, row)}
            for row in db.execute(select(*names).where(where))]


def walk(db: Session, table: Table, where, skip: frozenset = frozenset()) -> Iterator[tuple[Table, object]]:
    """``(table, where)`` and, recursively, every child table's rows that point at those rows."""
    yield table, where
    for child, column, referenced, _ondelete in children(table):
        if child.name in skip:
            continue
        yield from walk(db, child, column.in_(select(referenced).where(where)), skip)


def delete_tree(db: Session, table: Table, where, counts) -> None:
    """Delete matching rows of ``table`` and every row pointing at them, children first; count per table."""
    for part, where_part in list(walk(db, table, where))[::-1]:
        counts[part.name] += db.execute(delete(part).where(where_part)).rowcount or 0
