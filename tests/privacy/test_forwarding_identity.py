"""Forwarding personal-data level: the copy sent to a target carries names, report pseudonyms or nothing
personal; the statement in the built-in LRS stays byte for byte as stored."""
import json

import pytest

from helpers import learn, set_privacy


@pytest.mark.parametrize("mode", ["names", "pseudonymous", "none"])
def test_forwarding_identity_changes_only_what_leaves(fwd_app, world, db, fake_lrs, mode):
    """Each mode: what the fake LRS receives, and the stored raw statements unchanged."""
    import fwd_helpers

    from lms.auth.pseudonyms import code

    fwd_helpers.make_target(db, world["org_a"], fake_lrs.endpoint)
    set_privacy(fwd_app, db, world["org_a"], world["admin_a"], forwarding_identity=mode)
    learn(fwd_app, "learner@alpha.example")
    stored_before = fwd_helpers.raw_by_id(db, world["org_a"])
    assert fwd_helpers.run_relay(fwd_app) == len(stored_before)
    assert fwd_helpers.raw_by_id(db, world["org_a"]) == stored_before
    db.refresh(world["learner_a"])
    actor_id = world["learner_a"].actor_id
    sent = list(fake_lrs.store.values())
    text = json.dumps(sent)
    if mode == "names":
        assert all(s["actor"]["account"]["name"] == actor_id for s in sent)
    elif mode == "pseudonymous":
        assert actor_id not in text
        assert all(s["actor"]["account"]["name"].endswith(code(world["org_a"], world["learner_a"])) for s in sent)
    else:
        assert actor_id not in text and "Lea" not in text
        assert {s["actor"]["account"]["name"] for s in sent} == {"anonymous"}
