"""offline check-in: a scan that admitted a badge already admitted elsewhere while offline is recorded as a conflict;
downloading a scanner's admission list joins the access log; a phone becomes a check-in device by a QR code (a
one-time pairing code, kept as its hash, valid for minutes)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 02:00:00

"""
import sqlalchemy as sa
from alembic import op

from conference.migrations.constraints import replace_check


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

OUTCOMES = ("'checked_in', 'already_checked_in', 'unknown_badge', 'revoked_badge', 'registration_cancelled', "
            "'registration_rejected', 'registration_pending', 'other_event'")
KINDS = "'participant', 'export', 'badge', 'badges', 'certificate', 'certificates'"


def upgrade():
    with op.batch_alter_table('checkin_device', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pairing_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('pairing_expires_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_checkin_device_pairing_hash'), ['pairing_hash'], unique=True)
    replace_check('scan', 'outcome', f"outcome IN ({OUTCOMES}, 'offline_conflict')",
                  also=('method', "method IN ('camera', 'scanner', 'manual', 'api')"))
    replace_check('data_access', 'kind', f"kind IN ({KINDS}, 'admission_list')")


def downgrade():
    op.execute("DELETE FROM data_access WHERE kind = 'admission_list'")
    op.execute("UPDATE scan SET outcome = 'already_checked_in' WHERE outcome = 'offline_conflict'")
    replace_check('data_access', 'kind', f"kind IN ({KINDS})")
    replace_check('scan', 'outcome', f"outcome IN ({OUTCOMES})",
                  also=('method', "method IN ('camera', 'scanner', 'manual', 'api')"))
    with op.batch_alter_table('checkin_device', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkin_device_pairing_hash'))
        batch_op.drop_column('pairing_expires_at')
        batch_op.drop_column('pairing_hash')
