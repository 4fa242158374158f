"""Open Badges 3.0 credential: structure, eddsa-jcs-2022 signing against stored vectors, tamper detection, keys."""
import copy
import json
import os
import stat
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lms.certificates import credential as C

VECTORS = Path(__file__).parent / "vectors"
LMS_VECTOR = VECTORS / "lms-credential-eddsa-jcs-2022.json"
W3C_VECTOR = VECTORS / "w3c-eddsa-jcs-2022.json"


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _lms_vector() -> dict:
    return json.loads(LMS_VECTOR.read_text(encoding="utf-8"))


def _test_key(vector: dict) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(vector["privateKeyHex"]))


def _make_signed(vector: dict) -> dict:
    args = dict(vector["input"], valid_from=_dt(vector["input"]["valid_from"]),
                valid_until=_dt(vector["input"]["valid_until"]))
    return C.sign_credential(C.build_credential(**args), _test_key(vector), vector["verificationMethod"],
                             _dt(vector["created"]))


@pytest.fixture
def vector():
    """The stored LMS vector (its signed credential and the fixed test key)."""
    return _lms_vector()


def test_credential_vector_is_reproduced_exactly(vector):
    """Fixed key and times give exactly the stored signed credential (Ed25519 is deterministic)."""
    signed = _make_signed(vector)
    if os.environ.get("UPDATE_VECTORS"):
        vector["signed"] = signed
        LMS_VECTOR.write_text(json.dumps(vector, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    assert signed == vector["signed"]
    assert vector["publicKeyMultibase"] == C.public_key_multibase(_test_key(vector).public_key())


def test_credential_vector_verifies(vector):
    """The stored credential verifies with the test key's public key (also after a JSON round trip)."""
    public = C.public_key_from_multibase(vector["publicKeyMultibase"])
    result = C.verify_credential(vector["signed"], public)
    assert result.ok, result.reason
    reordered = json.loads(json.dumps(dict(reversed(list(vector["signed"].items()))), indent=4))
    assert C.verify_credential(reordered, public).ok  # JCS: key order and whitespace do not matter


def test_credential_w3c_vector_verifies_and_is_reproduced():
    """The W3C eddsa-jcs-2022 test vector verifies, and signing its document recreates its proofValue."""
    w3c = json.loads(W3C_VECTOR.read_text(encoding="utf-8"))
    signed = w3c["signed"]
    public = C.public_key_from_multibase(w3c["publicKeyMultibase"])
    assert C.verify_credential(signed, public).ok
    private = C.b58decode(w3c["privateKeyMultibase"][1:])
    assert private[:2] == b"\x80\x26"  # multicodec ed25519-priv
    key = Ed25519PrivateKey.from_private_bytes(private[2:])
    unsigned = {k: v for k, v in signed.items() if k != "proof"}
    again = C.sign_credential(unsigned, key, signed["proof"]["verificationMethod"],
                              _dt(signed["proof"]["created"]))
    assert again["proof"] == signed["proof"]


def test_credential_structure(vector):
    """The credential is an OpenBadgeCredential in the VC 2.0 data model with the fields verifiers read."""
    vc = vector["signed"]
    assert vc["@context"] == ["https://www.w3.org/ns/credentials/v2",
                              "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert vc["id"].startswith("urn:uuid:")
    assert vc["issuer"] == {"id": "https://lms.example.org/issuer", "type": ["Profile"],
                            "name": "Musterfirma GmbH & Co. KG"}
    assert vc["validFrom"] == "2026-11-22T09:30:15Z" and vc["validUntil"] == "2028-11-22T09:30:15Z"
    subject = vc["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"] and subject["name"] == "Jürgen Größe-Weißmüller"
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"] and achievement["name"] == "Social Media Manager"
    assert achievement["criteria"]["narrative"].startswith("Alle Lektionen")
    assert vc["credentialStatus"]["id"] == "https://lms.example.org/verify/7M3K9QXWZ2H4R8T1VBNC5PDF6G"
    proof = vc["proof"]
    assert proof["type"] == "DataIntegrityProof" and proof["cryptosuite"] == "eddsa-jcs-2022"
    assert proof["proofPurpose"] == "assertionMethod" and proof["proofValue"].startswith("z")
    assert proof["verificationMethod"] == "https://lms.example.org/issuer#key-1"


def test_credential_optional_fields_left_out():
    """Without expiry, learner name or status URL those members are absent; naive times count as UTC."""
    vc = C.build_credential(credential_id="urn:uuid:1", issuer_id="https://i.example/issuer", issuer_name="I",
                            learner_name=None, achievement_id="https://i.example/c", achievement_name="C",
                            achievement_description="", criteria="x",
                            valid_from=datetime(2026, 1, 2, 3, 4, 5, 678901))
    assert "validUntil" not in vc and "credentialStatus" not in vc and "name" not in vc["credentialSubject"]
    assert vc["validFrom"] == "2026-01-02T03:04:05Z"
    berlin = timezone(timedelta(hours=1))
    assert C.format_datetime(datetime(2026, 1, 2, 4, 4, 5, tzinfo=berlin)) == "2026-01-02T03:04:05Z"


def _tamper(vc: dict, path: tuple, value) -> dict:
    vc = copy.deepcopy(vc)
    target = vc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return vc


@pytest.mark.parametrize("path, value", [
    (("credentialSubject", "name"), "Mallory"),
    (("credentialSubject", "identifier", 0, "identityHash"), "Mallory"),
    (("validFrom",), "2026-11-21T09:30:15Z"),
    (("validUntil",), "2099-11-22T09:30:15Z"),
    (("credentialSubject", "achievement", "name"), "Doktor der Sozialen Medien"),
    (("issuer", "name"), "Andere GmbH"),
    (("credentialStatus", "id"), "https://evil.example/verify/7M3K9QXWZ2H4R8T1VBNC5PDF6G"),
    (("id",), "urn:uuid:00000000-0000-4000-8000-000000000000"),
    (("proof", "created"), "2026-11-23T09:30:16Z"),
])
def test_credential_tampered_document_fails(vector, path, value):
    """Changing any signed field (name, dates, achievement, issuer, status, proof options) breaks the signature."""
    public = _test_key(vector).public_key()
    result = C.verify_credential(_tamper(vector["signed"], path, value), public)
    assert not result.ok and result.code == "bad_signature"
    assert "Signatur ist ungültig" in result.reason


def test_credential_added_field_fails(vector):
    """Adding a member that was not signed is detected too."""
    vc = copy.deepcopy(vector["signed"])
    vc["credentialSubject"]["result"] = [{"type": ["Result"], "value": "100"}]
    assert C.verify_credential(vc, _test_key(vector).public_key()).code == "bad_signature"


def test_credential_tampered_proof_value_fails(vector):
    """A changed, truncated or non-base58 proofValue fails with a clear reason."""
    public = _test_key(vector).public_key()
    value = vector["signed"]["proof"]["proofValue"]
    flipped = value[:-1] + ("2" if value[-1] != "2" else "3")
    assert C.verify_credential(_tamper(vector["signed"], ("proof", "proofValue"), flipped), public).code \
        == "bad_signature"
    for broken in (value[:40], value[1:], "z0OIl" + value[5:], 42, ""):
        result = C.verify_credential(_tamper(vector["signed"], ("proof", "proofValue"), broken), public)
        assert not result.ok and result.code == "bad_proof_value", broken
        assert "Signaturwert" in result.reason


def test_credential_wrong_key_fails(vector):
    """A credential checked against another public key (a swapped key) fails."""
    other = Ed25519PrivateKey.generate().public_key()
    result = C.verify_credential(vector["signed"], other)
    assert not result.ok and result.code == "bad_signature"


def test_credential_signed_by_other_key_fails(vector):
    """The same document re-signed by an attacker's key does not verify against the issuer's key."""
    attacker = Ed25519PrivateKey.generate()
    forged = C.sign_credential(_tamper(vector["signed"], ("credentialSubject", "name"), "Mallory"), attacker,
                               vector["verificationMethod"], _dt(vector["created"]))
    assert C.verify_credential(forged, attacker.public_key()).ok
    assert C.verify_credential(forged, _test_key(vector).public_key()).code == "bad_signature"


def test_credential_missing_proof_fails(vector):
    """No proof at all: not valid, with its own reason."""
    vc = {k: v for k, v in vector["signed"].items() if k != "proof"}
    result = C.verify_credential(vc, _test_key(vector).public_key())
    assert not result.ok and result.code == "missing_proof" and "nicht signiert" in result.reason


@pytest.mark.parametrize("path, value, code", [
    (("proof", "type"), "Ed25519Signature2020", "unsupported_proof"),
    (("proof", "cryptosuite"), "eddsa-rdfc-2022", "unsupported_proof"),
    (("proof", "proofPurpose"), "authentication", "wrong_purpose"),
    (("proof", "verificationMethod"), "https://evil.example/issuer#key-1", "wrong_method"),
    (("proof", "created"), "gestern", "bad_created"),
    (("proof", "@context"), ["https://www.w3.org/ns/credentials/v2", "https://evil.example/ctx"],
     "context_mismatch"),
    (("proof",), [], "unsupported_proof"),
])
def test_credential_wrong_proof_options_fail(vector, path, value, code):
    """Wrong proof type, cryptosuite, purpose, foreign key, bad timestamp or context are rejected by name."""
    result = C.verify_credential(_tamper(vector["signed"], path, value), _test_key(vector).public_key())
    assert not result.ok and result.code == code and result.reason


def test_credential_not_a_dict_fails(vector):
    """A JSON array or string is not a credential."""
    assert C.verify_credential([], _test_key(vector).public_key()).code == "not_a_credential"


def test_credential_survives_storage_as_text(vector):
    """Stored as JSON text with umlauts unescaped (as the app stores it) the credential still verifies."""
    text = json.dumps(vector["signed"], ensure_ascii=False)
    assert C.verify_credential(json.loads(text), _test_key(vector).public_key()).ok


def test_credential_sign_does_not_change_input():
    """sign_credential returns a copy; re-signing a signed credential replaces its proof."""
    key = Ed25519PrivateKey.generate()
    vc = C.build_credential(credential_id="urn:uuid:1", issuer_id="https://i.example/issuer", issuer_name="I",
                            learner_name="A", achievement_id="https://i.example/c", achievement_name="C",
                            achievement_description="", criteria="x", valid_from=datetime(2026, 1, 1))
    before = copy.deepcopy(vc)
    signed = C.sign_credential(vc, key, "https://i.example/issuer#key-1", datetime(2026, 1, 1))
    assert vc == before and "proof" in signed
    again = C.sign_credential(signed, key, "https://i.example/issuer#key-1", datetime(2026, 1, 2))
    assert again["proof"]["created"] == "2026-01-02T00:00:00Z"
    assert C.verify_credential(again, key.public_key()).ok


def test_credential_public_key_document(vector):
    """The published key is a Multikey: 0xed01 + key, base58btc, so it starts with z6Mk and round-trips."""
    key = _test_key(vector)
    doc = C.public_key_document(key.public_key(), "https://lms.example.org/issuer")
    assert doc["type"] == "Multikey" and doc["id"] == "https://lms.example.org/issuer#key-1"
    assert doc["controller"] == "https://lms.example.org/issuer"
    assert doc["publicKeyMultibase"] == vector["publicKeyMultibase"] and doc["publicKeyMultibase"].startswith("z6Mk")
    restored = C.public_key_from_multibase(doc["publicKeyMultibase"])
    raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    assert restored.public_bytes(*raw) == key.public_key().public_bytes(*raw)
    with pytest.raises(ValueError):
        C.public_key_from_multibase("z" + C.b58encode(b"\x12\x00" + bytes(32)))


def test_credential_base58_round_trip():
    """base58 keeps leading zero bytes and rejects characters outside its alphabet."""
    for data in (b"", b"\0", b"\0\0\x01", bytes(range(256)), b"\xff" * 64):
        assert C.b58decode(C.b58encode(data)) == data
    assert C.b58encode(b"hello world") == "StV1DL6CwTryKyV"
    with pytest.raises(ValueError):
        C.b58decode("0OIl")


def test_credential_key_created_with_0600_and_reloaded(tmp_path):
    """A missing key file is created (mode 0600, PEM) and the same key is loaded next time."""
    path = tmp_path / "instance" / "credential_key.pem"
    key = C.load_or_create_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    again = C.load_or_create_key(str(path))
    raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    assert again.public_key().public_bytes(*raw) == key.public_key().public_bytes(*raw)
    assert [p.name for p in path.parent.iterdir()] == ["credential_key.pem"]  # no temporary file left


def test_credential_key_created_once_under_concurrency(tmp_path):
    """Threads creating the key at once all end up with the one key on disk."""
    path = tmp_path / "key.pem"
    keys = []
    threads = [threading.Thread(target=lambda: keys.append(C.load_or_create_key(path))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    assert len({k.public_key().public_bytes(*raw) for k in keys}) == 1
    assert len(list(tmp_path.iterdir())) == 1


def test_credential_key_file_of_another_type_is_refused(tmp_path):
    """A PEM file with a non-Ed25519 key is an error, not silently replaced."""
    path = tmp_path / "key.pem"
    ec = generate_private_key(SECP256R1())
    path.write_bytes(ec.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
    with pytest.raises(ValueError):
        C.load_or_create_key(path)
