"""GET /statements: parameter parsing, the filter queries (index-driven) and opaque `more` paging.

Filters follow Communication 2.1.3 including the StatementRef rule: a statement targeting (via a StatementRef
object, recursively) a statement that matches the non-time filters matches too; time and paging bounds apply
to the targeting statement itself, and voided statements are never returned.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime
from functools import lru_cache
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Integer, and_, bindparam, exists, false, func, literal, select
from sqlalchemy.orm import Session

from .agents import agent_ifi, parse_agent_param
from .formats import FORMATS
from .models import Statement, StatementActivity, StatementAgent
from .validation import StatementError, is_iri, is_uuid, parse_timestamp

__all__ = ["StatementQuery", "SingleQuery", "parse_get", "run_query", "window_page", "encode_more", "MAX_REF_DEPTH"]

FILTER_PARAMS = ("agent", "verb", "activity", "registration", "related_activities", "related_agents", "since",
                 "until", "limit", "format", "attachments", "ascending")
SINGLE_PARAMS = ("statementId", "voidedStatementId")
KNOWN_PARAMS = FILTER_PARAMS + SINGLE_PARAMS + ("more",)
# A since/until window is read one of two ways, both in seq order and with the same result: walking the seq
# index from the paging cursor (cost: the statements between the cursor and the window's first rows), or reading
# the window through the stored-time index and sorting it (cost: the window's size). Neither database can tell
# which is cheaper (SQLite has no statistics; PostgreSQL's planner assumes window rows spread evenly over seq and
# walked 1.47 M rows at 3 M statements), so both are tried with a budget that grows by WINDOW_GROWTH per round:
# the walk covers the next budget / WALK_SHARE seq numbers, then the window is counted up to `budget` rows. The
# first to finish within its budget wins, so a page costs a small multiple of the cheaper of the two, whatever
# the window's shape. Both give the same rows in seq order, so `more` pages continue either way.
WINDOW_BUDGET = 2_000
WINDOW_GROWTH = 8
# A walked row costs about five to eight counted index entries (measured on SQLite at 1 M statements).
WALK_SHARE = 8
MAX_REF_DEPTH = 10  # StatementRef chains are followed this deep (chains can be cyclic: ids are client-chosen)
_SECTION = "Communication 2.1.3"
S = Statement.__table__
A = StatementAgent.__table__
ACT = StatementActivity.__table__
# Aliases are built once: building them per request cost more than running the queries (column proxies).
A_FILTER, ACT_FILTER = A.alias("a"), ACT.alias("act")
S_REF, S_STEP, S_TARGET, S_SOURCE = S.alias("s"), S.alias("step"), S.alias("target"), S.alias("source")


@dataclass
class StatementQuery:
    """A statement list query; `after` and `cap` are the paging cursor (seq) and upper bound."""

    agent: str | None = None
    verb: str | None = None
    activity: str | None = None
    registration: str | None = None
    related_activities: bool = False
    related_agents: bool = False
    since: str | None = None
    until: str | None = None
    limit: int = 0
    format: str = "exact"
    attachments: bool = False
    ascending: bool = False
    after: int | None = None
    cap: int | None = None

    def has_filters(self) -> bool:
        """True when a non-time filter is set (only then do StatementRefs widen the result)."""
        return any((self.agent, self.verb, self.activity, self.registration))


@dataclass
class SingleQuery:
    """GET of one statement by statementId or voidedStatementId."""

    statement_id: str
    voided: bool
    format: str = "exact"
    attachments: bool = False


def _fail(reason: str, path: str = "") -> None:
    raise StatementError(reason, path=path, section=_SECTION)


def _bool(value: str, name: str) -> bool:
    if value not in ("true", "false"):
        _fail(f"must be true or false (got {value!r})", name)
    return value == "true"


def check_param_names(params, allowed) -> None:
    """Reject unknown, wrongly cased and repeated parameters (Communication 3.2)."""
    for name in params:
        if name not in allowed:
            hint = next((a for a in allowed if a.lower() == name.lower()), None)
            if hint:
                _fail(f"unknown parameter {name!r}: parameter names are case-sensitive, use {hint!r}")
            _fail(f"unknown parameter {name!r} for this request")
        if len(params.getlist(name)) > 1:
            _fail(f"parameter {name!r} given more than once")


def parse_get(params, secret: str, org_id: int) -> StatementQuery | SingleQuery:
    """Parse GET parameters into a single-statement or list query; StatementError on any bad parameter."""
    check_param_names(params, KNOWN_PARAMS)
    if "more" in params:
        if len(params) > 1:
            _fail("'more' cannot be combined with other parameters")
        return decode_more(params["more"], secret, org_id)
    fmt = params.get("format", "exact")
    if fmt not in FORMATS:
        _fail(f"must be one of {', '.join(FORMATS)} (got {fmt!r})", "format")
    attachments = _bool(params["attachments"], "attachments") if "attachments" in params else False
    singles = [name for name in SINGLE_PARAMS if name in params]
    if singles:
        if len(singles) == 2:
            _fail("statementId and voidedStatementId cannot be used together")
        extra = [name for name in params if name not in (singles[0], "format", "attachments")]
        if extra:
            _fail(f"{singles[0]} can only be combined with format and attachments (got {', '.join(extra)})")
        value = params[singles[0]]
        if not is_uuid(value):
            _fail("must be a UUID", singles[0])
        return SingleQuery(value.lower(), singles[0] == "voidedStatementId", fmt, attachments)
    query = StatementQuery(format=fmt, attachments=attachments)
    if "agent" in params:
        query.agent = agent_ifi(parse_agent_param(params["agent"]))
    for name in ("verb", "activity"):
        if name in params:
            if not is_iri(params[name]):
                _fail("must be an IRI", name)
            setattr(query, name, params[name])
    if "registration" in params:
        if not is_uuid(params["registration"]):
            _fail("must be a UUID", "registration")
        query.registration = params["registration"].lower()
    for name in ("related_activities", "related_agents", "ascending"):
        if name in params:
            setattr(query, name, _bool(params[name], name))
    for name in ("since", "until"):
        if name in params:
            parse_timestamp(params[name])
            setattr(query, name, params[name])
    if "limit" in params:
        if not params["limit"].isdigit():
            _fail("must be a non-negative integer", "limit")
        query.limit = int(params["limit"])
    return query


def encode_more(query: StatementQuery, secret: str, org_id: int) -> str:
    """An opaque, tamper-proof token that continues `query` (after/cap set by the caller)."""
    data = {k: v for k, v in asdict(query).items() if v not in (None, False, 0, "exact") or k == "after"}
    return URLSafeSerializer(secret, salt="xapi-more").dumps({"o": org_id, "q": data})


def decode_more(token: str, secret: str, org_id: int) -> StatementQuery:
    """Decode a `more` token issued to the same organisation."""
    try:
        data = URLSafeSerializer(secret, salt="xapi-more").loads(token)
    except BadSignature:
        _fail("is not a valid 'more' token", "more")
    if not isinstance(data, dict) or data.get("o") != org_id:
        _fail("is not a valid 'more' token", "more")
    names = {f.name for f in fields(StatementQuery)}
    return StatementQuery(**{k: v for k, v in data["q"].items() if k in names})


@dataclass(frozen=True)
class _Shape:
    """Which filters and bounds a query has: its statements are built once per shape, with bind parameters."""

    agent: bool
    verb: bool
    activity: bool
    registration: bool
    related_activities: bool
    related_agents: bool
    since: bool
    until: bool
    after: bool
    ascending: bool

    @classmethod
    def of(cls, query: StatementQuery) -> "_Shape":
        """The shape of a query."""
        return cls(bool(query.agent), bool(query.verb), bool(query.activity), bool(query.registration),
                   query.related_activities, query.related_agents, bool(query.since), bool(query.until),
                   query.after is not None, query.ascending)


P = {name: bindparam(name) for name in ("org", "agent", "verb", "activity", "registration", "since", "until",
                                        "after", "cap", "lo", "hi")}
P_LIMIT = bindparam("limit", type_=Integer)


def _values(query: StatementQuery, org_id: int, cap: int, **extra) -> dict:
    """The bind parameter values of a query."""
    return {"org": org_id, "agent": query.agent, "verb": query.verb, "activity": query.activity,
            "registration": query.registration, "since": _time(query.since), "until": _time(query.until),
            "after": query.after, "cap": cap, **extra}


def _time(value: str | None) -> datetime | None:
    return parse_timestamp(value) if value else None


def _bounds(shape: _Shape, table, seq_col) -> list:
    conds = [seq_col <= P["cap"]]
    if shape.after:
        conds.append(seq_col > P["after"] if shape.ascending else seq_col < P["after"])
    if shape.since:
        conds.append(table.c.stored > P["since"])
    if shape.until:
        conds.append(table.c.stored <= P["until"])
    return conds


def _window_query(query: StatementQuery) -> bool:
    """A since/until query without an agent or related-activity join (their indexes bound the walk themselves)."""
    return bool(query.since or query.until) and not (query.agent or (query.activity and query.related_activities))


@lru_cache(maxsize=512)
def _window_count(shape: _Shape):
    """Rows of the since/until window within the paging bounds, counted up to `limit` (index-only)."""
    conds = [S.c.org_id == P["org"], S.c.voided == false(), *_bounds(shape, S, S.c.seq + 0)]
    probe = select(literal(1)).where(*conds).limit(P_LIMIT).subquery()
    return select(func.count()).select_from(probe)


def window_page(db: Session, query: StatementQuery, org_id: int, cap: int, limit: int,
                trace: list | None = None) -> tuple[list[int], str]:
    """The seqs of a since/until page and the strategy that found them ("seq" walk or "stored" index).

    `trace` (bench, tests) receives every (statement, parameters) run, in order.
    """
    shape, values = _Shape.of(query), _values(query, org_id, cap)

    def run(statement, **extra):
        if trace is not None:
            trace.append((statement, {**values, **extra}))
        return db.scalars(statement, {**values, **extra})

    if query.ascending:
        first = query.after if query.after is not None else (
            db.scalar(select(func.min(S.c.seq)).where(S.c.org_id == org_id)) or 1) - 1
        start, end, step = first, cap, 1
    else:
        start, end, step = min(cap, query.after - 1 if query.after is not None else cap), 0, -1
    hits: list[int] = []
    budget = WINDOW_BUDGET
    while True:
        # The walk goes first: paging through a window (the common case) then takes one query.
        span = max(1, budget // WALK_SHARE)
        stop = min(end, start + span) if step > 0 else max(end, start - span)
        low, high = (start, stop) if step > 0 else (stop, start)  # exclusive low, inclusive high
        hits += run(_direct(shape, ranged=True), lo=low, hi=high, limit=limit - len(hits) + 1)
        if len(hits) > limit or stop == end:
            return hits, "seq"
        start = stop
        if run(_window_count(shape), limit=budget).one() < budget:
            return list(run(_direct(shape, by_stored=True), limit=limit + 1)), "stored"
        budget *= WINDOW_GROWTH


@lru_cache(maxsize=512)
def _direct(shape: _Shape, *, by_stored: bool = False, ranged: bool = False):
    """Statements matching the filters themselves, driven by the most selective index."""
    # seq + 0 is the same number, but no index can order or bound it, so the window is read by `stored`.
    froms, order_col = S, (S.c.seq + 0 if by_stored else S.c.seq)
    conds = [S.c.org_id == P["org"], S.c.voided == false()]
    if ranged:
        conds += [S.c.seq > P["lo"], S.c.seq <= P["hi"]]
    if shape.agent:
        a = A_FILTER
        froms, order_col = a.join(S, S.c.seq == a.c.seq), a.c.seq
        conds += [a.c.org_id == P["org"], a.c.ifi == P["agent"]]
        if shape.verb:
            conds.append(a.c.verb_id == P["verb"])
        if not shape.related_agents:
            conds.append(a.c.relation == "actor")
    if shape.activity and shape.related_activities:
        act = ACT_FILTER
        froms = froms.join(act, act.c.seq == S.c.seq)
        conds += [act.c.org_id == P["org"], act.c.activity_id == P["activity"]]
        if not shape.agent:
            order_col = act.c.seq
    conds += _target_conditions(shape, S, joined=True)
    conds += _bounds(shape, S, order_col)
    order = order_col.asc() if shape.ascending else order_col.desc()
    return select(order_col).select_from(froms).where(*conds).order_by(order).limit(P_LIMIT)


def _target_conditions(shape: _Shape, table, *, joined: bool) -> list:
    conds = []
    if shape.verb:
        conds.append(table.c.verb_id == P["verb"])
    if shape.registration:
        conds.append(table.c.registration == P["registration"])
    if shape.activity and not shape.related_activities:
        conds.append(table.c.activity_id == P["activity"])
    if joined:
        return conds
    if shape.agent:
        agent_match = [A.c.org_id == P["org"], A.c.ifi == P["agent"], A.c.seq == table.c.seq]
        if not shape.related_agents:
            agent_match.append(A.c.relation == "actor")
        conds.append(exists().where(*agent_match))
    if shape.activity and shape.related_activities:
        conds.append(exists().where(ACT.c.org_id == P["org"], ACT.c.activity_id == P["activity"],
                                    ACT.c.seq == table.c.seq))
    return conds


@lru_cache(maxsize=512)
def _via_refs(shape: _Shape):
    """Statements whose StatementRef chain reaches a statement matching the filters (Communication 2.1.3)."""
    s = S_REF
    # The anchor must be driven by the (org_id, ref_statement_id) index: StatementRefs are few, while the time
    # and paging bounds would make SQLite walk a whole seq or stored range. Bounds are applied afterwards.
    anchor = select(s.c.seq.label("seq"), s.c.ref_statement_id.label("target"), literal(0).label("depth")).where(
        s.c.org_id == P["org"], s.c.ref_statement_id.is_not(None), s.c.voided == false())
    chain = anchor.cte("chain", recursive=True)
    step = S_STEP
    chain = chain.union_all(
        select(chain.c.seq, step.c.ref_statement_id, chain.c.depth + 1)
        .select_from(chain.join(step, and_(step.c.org_id == P["org"], step.c.statement_id == chain.c.target)))
        .where(step.c.ref_statement_id.is_not(None), chain.c.depth < MAX_REF_DEPTH))
    target, source = S_TARGET, S_SOURCE
    return (select(chain.c.seq).distinct()
            .select_from(chain.join(target, and_(target.c.org_id == P["org"],
                                                 target.c.statement_id == chain.c.target))
                         .join(source, source.c.seq == chain.c.seq))
            .where(*_target_conditions(shape, target, joined=False), *_bounds(shape, source, source.c.seq)))


_MAX_SEQ = select(func.max(S.c.seq)).where(S.c.org_id == P["org"])
_ROWS = select(S.c.seq, S.c.statement_id, S.c.raw, S.c.stored).where(S.c.seq.in_(bindparam("seqs", expanding=True)))


def run_query(db: Session, org_id: int, query: StatementQuery, max_limit: int) -> tuple[list[Any], bool, int]:
    """Run a list query: returns (rows with seq/statement_id/raw/stored in order, more available, cap)."""
    limit = min(query.limit or max_limit, max_limit)
    cap = query.cap if query.cap is not None else (db.scalar(_MAX_SEQ, {"org": org_id}) or 0)
    shape = _Shape.of(query)
    if _window_query(query):
        seqs, _strategy = window_page(db, query, org_id, cap, limit)
    else:
        seqs = list(db.scalars(_direct(shape), _values(query, org_id, cap, limit=limit + 1)))
    if query.has_filters():
        extra = set(db.scalars(_via_refs(shape), _values(query, org_id, cap))) - set(seqs)
        if extra:
            seqs = sorted(set(seqs) | extra, reverse=not query.ascending)
    more = len(seqs) > limit
    seqs = seqs[:limit]
    if not seqs:
        return [], False, cap
    by_seq = {row.seq: row for row in db.execute(_ROWS, {"seqs": seqs})}
    return [by_seq[seq] for seq in seqs], more, cap
