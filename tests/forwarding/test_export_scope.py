"""Statement export of a department-limited trainer (lms/auth/scope.py)."""
import json

from fwd_helpers import statement, store

from lms.auth import scope
from lms.auth.models import User


def _limit(db, trainer, learner):
    db.rollback()  # a fresh snapshot: requests may have written since this session last read
    scope.set_trainer_departments(db, db.get(User, trainer.id), [learner.department_id])
    db.commit()


def test_export_scope_limited_trainer_gets_their_people_only(app, client, login_as, db, world):
    """A limited trainer's statement download holds their people's statements only; without a limit, all."""
    with app.app_context():
        store(db, world["org_a"], [statement()], user=world["learner_a"])
        store(db, world["org_a"], [statement()], user=world["learner_a2"])
        store(db, world["org_a"], [statement()])  # received by the LRS, no user

    def exported() -> int:
        response = client.get("/export/statements.jsonl")
        lines = [json.loads(line) for line in response.get_data(as_text=True).splitlines() if line]
        response.close()
        return len(lines)

    login_as("trainer_a")
    assert exported() == 3
    _limit(db, world["trainer_a"], world["learner_a"])
    assert exported() == 1
