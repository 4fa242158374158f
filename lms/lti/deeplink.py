"""Deep Linking 2.0: the teacher picks the whole course, a module or the final exam; the tool signs the answer."""
from __future__ import annotations

import secrets
import time

from joserfc import jwt

from ..i18n import localized
from .launch import CLAIM, DL_CLAIM
from .models import LtiPlatform


def choices(course) -> list[tuple[str, str]]:
    """What a teacher can place: the course, each module, the final exam (value, label)."""
    items = [("course", localized(course.title))]
    items += [(f"module:{m.id}", localized(m.title)) for m in course.modules]
    if course.final_exam:
        items.append(("exam", "final exam"))
    return items


def content_item(course, target: str, label: str, launch_url: str) -> dict:
    """One ltiResourceLink content item; graded targets (module quiz, final exam, course) carry a line item."""
    return {"type": "ltiResourceLink", "title": label, "url": launch_url,
            "custom": {"course": course.slug, "target": target},
            "lineItem": {"scoreMaximum": 100, "label": label, "resourceId": f"{course.slug}:{target}"}}


def response_jwt(platform: LtiPlatform, key, deployment_id: str, settings: dict, items: list[dict],
                 now: float | None = None) -> str:
    """The signed LtiDeepLinkingResponse message the browser posts back to the platform."""
    issued = int(now if now is not None else time.time())
    claims = {"iss": platform.client_id, "aud": [platform.issuer], "iat": issued, "exp": issued + 600,
              "nonce": secrets.token_urlsafe(16), CLAIM + "deployment_id": deployment_id,
              CLAIM + "message_type": "LtiDeepLinkingResponse", CLAIM + "version": "1.3.0",
              DL_CLAIM + "content_items": items}
    if settings.get("data"):
        claims[DL_CLAIM + "data"] = settings["data"]
    return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "JWT"}, claims, key)
