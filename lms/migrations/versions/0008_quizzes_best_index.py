"""Covering index for the trainer overview's best-score aggregate.

Revision ID: 0008_quizzes_best_index
Revises: 0004_quizzes
"""
from alembic import op

revision = "0008_quizzes_best_index"
down_revision = "0004_quizzes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_quiz_attempts_org_best", "quiz_attempts",
                    ["org_id", "course_slug", "status", "enrolment_id", "quiz_id", "scaled"])


def downgrade() -> None:
    op.drop_index("ix_quiz_attempts_org_best", table_name="quiz_attempts")
