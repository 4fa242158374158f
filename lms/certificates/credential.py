"""Open Badges 3.0 credential (W3C VC Data Model 2.0) signed as a Data Integrity proof with eddsa-jcs-2022."""
from __future__ import annotations

import copy
import hashlib
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-jcs-2022"
PROOF_PURPOSE = "assertionMethod"
# No registered credentialStatus type describes "look the code up on this page", so it gets its own name.
STATUS_TYPE = "LmsVerificationPage"
ED25519_PUB_MULTICODEC = b"\xed\x01"

_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58_ALPHABET)}


@dataclass(frozen=True)
class VerificationResult:
    """Outcome of checking a credential: ok, a reason a person can read (German), and a short code."""

    ok: bool
    reason: str
    code: str = ""


def b58encode(data: bytes) -> str:
    """Encode bytes in base58 (Bitcoin alphabet), as multibase base58btc uses without its 'z' prefix."""
    value = int.from_bytes(data, "big")
    chars = []
    while value:
        value, digit = divmod(value, 58)
        chars.append(_B58_ALPHABET[digit])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(chars))


def b58decode(text: str) -> bytes:
    """Decode base58 (Bitcoin alphabet); ValueError for characters outside it."""
    value = 0
    for char in text:
        if char not in _B58_INDEX:
            raise ValueError(f"invalid base58 character {char!r}")
        value = value * 58 + _B58_INDEX[char]
    zeros = len(text) - len(text.lstrip("1"))
    body = value.to_bytes((value.bit_length() + 7) // 8, "big") if value else b""
    return b"\0" * zeros + body


def format_datetime(value: datetime) -> str:
    """An XML Schema dateTimeStamp in UTC without fractions (naive datetimes are taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_datetime(value: object) -> datetime | None:
    if not isinstance(value, str) or "T" not in value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def load_or_create_key(path: str | os.PathLike) -> Ed25519PrivateKey:
    """Load the instance's Ed25519 key from a PEM file, creating it (mode 0600) if it does not exist."""
    path = Path(path)
    try:
        return _load_key(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".key-", suffix=".tmp")  # created with mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            # link() never replaces: of two processes creating the key at once, the first wins and
            # the other loads that complete file.
            os.link(tmp, path)
        except FileExistsError:
            return _load_key(path)
        except OSError:  # a file system without hard links
            with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as handle:
                handle.write(pem)
    finally:
        os.unlink(tmp)
    return key


def _load_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return key


def public_key_multibase(public_key: Ed25519PublicKey) -> str:
    """The Multikey encoding of an Ed25519 public key: 'z' + base58btc(0xed01 + 32 key bytes)."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "z" + b58encode(ED25519_PUB_MULTICODEC + raw)


def public_key_from_multibase(text: str) -> Ed25519PublicKey:
    """The Ed25519 public key in a Multikey publicKeyMultibase value; ValueError if it is not one."""
    if not isinstance(text, str) or not text.startswith("z"):
        raise ValueError("not a base58btc multibase value")
    data = b58decode(text[1:])
    if len(data) != 34 or not data.startswith(ED25519_PUB_MULTICODEC):
        raise ValueError("not an Ed25519 Multikey")
    return Ed25519PublicKey.from_public_bytes(data[2:])


def public_key_document(public_key: Ed25519PublicKey, issuer_id: str) -> dict:
    """The verification method document verifiers fetch: a Multikey controlled by the issuer."""
    return {
        "@context": [MULTIKEY_CONTEXT],
        "id": f"{issuer_id}#key-1",
        "type": "Multikey",
        "controller": issuer_id,
        "publicKeyMultibase": public_key_multibase(public_key),
    }


def build_credential(*, credential_id: str, issuer_id: str, issuer_name: str, learner_name: str | None,
                     achievement_id: str, achievement_name: str, achievement_description: str, criteria: str,
                     valid_from: datetime, valid_until: datetime | None = None,
                     status_url: str | None = None) -> dict:
    """Build the unsigned OpenBadgeCredential for a completed course."""
    subject: dict = {"type": ["AchievementSubject"]}
    if learner_name:
        subject["name"] = learner_name
        # Open Badges requires an id or an identifier for the subject; learners have no public id.
        subject["identifier"] = [{"type": "IdentityObject", "identityHash": learner_name, "identityType": "name",
                                  "hashed": False}]
    subject["achievement"] = {
        "id": achievement_id,
        "type": ["Achievement"],
        "achievementType": "CertificateOfCompletion",
        "name": achievement_name,
        "description": achievement_description,
        "criteria": {"narrative": criteria},
    }
    credential: dict = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": achievement_name,
        "issuer": {"id": issuer_id, "type": ["Profile"], "name": issuer_name},
        "validFrom": format_datetime(valid_from),
    }
    if valid_until is not None:
        credential["validUntil"] = format_datetime(valid_until)
    credential["credentialSubject"] = subject
    if status_url:
        credential["credentialStatus"] = {"id": status_url, "type": STATUS_TYPE}
    return credential


def _hash_data(document: dict, proof_config: dict) -> bytes:
    # eddsa-jcs-2022: SHA-256(JCS(proof config)) || SHA-256(JCS(document without proof)).
    return hashlib.sha256(rfc8785.dumps(proof_config)).digest() + hashlib.sha256(rfc8785.dumps(document)).digest()


def sign_credential(cred: dict, key: Ed25519PrivateKey, verification_method: str, created: datetime) -> dict:
    """Return a copy of the credential with an eddsa-jcs-2022 DataIntegrityProof made with key."""
    document = copy.deepcopy(cred)
    document.pop("proof", None)
    proof: dict = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": format_datetime(created),
        "verificationMethod": verification_method,
        "proofPurpose": PROOF_PURPOSE,
    }
    if "@context" in document:
        proof["@context"] = copy.deepcopy(document["@context"])
    signature = key.sign(_hash_data(document, proof))
    proof["proofValue"] = "z" + b58encode(signature)
    document["proof"] = proof
    return document


class _Rejected(Exception):
    """A check that failed: the code and the reason a person can read."""

    def __init__(self, code: str, reason: str):
        super().__init__(code)
        self.code, self.reason = code, reason


def verify_credential(cred: dict, public_key: Ed25519PublicKey) -> VerificationResult:
    """Check the credential's eddsa-jcs-2022 proof against public_key; the reason says what failed."""
    try:
        proof = _checked_proof(cred)
        signature = _signature(proof)
        data = _signed_data(cred, proof)
    except _Rejected as rejected:
        return VerificationResult(False, rejected.reason, rejected.code)
    try:
        public_key.verify(signature, data)
    except InvalidSignature:
        return VerificationResult(False, "Die Signatur ist ungültig: Der Nachweis wurde verändert oder nicht von "
                                         "diesem Aussteller signiert.", "bad_signature")
    return VerificationResult(True, "Die Signatur ist gültig.", "ok")


def _checked_proof(cred: dict) -> dict:
    """The credential's proof, if its type, purpose, method and time are ones we verify."""
    if not isinstance(cred, dict):
        raise _Rejected("not_a_credential", "Das Dokument ist kein Nachweis (kein JSON-Objekt).")
    proof = cred.get("proof")
    if proof is None:
        raise _Rejected("missing_proof", "Der Nachweis ist nicht signiert (keine Signatur enthalten).")
    if not isinstance(proof, dict):
        raise _Rejected("unsupported_proof", "Die Signatur hat ein nicht unterstütztes Format.")
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        raise _Rejected("unsupported_proof",
                        f"Nicht unterstütztes Signaturverfahren (erwartet {PROOF_TYPE} mit {CRYPTOSUITE}).")
    if proof.get("proofPurpose") != PROOF_PURPOSE:
        raise _Rejected("wrong_purpose", "Die Signatur ist nicht für Nachweise bestimmt (proofPurpose).")
    method = proof.get("verificationMethod")
    issuer = cred.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not isinstance(method, str) or not isinstance(issuer_id, str) or method.split("#", 1)[0] != issuer_id:
        raise _Rejected("wrong_method", "Der Signaturschlüssel gehört nicht zum Aussteller des Nachweises.")
    if "created" in proof and _parse_datetime(proof["created"]) is None:
        raise _Rejected("bad_created", "Der Zeitstempel der Signatur ist ungültig.")
    return proof


def _signature(proof: dict) -> bytes:
    """The 64-byte Ed25519 signature from the multibase (base58btc) proofValue."""
    value = proof.get("proofValue")
    try:
        if not isinstance(value, str) or not value.startswith("z"):
            raise ValueError("not base58btc")
        signature = b58decode(value[1:])
    except ValueError:
        signature = b""
    if len(signature) != 64:
        raise _Rejected("bad_proof_value", "Der Signaturwert ist beschädigt.")
    return signature


def _signed_data(cred: dict, proof: dict) -> bytes:
    """The bytes the proof signs: the proof configuration and the document, each canonicalised and hashed."""
    document = {k: v for k, v in cred.items() if k != "proof"}
    proof_config = {k: v for k, v in proof.items() if k != "proofValue"}
    if "@context" in proof_config:
        contexts = document.get("@context")
        expected = proof_config["@context"]
        contexts = contexts if isinstance(contexts, list) else [contexts]
        expected = expected if isinstance(expected, list) else [expected]
        if contexts[:len(expected)] != expected:
            raise _Rejected("context_mismatch", "Die Kontexte von Nachweis und Signatur stimmen nicht überein.")
        document["@context"] = proof_config["@context"]
    if "@context" in document:
        proof_config["@context"] = document["@context"]
    try:
        return _hash_data(document, proof_config)
    except (rfc8785.CanonicalizationError, TypeError, ValueError):
        raise _Rejected("not_canonical",
                        "Der Nachweis enthält Werte, die sich nicht eindeutig darstellen lassen.") from None
