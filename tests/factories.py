"""create_x factories for tests."""
from __future__ import annotations

from functools import lru_cache

from lms.auth import services as auth

PASSWORD = "password-123"
_real_hash = auth.hash_password


@lru_cache(maxsize=8)
def _cached_hash(password: str) -> str:
    """Hash each test password once per session: scrypt at full cost is deliberately slow."""
    return _real_hash(password)


auth.hash_password = _cached_hash


def create_org(db, name: str = "Org", slug: str | None = None):
    """Create an organisation."""
    return auth.create_organisation(db, name, slug or name.lower().replace(" ", "-"))


def create_user(db, org, role: str = "learner", email: str | None = None, name: str | None = None, **kwargs):
    """Create a user with the standard test password."""
    email = email or f"{role}-{org.slug}-{len(org.users)}@test.example"
    return auth.create_user(db, org, email=email, name=name or email.split("@")[0], password=PASSWORD, role=role,
                            **kwargs)


def build_world(db) -> dict:
    """Organisation A (admin, trainer, two learners) and B (admin, trainer, learner), committed."""
    org_a = create_org(db, "Alpha GmbH", "alpha")
    org_b = create_org(db, "Beta AG", "beta")
    world = {
        "org_a": org_a,
        "org_b": org_b,
        "admin_a": create_user(db, org_a, "admin", "admin@alpha.example", "Ada Admin"),
        "trainer_a": create_user(db, org_a, "trainer", "trainer@alpha.example", "Theo Trainer"),
        "learner_a": create_user(db, org_a, "learner", "learner@alpha.example", "Lea Lernend", department="Marketing"),
        "learner_a2": create_user(db, org_a, "learner", "learner2@alpha.example", "Lars Lernend", department="Vertrieb"),
        "admin_b": create_user(db, org_b, "admin", "admin@beta.example", "Bob Admin"),
        "trainer_b": create_user(db, org_b, "trainer", "trainer@beta.example", "Bea Trainer"),
        "learner_b": create_user(db, org_b, "learner", "learner@beta.example", "Ben Lernend"),
    }
    db.commit()
    return world
