"""agenda and recommendations in English: a room's name and address, a session's title and description, an external
speaker's position and organization, a recommendation's text, beside the Russian ones

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 19:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

COLUMNS = {
    'room': (('name_en', sa.String(length=200)), ('address_en', sa.String(length=300))),
    'agenda_session': (('title_en', sa.String(length=300)), ('description_en', sa.Text())),
    'session_person': (('external_position_en', sa.String(length=200)),
                       ('external_organization_en', sa.String(length=300))),
    'recommendation': (('text_en', sa.Text()),),
}


def upgrade():
    # Nothing is in English yet: English pages keep showing the Russian texts, as before.
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, kind in columns:
                batch_op.add_column(sa.Column(name, kind, nullable=False, server_default=''))


def downgrade():
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, _kind in reversed(columns):
                batch_op.drop_column(name)
