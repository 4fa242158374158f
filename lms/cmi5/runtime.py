"""The AU runtime for launches by an external cmi5 LMS, done on the server: fetch the auth token, read
LMS.LaunchData from the LMS's State, sign the learner in, and queue the cmi5 defined statements for the LMS's LRS
(sent by PUT with their ids, so a resend after a failure is harmless)."""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit
from datetime import timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth.external import linked_or_new_learner, placeholder_email
from ..auth.models import Organisation, User
from ..db import utcnow
from . import statements
from .models import PENDING, Cmi5Lms, Cmi5Outgoing, Cmi5Session, Cmi5UserLink

XAPI_VERSION = "1.0.3"
LAUNCH_MODES = ("Normal", "Browse", "Review")
TIMEOUT = httpx.Timeout(10.0, connect=5.0)


class Cmi5LaunchError(ValueError):
    """A launch that must be refused; the message says why."""


@dataclass(frozen=True)
class LaunchParams:
    """The query parameters a cmi5 LMS appends to the AU URL."""

    endpoint: str
    fetch: str
    actor: dict
    registration: str
    activity_id: str

    @classmethod
    def parse(cls, args) -> "LaunchParams":
        """Read and check the launch parameters (Cmi5LaunchError when one is missing or malformed)."""
        missing = [n for n in ("endpoint", "fetch", "actor", "registration", "activityId") if not args.get(n)]
        if missing:
            raise Cmi5LaunchError("missing launch parameter(s): " + ", ".join(missing))
        try:
            actor = json.loads(args["actor"])
            uuid.UUID(args["registration"])
        except ValueError as exc:
            raise Cmi5LaunchError("malformed actor or registration") from exc
        if not isinstance(actor, dict) or not (actor.get("account") or actor.get("mbox")):
            raise Cmi5LaunchError("the actor needs an account or mbox")
        endpoint = args["endpoint"] if args["endpoint"].endswith("/") else args["endpoint"] + "/"
        return cls(endpoint, args["fetch"], actor, args["registration"], args["activityId"])


def trusted_lms(db: Session, org: Organisation, params: LaunchParams) -> Cmi5Lms:
    """The organisation's registered LMS whose LRS endpoint this launch names; its fetch URL must be on the same
    host, so a crafted launch cannot make this server call anywhere else."""
    for lms in db.scalars(select(Cmi5Lms).where(Cmi5Lms.org_id == org.id)):
        if params.endpoint.startswith(lms.endpoint):
            fetch = urlsplit(params.fetch)
            if fetch.scheme not in ("http", "https") or fetch.hostname != urlsplit(lms.endpoint).hostname:
                raise Cmi5LaunchError("the fetch URL is not on the registered LMS's host")
            return lms
    raise Cmi5LaunchError("the launching LMS is not registered for this organisation")


def fetch_token(params: LaunchParams) -> str:
    """POST to the fetch URL once and return the auth token (cmi5 8.2)."""
    try:
        response = httpx.post(params.fetch, timeout=TIMEOUT, follow_redirects=False, trust_env=False)
        token = response.json().get("auth-token") if response.is_success else None
    except (httpx.HTTPError, ValueError) as exc:
        raise Cmi5LaunchError(f"fetch URL failed: {exc.__class__.__name__}") from exc
    if not token:
        raise Cmi5LaunchError(f"fetch URL gave no auth-token (HTTP {response.status_code})")
    return token


def _headers(token: str) -> dict:
    return {"Authorization": f"Basic {token}", "X-Experience-API-Version": XAPI_VERSION}


def launch_data(params: LaunchParams, token: str) -> dict:
    """The LMS.LaunchData State document for this launch."""
    query = {"stateId": "LMS.LaunchData", "activityId": params.activity_id, "agent": json.dumps(params.actor),
             "registration": params.registration}
    try:
        response = httpx.get(params.endpoint + "activities/state", params=query, headers=_headers(token),
                             timeout=TIMEOUT, follow_redirects=False, trust_env=False)
        data = response.json() if response.is_success else None
    except (httpx.HTTPError, ValueError) as exc:
        raise Cmi5LaunchError(f"LMS.LaunchData unavailable: {exc.__class__.__name__}") from exc
    if not isinstance(data, dict) or data.get("launchMode") not in LAUNCH_MODES:
        raise Cmi5LaunchError("LMS.LaunchData missing or without a valid launchMode")
    return data


