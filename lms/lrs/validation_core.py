"""xAPI data-type primitives shared by the validators: errors, paths, IRIs, UUIDs, tags, times.

Pure Python: no Flask, no database. Section numbers refer to xAPI 1.0.3 Part Two (Data).
"""
from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache, wraps
from typing import Any, Iterable

from .. import safejson

__all__ = [
    "StatementError",
    "IFI_KEYS",
    "parse_json",
    "parse_timestamp",
    "is_iri",
    "is_uuid",
    "is_language_tag",
    "is_duration",
    "is_mbox",
    "is_sha1sum",
]

IFI_KEYS = ("mbox", "mbox_sha1sum", "openid", "account")


class StatementError(ValueError):
    """A statement (or xAPI parameter) breaks a rule; the message names the JSON path and the rule."""

    def __init__(self, reason: str, *, path: str = "", section: str = "") -> None:
        self.reason = reason
        self.path = path
        self.section = section
        message = f"{path}: {reason}" if path else reason
        if section:
            message = f"{message} ({section})"
        super().__init__(message)


def fail(path: str, reason: str, section: str) -> None:
    """Raise a StatementError for `path`."""
    raise StatementError(reason, path=path or "statement", section=section)


def join(path: str, key: str | int) -> str:
    """Extend a JSON path with an object key or an array index."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _pairs_no_duplicates(pairs: list[tuple[str, Any]]) -> dict:
    built = dict(pairs)  # in C; a repeated key shows as fewer entries than pairs
    if len(built) != len(pairs):
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                raise StatementError(f"property {key!r} occurs more than once", section="Data 2.2")
            seen.add(key)
    return built


def _reject_constant(name: str) -> Any:
    raise StatementError(f"{name} is not a valid JSON number", section="Data 2.2")


def parse_json(text: str | bytes | bytearray) -> Any:
    """Parse a JSON body strictly (duplicate keys, NaN/Infinity, deep nesting, huge ints, lone surrogates rejected)."""
    try:
        return safejson.loads(text, object_pairs_hook=_pairs_no_duplicates, parse_constant=_reject_constant)
    except StatementError:
        raise
    except (ValueError, TypeError) as exc:
        raise StatementError(f"invalid JSON: {exc}", section="Communication 1.5.1") from None


def is_number(value: Any) -> bool:
    """True for a finite JSON number (bool is not a number)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return math.isfinite(value)


_key_set = lru_cache(maxsize=128)(frozenset)  # the allowed keys of each object kind, as a set


def check_obj(value: Any, path: str, allowed: tuple[str, ...], required: tuple[str, ...], section: str) -> dict:
    """Require a non-empty JSON object, keys all allowed (case-sensitive), none null, required present."""
    if not isinstance(value, dict):
        fail(path, "must be a JSON object", section)
    allowed_set = _key_set(allowed)
    # The usual object passes two C-level tests; only an offending one is walked key by key for the message.
    if not allowed_set.issuperset(value) or None in value.values():
        for key, item in value.items():
            if key not in allowed_set:
                hint = next((a for a in allowed if a.lower() == str(key).lower()), None)
                if hint is not None:
                    fail(join(path, key), f"property name is case-sensitive: use {hint!r}", "Data 2.2")
                fail(join(path, key), "is not an allowed property", "Data 2.2")
            if item is None:
                fail(join(path, key), "must not be null", "Data 2.2")
    for key in required:
        if key not in value:
            fail(join(path, key), "is required", section)
    if not value:
        # Data 2.2 says SHOULD NOT; the conformance suite (XAPI-00001) rejects empty objects outside
        # extensions (language maps and extensions maps do not go through here).
        fail(path, "must not be an empty object", "Data 2.2")
    return value


def check_string(value: Any, path: str, section: str) -> str:
    """Require a JSON string."""
    if not isinstance(value, str):
        fail(path, "must be a string", section)
    return value


def check_number(value: Any, path: str, section: str) -> float:
    """Require a finite JSON number (not a string, not a boolean)."""
    if not is_number(value):
        fail(path, "must be a number", section)
    return value


def check_bool(value: Any, path: str, section: str) -> bool:
    """Require a JSON boolean."""
    if not isinstance(value, bool):
        fail(path, "must be a boolean", section)
    return value


def check_array(value: Any, path: str, section: str) -> list:
    """Require a JSON array."""
    if not isinstance(value, list):
        fail(path, "must be an array", section)
    return value


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*$")
# RFC 3987 excludes these from every IRI component (plus controls and whitespace, checked below).
_IRI_FORBIDDEN = set('<>"{}|\\^`')
_PCT = re.compile(r"%(?![0-9A-Fa-f]{2})")


# Statements repeat the same few IRIs and language tags (verbs, activity types, course IRIs, "en-US"): the pure
# string checks are memoised. The caches are bounded in entries and only hold short strings, so a client cannot
# grow them; a value's answer never changes, so caching drops no check.
def _memoised(check):
    cached = lru_cache(maxsize=8192)(check)

    @wraps(check)
    def run(value: Any) -> bool:
        if not isinstance(value, str):
            return False
        return cached(value) if len(value) <= 512 else check(value)
    return run


