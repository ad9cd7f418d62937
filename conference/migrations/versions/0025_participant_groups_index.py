"""the report's and the dashboard's breakdowns (region or country, organization type, category, status) and the registrations per day summed from
one covering index

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 05:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_participant_event_groups', 'participant',
                    ['event_id', 'subject_id', 'country_id', 'organization_type_id', 'category', 'status',
                     'created_at'])


def downgrade():
    op.drop_index('ix_participant_event_groups', table_name='participant')
