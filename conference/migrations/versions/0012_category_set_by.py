"""category set by: who gave a participant their badge category (the registration, the agenda or an organizer)

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

participant = sa.table("participant", sa.column("category", sa.String), sa.column("category_set_by", sa.String))


def upgrade():
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('category_set_by', sa.String(length=12), nullable=False,
                                      server_default='registration'))
        batch_op.create_check_constraint(
            op.f('ck_participant_category_set_by'), "category_set_by IN ('registration', 'agenda', 'organizer')")
    # Categories given before count as the organizers' own: nobody can tell now which the agenda gave, and taking
    # back one an organizer chose would be worse than leaving one the agenda gave.
    op.execute(participant.update().where(participant.c.category != "participant").values(category_set_by="organizer"))
    search_index.restore(op)  # SQLite rebuilt the table above, and its triggers went with the old one


def downgrade():
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_participant_category_set_by'), type_='check')
        batch_op.drop_column('category_set_by')
    search_index.restore(op)
