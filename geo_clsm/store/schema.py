"""The database of record: tables for resources, history, users, sessions, reports, disagreements
with official sources, settings.

Every field of :class:`geo_clsm.model.resource.Resource` has a column (lists and the audience as
JSON); positions are WGS84 lon/lat with their precision and source. On PostgreSQL the
migration adds a PostGIS ``geom`` column generated from lon/lat, with a GiST index.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

MAX_ID = 2**31 - 1
"""The largest value of an ``Integer`` column on every supported database: PostgreSQL's INTEGER is
32-bit (SQLite's is 64-bit). Routes bound ids and offsets to it, so that a larger number is a 422
rather than an overflow in the database driver."""

resources = Table(
    "resources",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("type", String(32), nullable=False),
    Column("services", JSON, nullable=False, default=list),
    Column("name", Text, nullable=False),
    Column("street", Text),
    Column("postcode", String(5)),
    Column("commune", Text),
    Column("insee_com", String(5), index=True),
    Column("phone", String(40)),
    Column("email", Text),
    Column("website", Text),
    Column("audience", JSON, nullable=False),
    Column("opening_hours", Text),
    Column("languages", JSON, nullable=False, default=list),
    Column("wheelchair", Boolean),
    Column("appointment_required", Boolean),
    Column("free_of_charge", Boolean),
    Column("sector", Text),  # retired (issue 29): values moved into notes by migration 0010, never written
    Column("capacity", Float),
    Column("lon", Float),
    Column("lat", Float),
    Column("position_precision", String(16)),
    Column("position_source", Text),
    Column("commune_lon", Float),
    Column("commune_lat", Float),
    Column("commune_precision", String(16)),
    Column("commune_source", Text),
    Column("service_area_wkt", Text),  # the polygon of the intervention zone (WGS84 WKT)
    Column("service_area_communes", JSON),  # its communes (INSEE codes), migration 0010
    Column("service_area_qpv", JSON),  # its QPV codes, migration 0010
    Column("confidential_address", Boolean, nullable=False, default=False),
    Column("finess_et", String(9)),
    Column("territory", String(64), index=True),
    Column("source", Text, nullable=False),
    Column("last_verified", Date, nullable=False),
    Column("source_date", Date),
    Column("notes", Text),
    Column("public_info", Text),
    Column("display_name", Text),
    Column("display_street", Text),
    Column("verified_by_person", Boolean, nullable=False, default=False, server_default=sa.false()),
    Column("to_verify", Boolean, nullable=False, default=False, server_default=sa.false()),
    Column("verified_by", String(16)),  # structure | clsm | NULL (nobody confirmed it)
    Column("wait_days", Integer),
    Column("wait_stated_on", Date),
    Column("accepts_new", String(16)),  # oui | non | liste_attente | NULL
    Column("notice", JSON),  # {"text", "start", "end", "closed"} or NULL
    # Bookkeeping: not part of the model.
    Column("status", String(16), nullable=False, default="active"),  # active | withdrawn
    Column("origin", String(16), nullable=False, default="seed"),  # seed | editor | import
    Column("edited", Boolean, nullable=False, default=False),  # changed by a person: the seed leaves it alone
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # The territories the record belongs to, ",metz,angouleme," (",": none), as computed by the one
    # rule (store/rights.py); NULL until computed. Every UPDATE that does not set it clears it
    # (onupdate), so a changed record is computed again before a list reads it (store/membership.py).
    Column("belongs_to", Text, nullable=True, onupdate=sa.null()),
)

history = Table(
    "history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("resource_id", String(100), nullable=False, index=True),
    Column("action", String(16), nullable=False),  # create seed update withdraw restore verify import
    Column("author", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("before", JSON),
    Column("after", JSON),
    Column("comment", Text),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    Column("role", String(16), nullable=False),  # editor | admin
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # Bumped by every change of password, role or status: a session of an older generation is dead.
    Column("generation", Integer, nullable=False, default=0, server_default="0"),
)

# Roles scoped to territories (issue 31): a user with rows here is an ``editor`` or ``admin`` of
# each territory named, and of nothing else; a user without rows is deployment-wide (``users.role``).
user_territories = Table(
    "user_territories",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("territory", String(64), primary_key=True),
    Column("role", String(16), nullable=False),  # editor | admin (of that territory)
)

sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("generation", Integer, nullable=False, default=0, server_default="0"),  # the user's, at sign-in
)

login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(300), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_login_failures_key_at", "key", "at"),
)

reports = Table(
    "reports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("resource_id", String(100), nullable=False, index=True),
    Column("message", Text, nullable=False),
    Column("contact", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column(
        "status", String(16), nullable=False, default="open"
    ),  # open | corrected | dismissed (| accepted: before 0009)
    Column("handled_by", Text),
    Column("handled_at", DateTime(timezone=True)),
    Column("resolution", Text),  # the reason of a dismissal, or the note of the correction
    Column("history_id", Integer),  # the history entry of the correction that handled it
)

# Disagreements between an official source (FINESS) and a record curated by editors, waiting for
# an editor: accept (take the official values) or keep (the curated values stay).
disagreements = Table(
    "disagreements",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("resource_id", String(100), nullable=False, index=True),
    Column("source", String(16), nullable=False),  # finess
    Column("version", String(64), nullable=False),  # the data version that brought the official values
    Column("official_id", String(20), nullable=False),  # FINESS number
    Column("fields", JSON, nullable=False),  # {field: {"curated": value, "official": value}}
    Column("official", JSON, nullable=False),  # the official values to write on "accept" (import columns)
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("status", String(16), nullable=False, default="open"),  # open | accepted | kept | superseded
    Column("handled_by", Text),
    Column("handled_at", DateTime(timezone=True)),
)

territory_settings = Table(
    "territory_settings",
    metadata,
    Column("territory", String(64), primary_key=True),
    Column("settings", JSON, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

partner_indicators = Table(
    "partner_indicators",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("unit", Text, nullable=False),
    Column("scope", String(16), nullable=False),  # commune | department | territory | france
    Column("code", String(64), nullable=False),
    Column("value", Float, nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Index("ix_partner_indicators_name_code", "name", "code", unique=True),
)

# The observatory (issue 11): the indicators of a territory at each data version that changed them.
# ``parent_id`` is the territory's previous snapshot (0 for its first): unique with the territory,
# so two workers recording the same new version insert it once.
observatory_snapshots = Table(
    "observatory_snapshots",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("territory", String(64), nullable=False, index=True),
    Column("parent_id", Integer, nullable=False),
    Column("data_version", String(64), nullable=False),
    Column("taken_at", DateTime(timezone=True), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    sa.UniqueConstraint("territory", "parent_id", name="uq_observatory_snapshots_territory_parent"),
)

# Psychiatric sectors (issue 29): the data of record, edited or imported, with their history.
# The extent is its communes (INSEE codes), QPV codes and drawn polygon (WGS84 WKT); the engine
# resolves it (``geo_clsm.engine.sectors``). On PostgreSQL the resolved extents are copied into
# ``sector_extents`` (migration 0010, ``geo_clsm.store.layer_tables``).
sectors = Table(
    "sectors",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("name", Text, nullable=False),
    Column("public", String(16), nullable=False),  # adultes | enfants
    Column("establishment", Text, nullable=False, default=""),
    Column("referents", JSON, nullable=False, default=list),  # resource ids, CMP first
    Column("communes", JSON, nullable=False, default=list),
    Column("qpv", JSON, nullable=False, default=list),
    Column("polygon_wkt", Text),
    Column("territory", String(64), index=True),
    Column("source", Text, nullable=False),
    Column("last_verified", Date),
    Column("status", String(16), nullable=False, default="active"),  # active | withdrawn
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

sector_history = Table(
    "sector_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("sector_id", String(40), nullable=False, index=True),
    Column("action", String(16), nullable=False),  # create update import withdraw restore
    Column("author", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("before", JSON),
    Column("after", JSON),
    Column("comment", Text),
)

# Confirmation campaigns (issue 30, item 1): an editor asks the places of a territory to confirm or
# correct their records. Each place written to is a ``campaign_recipients`` row; each message sent
# to it carries its own link, whose SHA-256 only is stored (``campaign_links``); the messages wait
# in ``outbox`` until the sender hands them to the SMTP server; proposed corrections wait for an
# editor in ``campaign_corrections`` (unless the territory lets the field through directly).
campaigns = Table(
    "campaigns",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("territory", String(64), nullable=False, index=True),
    Column("resource_type", String(32)),  # only records of this type (None: every type)
    Column("stale_only", Boolean, nullable=False, default=False),
    Column("created_by", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("link_days", Integer, nullable=False),  # a link expires this many days after the campaign starts
    Column("remind_after_days", Integer, nullable=False),  # 0: no reminder
    Column("status", String(16), nullable=False, default="open"),  # open | closed
)

campaign_recipients = Table(
    "campaign_recipients",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("campaign_id", Integer, ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("resource_id", String(100), nullable=False, index=True),
    Column("email", Text, nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Column("opened_at", DateTime(timezone=True)),
    Column("confirmed_at", DateTime(timezone=True)),
    Column("corrected_at", DateTime(timezone=True)),
    Column("reminded_at", DateTime(timezone=True)),  # when the reminder was queued
    sa.UniqueConstraint("campaign_id", "resource_id", name="uq_campaign_recipients_campaign_resource"),
)

campaign_links = Table(
    "campaign_links",
    metadata,
    Column("token_hash", String(64), primary_key=True),  # SHA-256 of the token: the token is never stored
    Column(
        "recipient_id", Integer, ForeignKey("campaign_recipients.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # invitation | reminder
    Column("recipient_id", Integer, ForeignKey("campaign_recipients.id", ondelete="CASCADE"), index=True),
    Column("to_addr", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),  # holds {lien}: the link is made when the message is sent
    Column("message_id", String(200), nullable=False, unique=True),
    # queued -> claimed -> sending -> sent; failed (refused, or too many attempts); uncertain (see outbox.py)
    Column("state", String(16), nullable=False, default="queued", index=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("claimed_by", String(200)),
    Column("claimed_at", DateTime(timezone=True)),
    Column("sent_at", DateTime(timezone=True)),
    Column("error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("not_before", DateTime(timezone=True)),  # a retry waits until then
)

campaign_corrections = Table(
    "campaign_corrections",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("recipient_id", Integer, ForeignKey("campaign_recipients.id", ondelete="CASCADE"), nullable=False),
    Column("campaign_id", Integer, nullable=False, index=True),
    Column("resource_id", String(100), nullable=False, index=True),
    Column("field", String(32), nullable=False),
    Column("current", Text),  # the record's value when the place proposed the change
    Column("proposed", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("status", String(16), nullable=False, default="open"),  # open | accepted | rejected | applied
    Column("handled_by", Text),
    Column("handled_at", DateTime(timezone=True)),
    Column("history_id", Integer),
)
