"""category from the agenda: whether a participant's speaker or moderator category was given by the agenda

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26 23:05:00

"""
import sqlalchemy as sa
from alembic import op

from conference.registration import search_index


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    # Existing categories count as the organizers' own: nobody can tell now which the agenda gave, and taking back
    # one an organizer chose would be worse than leaving one the agenda gave.
    # A plain ADD COLUMN: SQLite's batch mode would rebuild the table, and its search triggers with it.
    op.add_column('participant', sa.Column('category_from_agenda', sa.Boolean(), nullable=False,
                                           server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.drop_column('category_from_agenda')
    search_index.restore(op)  # SQLite rebuilt the table above, and its triggers went with the old one
