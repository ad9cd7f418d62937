"""personal data under 152-FZ: when a registration was anonymised, and how long an event keeps personal data after it
ends

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 19:40:00

"""
from datetime import date

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retention_months', sa.Integer(), nullable=False, server_default='12'))
    # An upgrade erases nothing at once: an event that is already over keeps its participants' data for 12 months
    # from the upgrade (its organizers see the date on the dashboard and may anonymise sooner); later events, 12
    # months after they end.
    event = sa.table('event', sa.column('id', sa.Integer), sa.column('ends_on', sa.Date),
                     sa.column('retention_months', sa.Integer))
    connection = op.get_bind()
    today = date.today()
    for event_id, ends_on in connection.execute(sa.select(event.c.id, event.c.ends_on)).all():
        months_since = (today.year - ends_on.year) * 12 + today.month - ends_on.month
        if months_since > 0:
            connection.execute(sa.update(event).where(event.c.id == event_id)
                               .values(retention_months=min(months_since + 12, 600)))


def downgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('retention_months')
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
