"""The trainer overview's best-score index also covers the learner (user_id), so both quiz aggregates read it only.

Score bands and 'Ø Quiz' join each attempt to its learner (active, department scope); without user_id in the index
PostgreSQL read the whole quiz_attempts table (its JSON columns make it wide) for every overview.

Revision ID: 0088_quizzes_best_user_index
Revises: 0008_quizzes_best_index
"""
from alembic import op

revision = "0088_quizzes_best_user_index"
down_revision = "0008_quizzes_best_index"
branch_labels = None
depends_on = None

OLD = ["org_id", "course_slug", "status", "enrolment_id", "quiz_id", "scaled"]


def upgrade() -> None:
    op.drop_index("ix_quiz_attempts_org_best", table_name="quiz_attempts")
    op.create_index("ix_quiz_attempts_org_best", "quiz_attempts", OLD + ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_quiz_attempts_org_best", table_name="quiz_attempts")
    op.create_index("ix_quiz_attempts_org_best", "quiz_attempts", OLD)