def _is_iri(value: str) -> bool:
    """Best-effort absolute-IRI check (RFC 3987): scheme, no forbidden characters, valid %-escapes."""
    if ":" not in value:
        return False
    scheme, rest = value.split(":", 1)
    if not _SCHEME.match(scheme) or not rest:
        return False
    for ch in rest:
        if ch in _IRI_FORBIDDEN or ch.isspace() or ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F:
            return False
    if _PCT.search(rest) or rest.count("#") > 1:
        return False
    authority = ""
    tail = rest
    if rest.startswith("//"):
        match = re.match(r"^//([^/?#]*)(.*)$", rest, re.S)
        authority, tail = match.group(1), match.group(2)
        host = authority.rsplit("@", 1)[-1]
        if host.startswith("["):
            if not re.match(r"^\[[0-9A-Za-z:.\-]+\](:\d*)?$", host):
                return False
        elif "[" in host or "]" in host:
            return False
        if scheme.lower() in ("http", "https") and not host.split(":")[0]:
            return False
    if "[" in tail or "]" in tail:
        return False
    return True


is_iri = _memoised(_is_iri)


def check_iri(value: Any, path: str, section: str, what: str = "an IRI") -> str:
    """Require an absolute IRI string (an IRL is checked the same way: it must have a scheme)."""
    if not isinstance(value, str):
        fail(path, f"must be {what} string", section)
    if not is_iri(value):
        fail(path, f"must be {what} with a scheme (got {value!r})", section)
    return value


_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def is_uuid(value: Any) -> bool:
    """True for a UUID in standard 8-4-4-4-12 string form (any version/variant, hex case-insensitive)."""
    return isinstance(value, str) and bool(_UUID.match(value))


def check_uuid(value: Any, path: str, section: str = "Data 4.4") -> str:
    """Require a UUID in standard string form."""
    if not isinstance(value, str):
        fail(path, "must be a UUID string", section)
    if not is_uuid(value):
        fail(path, f"must be a UUID in standard string form (got {value!r})", section)
    return value


_LANGTAG = re.compile(
    r"""^
    (?P<language>[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4}|[a-z]{5,8})
    (?:-(?P<script>[a-z]{4}))?
    (?:-(?P<region>[a-z]{2}|[0-9]{3}))?
    (?P<variants>(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*)
    (?P<extensions>(?:-[0-9a-wyz](?:-[a-z0-9]{2,8})+)*)
    (?:-x(?:-[a-z0-9]{1,8})+)?
    $""",
    re.X | re.I,
)
_PRIVATEUSE = re.compile(r"^x(?:-[a-z0-9]{1,8})+$", re.I)
_GRANDFATHERED = {
    tag.lower()
    for tag in (
        "en-GB-oed i-ami i-bnn i-default i-enochian i-hak i-klingon i-lux i-mingo i-navajo i-pwn "
        "i-tao i-tay i-tsu sgn-BE-FR sgn-BE-NL sgn-CH-DE art-lojban cel-gaulish no-bok no-nyn "
        "zh-guoyu zh-hakka zh-min zh-min-nan zh-xiang"
    ).split()
}


def _is_language_tag(value: str) -> bool:
    """True for a well-formed RFC 5646 language tag (syntax, no repeated variant or singleton)."""
    if not value.isascii():
        return False
    if value.lower() in _GRANDFATHERED or _PRIVATEUSE.match(value):
        return True
    match = _LANGTAG.match(value)
    if not match:
        return False
    variants = [v.lower() for v in match.group("variants").split("-") if v]
    if len(variants) != len(set(variants)):
        return False
    singletons = [t.lower() for t in match.group("extensions").split("-") if len(t) == 1]
    return len(singletons) == len(set(singletons))


is_language_tag = _memoised(_is_language_tag)


def check_language_tag(value: Any, path: str, section: str = "Data 4.2") -> str:
    """Require an RFC 5646 language tag string."""
    if not isinstance(value, str):
        fail(path, "must be an RFC 5646 language tag string", section)
    if not is_language_tag(value):
        fail(path, f"must be a valid RFC 5646 language tag (got {value!r})", section)
    return value


def check_lang_map(value: Any, path: str, section: str = "Data 4.2") -> dict:
    """Require a language map: RFC 5646 tags as keys, strings as values."""
    if not isinstance(value, dict):
        fail(path, "must be a language map (JSON object)", section)
    for tag, text in value.items():
        if not is_language_tag(tag):
            fail(join(path, tag), "language map key must be a valid RFC 5646 language tag", "Data 4.2")
        if text is None:
            fail(join(path, tag), "must not be null", "Data 2.2")
        if not isinstance(text, str):
            fail(join(path, tag), "language map value must be a string", "Data 4.2")
    return value


