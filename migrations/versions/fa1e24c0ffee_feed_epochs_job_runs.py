"""feed epochs, job runs

Revision ID: fa1e24c0ffee
Revises: f7a3c9e1b5d2
Create Date: 2026-12-02 06:45:00.000000

`feed_epoch`: one row per restore of older data (`flask feed restored`), so that the change
feed's cursors handed out before it never skip the events written after it
(sitedir/events/epochs.py). `job_run`: when the webhook worker and each timer last ran and
last succeeded, for /metrics (sitedir/jobs.py).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'fa1e24c0ffee'
down_revision = 'f7a3c9e1b5d2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'feed_epoch',
        sa.Column('epoch', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('starts_after', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('epoch'),
    )
    op.create_table(
        'job_run',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('last_run_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_success_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_failure_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_counts', sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint('name'),
    )


def downgrade():
    op.drop_table('job_run')
    op.drop_table('feed_epoch')
