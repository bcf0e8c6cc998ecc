"""Confirmation campaigns (issue 30, item 1): campaigns, their recipients, the links sent to them
(hashed), the outbox of messages waiting for the SMTP server, and the corrections proposed by places.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("territory", sa.String(64), nullable=False, index=True),
        sa.Column("resource_type", sa.String(32)),
        sa.Column("stale_only", sa.Boolean, nullable=False),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("link_days", sa.Integer, nullable=False),
        sa.Column("remind_after_days", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
    )
    op.create_table(
        "campaign_recipients",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "campaign_id", sa.Integer, sa.ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False, index=True
        ),
        sa.Column("resource_id", sa.String(100), nullable=False, index=True),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("revoked_at", TZ),
        sa.Column("opened_at", TZ),
        sa.Column("confirmed_at", TZ),
        sa.Column("corrected_at", TZ),
        sa.Column("reminded_at", TZ),
        sa.UniqueConstraint("campaign_id", "resource_id", name="uq_campaign_recipients_campaign_resource"),
    )
    op.create_table(
        "campaign_links",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column(
            "recipient_id",
            sa.Integer,
            sa.ForeignKey("campaign_recipients.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("recipient_id", sa.Integer, sa.ForeignKey("campaign_recipients.id", ondelete="CASCADE"), index=True),
        sa.Column("to_addr", sa.Text, nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("message_id", sa.String(200), nullable=False, unique=True),
        sa.Column("state", sa.String(16), nullable=False, index=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("claimed_by", sa.String(200)),
        sa.Column("claimed_at", TZ),
        sa.Column("sent_at", TZ),
        sa.Column("error", sa.Text),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("not_before", TZ),
    )
    op.create_table(
        "campaign_corrections",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "recipient_id", sa.Integer, sa.ForeignKey("campaign_recipients.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("campaign_id", sa.Integer, nullable=False, index=True),
        sa.Column("resource_id", sa.String(100), nullable=False, index=True),
        sa.Column("field", sa.String(32), nullable=False),
        sa.Column("current", sa.Text),
        sa.Column("proposed", sa.Text, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("handled_by", sa.Text),
        sa.Column("handled_at", TZ),
        sa.Column("history_id", sa.Integer),
    )


def downgrade() -> None:
    for table in ("campaign_corrections", "outbox", "campaign_links", "campaign_recipients", "campaigns"):
        op.drop_table(table)