def check_extensions(value: Any, path: str) -> dict:
    """Require an extensions map: IRI keys, any values (null included)."""
    if not isinstance(value, dict):
        fail(path, "must be an extensions map (JSON object)", "Data 4.1")
    for key in value:
        if not is_iri(key):
            fail(join(path, key), "extension keys must be IRIs", "Data 4.1")
    return value


_MBOX = re.compile(
    r"^mailto:[\w!#$%&'*+/=?^`{|}~.\-]+@(?:\[[0-9A-Za-z:.\-]+\]|[\w\-]+(?:\.[\w\-]+)*\.?)$"
)
_SHA1 = re.compile(r"^[0-9a-fA-F]{40}$")


def is_mbox(value: Any) -> bool:
    """True for a 'mailto:' IRI holding one e-mail address."""
    return isinstance(value, str) and bool(_MBOX.match(value)) and is_iri(value)


def is_sha1sum(value: Any) -> bool:
    """True for 40 hexadecimal characters."""
    return isinstance(value, str) and bool(_SHA1.match(value))


_TS_EXTENDED = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?"
    r"(Z|[+-]\d{2}(?::?\d{2})?)?$", re.ASCII
)
_TS_BASIC = re.compile(
    r"^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(?:(\d{2})(?:[.,](\d+))?)?(Z|[+-]\d{2}(?:\d{2})?)?$", re.ASCII
)


def parse_timestamp(value: Any) -> datetime:
    """Parse an ISO 8601 date-time to an aware UTC datetime (no offset: taken as UTC), else StatementError."""
    if not isinstance(value, str):
        raise StatementError("timestamp must be a string", section="Data 4.5")
    match = _TS_EXTENDED.match(value) or _TS_BASIC.match(value)
    if not match:
        raise StatementError(f"not an ISO 8601 date-time: {value!r}", section="Data 4.5")
    year, month, day, hour, minute = (int(match.group(i)) for i in range(1, 6))
    second = int(match.group(6) or 0)
    fraction = match.group(7) or ""
    zone = match.group(8)
    offset = timedelta(0)
    if zone and zone != "Z":
        digits = zone[1:].replace(":", "")
        oh, om = int(digits[:2]), int(digits[2:] or 0)
        if oh > 23 or om > 59:
            raise StatementError(f"invalid time zone offset in {value!r}", section="Data 4.5")
        # RFC 3339 "unknown local offset"; the ADL conformance suite requires rejecting it.
        if zone[0] == "-" and oh == 0 and om == 0:
            raise StatementError(f"offset -00:00 (unknown local offset) is not allowed: {value!r}",
                                 section="Data 4.5")
        offset = timedelta(hours=oh, minutes=om) * (-1 if zone[0] == "-" else 1)
    extra = timedelta(0)
    if hour == 24:
        # ISO 8601 allows 24:00:00 as the end of a day; nothing later.
        if minute or second or fraction.strip("0"):
            raise StatementError(f"invalid time in {value!r}", section="Data 4.5")
        hour, extra = 0, timedelta(days=1)
    if second == 60:
        second, extra = 59, extra + timedelta(seconds=1)
    try:
        micro = int((fraction + "000000")[:6])
        moment = datetime(year, month, day, hour, minute, second, micro, tzinfo=timezone(offset))
        return (moment + extra).astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise StatementError(f"not a valid calendar date-time: {value!r}", section="Data 4.5") from None


def check_timestamp(value: Any, path: str) -> str:
    """Require an ISO 8601 timestamp string."""
    try:
        parse_timestamp(value)
    except StatementError as exc:
        fail(path, exc.reason, "Data 4.5")
    return value


_NUM = r"\d+(?:[.,]\d+)?"
_DURATION = re.compile(
    rf"^P(?:(?P<Y>{_NUM})Y)?(?:(?P<Mo>{_NUM})M)?(?:(?P<D>{_NUM})D)?"
    rf"(?:T(?:(?P<H>{_NUM})H)?(?:(?P<Mi>{_NUM})M)?(?:(?P<S>{_NUM})S)?)?$", re.ASCII
)
_DURATION_WEEKS = re.compile(rf"^P{_NUM}W$", re.ASCII)


def is_duration(value: Any) -> bool:
    """True for an ISO 8601:2004 4.4.3.2 duration (PnYnMnDTnHnMnS or PnW; fraction only last)."""
    if not isinstance(value, str):
        return False
    if _DURATION_WEEKS.match(value):
        return True
    match = _DURATION.match(value)
    if not match or value.endswith("T"):
        return False
    parts = [match.group(k) for k in ("Y", "Mo", "D", "H", "Mi", "S")]
    present = [p for p in parts if p is not None]
    if not present:
        return False
    return all("." not in p and "," not in p for p in present[:-1])


def check_duration(value: Any, path: str) -> str:
    """Require an ISO 8601 duration string."""
    if not isinstance(value, str):
        fail(path, "must be an ISO 8601 duration string", "Data 4.6")
    if not is_duration(value):
        fail(path, f"must be an ISO 8601 duration such as PT1H30M (got {value!r})", "Data 4.6")
    return value