def _actor_key(actor: dict) -> str:
    account = actor.get("account") or {}
    raw = f"{account.get('homePage')}|{account.get('name')}" if account else str(actor.get("mbox"))
    return raw[:600]


def provision(db: Session, lms: Cmi5Lms, actor: dict) -> User:
    """The local learner for the LMS's actor (created on the first launch)."""
    key = _actor_key(actor)
    link = db.scalar(select(Cmi5UserLink).where(Cmi5UserLink.lms_id == lms.id, Cmi5UserLink.actor_key == key))
    user, created = linked_or_new_learner(db, link.user_id if link else None, lms.org_id,
                                          placeholder_email("cmi5", lms.id, key), str(actor.get("name") or "cmi5"),
                                          Cmi5LaunchError)
    if created:
        db.add(Cmi5UserLink(lms_id=lms.id, actor_key=key, user_id=user.id))
        db.flush()
    return user


def start_session(db: Session, lms: Cmi5Lms, user: User, params: LaunchParams, token: str, data: dict,
                  course_slug: str, au_key: str) -> Cmi5Session:
    """Record the AU session and queue "initialized"."""
    template = data.get("contextTemplate") or {}
    session_id = (template.get("extensions") or {}).get(statements.SESSION_EXT) or str(uuid.uuid4())
    mastery = data.get("masteryScore")
    session = Cmi5Session(id=session_id, lms_id=lms.id, org_id=lms.org_id, user_id=user.id, endpoint=params.endpoint,
                          auth_token=token, actor=params.actor, registration=params.registration,
                          activity_id=params.activity_id, course_slug=course_slug, au_key=au_key,
                          launch_mode=data["launchMode"], move_on=str(data.get("moveOn") or "NotApplicable"),
                          mastery_score=float(mastery) if mastery is not None else None,
                          return_url=data.get("returnURL"), context_template=template, started_at=utcnow(),
                          completed=False)
    if db.get(Cmi5Session, session_id) is not None:
        raise Cmi5LaunchError("this session was launched before")
    db.add(session)
    db.flush()
    queue(db, session, "initialized")
    return session


def queue(db: Session, session: Cmi5Session, verb: str, result: dict | None = None) -> None:
    """Add a cmi5 statement for the LMS's LRS to the outgoing queue (same transaction as its cause)."""
    body = statements.build(session, verb, result=result)
    db.add(Cmi5Outgoing(session_id=session.id, statement_id=body["id"], body=body, status=PENDING, attempts=0,
                        next_attempt_at=utcnow(), created_at=utcnow()))


def elapsed_seconds(session: Cmi5Session) -> float:
    """Seconds since the AU session started."""
    return (utcnow() - session.started_at).total_seconds()


def terminate(db: Session, session: Cmi5Session) -> None:
    """Queue "terminated" (once) with the session's duration."""
    if session.terminated_at is not None:
        return
    queue(db, session, "terminated", {"duration": statements.iso_duration(elapsed_seconds(session))})
    session.terminated_at = utcnow()


def send(session: Cmi5Session, body: dict) -> None:
    """PUT one statement to the LMS's LRS; raises httpx.HTTPError on failure."""
    response = httpx.put(session.endpoint + "statements", params={"statementId": body["id"]}, json=body,
                         headers=_headers(session.auth_token), timeout=TIMEOUT, follow_redirects=False,
                         trust_env=False)
    if response.status_code not in (200, 204, 409):  # 409: this id is stored already (an earlier attempt arrived)
        raise httpx.HTTPStatusError(f"HTTP {response.status_code}", request=response.request, response=response)


def retry_delay(attempts: int) -> timedelta:
    """Capped exponential backoff for statements the LMS did not take."""
    return timedelta(seconds=min(900.0, 5.0 * 2 ** min(attempts - 1, 20)))
