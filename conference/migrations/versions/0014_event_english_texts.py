"""event texts in English: description, city, venue and consent text, beside the Russian ones

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27 02:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

COLUMNS = (('description_en', sa.Text()), ('venue_en', sa.String(length=300)), ('city_en', sa.String(length=100)),
           ('consent_text_en', sa.Text()))


def upgrade():
    # Existing events have no English yet: their pages in English keep showing the Russian texts, as before.
    with op.batch_alter_table('event', schema=None) as batch_op:
        for name, kind in COLUMNS:
            batch_op.add_column(sa.Column(name, kind, nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        for name, _kind in reversed(COLUMNS):
            batch_op.drop_column(name)
