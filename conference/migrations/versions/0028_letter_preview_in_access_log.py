"""a participant's letter of a mailing, seen by an organizer (its preview, or a test letter sent to them), joins
the access log

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 09:00:00

"""
from alembic import op

from conference.migrations.constraints import replace_check

# revision identifiers, used by Alembic.
revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

KINDS = "'participant', 'export', 'badge', 'badges', 'certificate', 'certificates', 'admission_list'"


def upgrade():
    replace_check('data_access', 'kind', f"kind IN ({KINDS}, 'letter')")


def downgrade():
    op.execute("DELETE FROM data_access WHERE kind = 'letter'")
    replace_check('data_access', 'kind', f"kind IN ({KINDS})")
