"""Statement export in pseudonymous mode: every person in a statement becomes the report pseudonym.

With pseudonymous reports on, trainers must not be able to tie exported statements to a person. The export
therefore replaces every Agent and Group (actor, object, SubStatement, context instructor and team, authority)
with an account whose name is the same pseudonym the reports show (so export and reports still match up), or,
for people who are not users of the organisation, a keyed hash of their identifier. Names, e-mail addresses,
mbox_sha1sum values, OpenIDs and actor ids never reach the file. Everything else (ids, verbs, objects, results,
timestamps) is kept.
"""
from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import select

from ..auth.models import Organisation, User
from ..auth.pseudonyms import PREFIX, code

AGENT_TYPES = (None, "Agent", "Group")


def ifi(agent: dict) -> str | None:
    """The inverse functional identifier of an Agent or identified Group as one string, or None."""
    if "mbox" in agent:
        return f"mbox:{agent['mbox']}"
    if "mbox_sha1sum" in agent:
        return f"mbox_sha1sum:{agent['mbox_sha1sum']}"
    if "openid" in agent:
        return f"openid:{agent['openid']}"
    account = agent.get("account")
    if isinstance(account, dict):
        return f"account:{account.get('homePage')}|{account.get('name')}"
    return None


class Pseudonymiser:
    """Replaces the people in statements of one organisation by their report pseudonyms."""

    def __init__(self, db, org: Organisation, home_page: str):
        self.key = org.pseudonym_key.encode()
        self.home = home_page.rstrip("/") + "/pseudonym"
        self.codes: dict[str, str] = {}
        for user in db.scalars(select(User).where(User.org_id == org.id)):
            pseudo = code(org, user)
            mailto = f"mailto:{user.email}"
            self.codes[f"account:{home_page}|{user.actor_id}"] = pseudo
            self.codes[f"mbox:{mailto}"] = pseudo
            self.codes[f"mbox_sha1sum:{hashlib.sha1(mailto.encode()).hexdigest()}"] = pseudo

    def _code(self, identifier: str | None) -> str:
        if identifier in self.codes:
            return self.codes[identifier]
        digest = hmac.new(self.key, (identifier or "anonymous").encode(), hashlib.sha256).hexdigest()
        return "X" + digest[:8].upper()

    def agent(self, agent: dict) -> dict:
        """An Agent or Group with every identifying property replaced."""
        out: dict = {"objectType": agent.get("objectType", "Agent")}
        identifier = ifi(agent)
        if identifier is not None or out["objectType"] == "Agent":
            out["account"] = {"homePage": self.home, "name": PREFIX + self._code(identifier)}
        if isinstance(agent.get("member"), list):
            out["member"] = [self.agent(m) for m in agent["member"] if isinstance(m, dict)]
        return out

    def statement(self, data: dict) -> dict:
        """The statement (or SubStatement) with its people replaced; other properties unchanged."""
        out = dict(data)
        if isinstance(out.get("actor"), dict):
            out["actor"] = self.agent(out["actor"])
        obj = out.get("object")
        if isinstance(obj, dict) and obj.get("objectType") in ("Agent", "Group"):
            out["object"] = self.agent(obj)
        elif isinstance(obj, dict) and obj.get("objectType") == "SubStatement":
            out["object"] = self.statement(obj)
        if isinstance(out.get("authority"), dict):
            out["authority"] = self.agent(out["authority"])
        context = out.get("context")
        if isinstance(context, dict):
            context = dict(context)
            for key in ("instructor", "team"):
                if isinstance(context.get(key), dict):
                    context[key] = self.agent(context[key])
            out["context"] = context
        return out
