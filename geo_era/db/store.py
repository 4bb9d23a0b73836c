"""The case store: ERA cases and their record, durably (SQLAlchemy 2, Alembic).

SQLite under ``GEO_ERA_HOME`` is the embedded default, in WAL mode with
``synchronous=FULL`` so that a committed case survives a crash or power cut; PostgreSQL
(with PostGIS) is the server store when ``GEO_ERA_DATABASE_URL`` names one. The schema is
created and upgraded by Alembic migrations in ``geo_era/migrations``; the same models and
tests serve both databases.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    create_engine,
    event,
)
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship
from sqlalchemy.pool import ConnectionPoolEntry

from geo_era._io import private_dir, private_file
from geo_era.db.audit_key import bind_audit_key, development_key
from geo_era.db.wal import checkpoint_in_background


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


class Base(DeclarativeBase):
    pass


class Case(Base):
    """One ERA: a subject and one or more candidate properties (NASSO 3.2-3.11)."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject_id: Mapped[str] = mapped_column(String(64), index=True)
    case_type: Mapped[str] = mapped_column(String(32))
    lead_agency: Mapped[str] = mapped_column(String(32))
    notified_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                    onupdate=utcnow)

    #: the council the case belongs to (where the candidate property is)
    authority: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True)
    placing_authority: Mapped[str | None] = mapped_column(String(128), nullable=True)
    receiving_authority: Mapped[str | None] = mapped_column(String(128), nullable=True)
    consent_recorded_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    consent_recorded_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True),
                                                          nullable=True, index=True)

    properties: Mapped[list[CaseProperty]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseProperty.id")
    agencies: Mapped[list[CaseAgency]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseAgency.id")
    checks: Mapped[list[Check]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Check.id")
    decisions: Mapped[list[Decision]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Decision.id")
    restrictions: Mapped[list[Restriction]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Restriction.id")
    responses: Mapped[list[CaseResponse]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseResponse.id")
    #: the subject's moves in after this case's decision (read only: a move outlives
    #: the case, its ``case_id`` set to NULL when the case is weeded)
    moves: Mapped[list[PlacementMove]] = relationship(viewonly=True,
                                                      order_by="PlacementMove.id")

    @property
    def reference(self) -> str:
        return f"ERA-{self.id:06d}"


class CaseProperty(Base):
    """A candidate property of a case, with its assessment snapshot once run."""

    __tablename__ = "case_properties"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         index=True)
    property_id: Mapped[str] = mapped_column(String(64))
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    assessed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True),
                                                            nullable=True)
    case: Mapped[Case] = relationship(back_populates="properties")


class CaseAgency(Base):
    """An agency taking part (NASSO 3.6), its deadline and its agreement (3.11)."""

    __tablename__ = "case_agencies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         index=True)
    agency: Mapped[str] = mapped_column(String(32))
    due_on: Mapped[dt.date] = mapped_column(Date)
    agrees: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    comments: Mapped[str | None] = mapped_column(Text, nullable=True)
    recorded_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    recorded_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True),
                                                            nullable=True)
    #: why the agency takes part: the lead agency, a Responsible Authority, named on
    #: opening, the subject's victim profile includes children; NULL on cases opened
    #: before it was recorded
    added_because: Mapped[str | None] = mapped_column(String(200), nullable=True)
    case: Mapped[Case] = relationship(back_populates="agencies")


class Check(Base):
    """A database check (3.7) or physical check (3.8) of one candidate property, with
    its outcome. ``property_id`` is NULL only for checks recorded before checks were per
    property on a case with several candidates: such a check is shown as case-wide and
    satisfies no property's approval."""

    __tablename__ = "checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         index=True)
    agency: Mapped[str] = mapped_column(String(32))
    property_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    kind: Mapped[str] = mapped_column(String(16))
    item: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    case: Mapped[Case] = relationship(back_populates="checks")


class Decision(Base):
    """Part C (approval by the lead agency) or Part D (decision after a case
    conference where agencies disagree)."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         index=True)
    part: Mapped[str] = mapped_column(String(1))
    property_id: Mapped[str] = mapped_column(String(64))
    manageable: Mapped[bool] = mapped_column(Boolean)
    conclusion: Mapped[str] = mapped_column(Text)
    reasons: Mapped[str] = mapped_column(Text)
    conference_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    #: the monitoring and supervision adjustments of a "manageable with conditions"
    #: decision (NASSO 3.11)
    adjustments: Mapped[str | None] = mapped_column(Text, nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(128))
    agency: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    case: Mapped[Case] = relationship(back_populates="decisions")


class CaseResponse(Base):
    """The lead agency's written response to a concern recorded by a check (its item
    code) or to a hard conflict of a property's assessment (``zone:<id>``,
    ``condition:<n>``), which Part C needs before approving that property (3.11)."""

    __tablename__ = "case_responses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         index=True)
    property_id: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(96))
    response: Mapped[str] = mapped_column(Text)
    agency: Mapped[str] = mapped_column(String(32))
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    case: Mapped[Case] = relationship(back_populates="responses")


class Restriction(Base):
    """A restriction on future allocations of a neighbouring property (NASSO 3.12)."""

    __tablename__ = "allocation_restrictions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         index=True)
    property_id: Mapped[str] = mapped_column(String(64), index=True)
    restriction: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    case: Mapped[Case] = relationship(back_populates="restrictions")


class ReviewWaiver(Base):
    """The Responsible Authorities' recorded reasons for not doing an annual review
    (NASSO 3.3)."""

    __tablename__ = "review_waivers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject_id: Mapped[str] = mapped_column(String(64), index=True)
    justification: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_on: Mapped[dt.date] = mapped_column(Date)


class WeedingRecord(Base):
    """That records were weeded under the retention policy, never what they held."""

    __tablename__ = "weeding_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_type: Mapped[str] = mapped_column(String(32))
    count: Mapped[int] = mapped_column(Integer)
    retention_days: Mapped[int] = mapped_column(Integer)
    cutoff: Mapped[dt.date] = mapped_column(Date)
    weeded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def database_url(home: Path, url: str | None) -> str:
    """The configured URL, or SQLite at ``GEO_ERA_HOME/geo_era.db``."""
    if url:
        return url
    private_dir(home)  # the cases, the audit trail and password hashes: owner only
    return f"sqlite:///{private_file(home / 'geo_era.db').resolve()}"


#: Connections an engine keeps open, and how many more it opens at once when they are
#: all in use: a connection opened beyond those kept is closed again after one use
#: (under load, a new connection and its settings for every request). A server worker
#: uses at most 42 at once: its 40 request threads, its event loop (sign-in) and its
#: audit writer; so a PostgreSQL server needs max_connections above 42 per worker.
POOL_SIZE = 20
POOL_OVERFLOW = 22


def make_engine(url: str) -> Engine:
    """An engine for ``url``: SQLite in WAL mode with full fsync and foreign keys, its
    log checkpointed by a thread of its own (:mod:`geo_era.db.wal`)."""
    engine = create_engine(url, future=True, pool_pre_ping=not url.startswith("sqlite"),
                           pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry
                     ) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.close()
        database = engine.url.database
        if database and database != ":memory:" and not database.startswith("file:"):
            checkpoint_in_background(engine, Path(database))  # not inside a commit
    return engine


def migrate(engine: Engine) -> None:
    """Bring the schema to the latest Alembic revision."""
    from alembic import command  # noqa: PLC0415
    from alembic.config import Config  # noqa: PLC0415

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def open_store(home: Path, url: str | None = None, *,
               audit_key: SecretStr | None = None) -> Engine:
    """The case store's engine, its schema brought up to date, keyed for its audit chain
    with ``audit_key`` (``GEO_ERA_AUDIT_KEY``) or, without one, the development key kept
    in ``home`` (:mod:`geo_era.db.audit_key`)."""
    engine = make_engine(database_url(home, url))
    migrate(engine)
    bind_audit_key(engine, audit_key or development_key(home))
    return engine


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: committed at the end, rolled back on any error."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session


class DeadlineExtension(Base):
    """An extension of a case's deadline, or of one agency's, for a complex case (NASSO
    3.5, R22): from which date to which, why, and who granted it. The case's (or the
    agency's) ``due_on`` is the current deadline; the first extension's ``previous_due``
    is the original one, so a deadline never moves without a record of it."""

    __tablename__ = "deadline_extensions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         index=True)
    #: the agency whose deadline is extended; NULL for the case's overall deadline
    agency: Mapped[str | None] = mapped_column(String(32), nullable=True)
    previous_due: Mapped[dt.date] = mapped_column(Date)
    new_due: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    #: who granted it: the lead agency or the MAPPA coordinator
    granted_as: Mapped[str] = mapped_column(String(32))
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class OutOfAreaRecord(Base):
    """What NASSO 3.13 asks of an out-of-area placement besides the receiving council's
    consent (R65-R68): the reason for placing out of area (``part = 'reason'``: ``ground``
    and ``details``), the plan to manage the associated risk (``'plan'``: ``text``), and
    each discussion between the placing and receiving councils (``'discussion'``:
    ``held_on``, ``participants``, ``text`` = what was agreed). ``authority`` is the
    council that recorded it. The latest reason and plan are current; earlier ones are
    kept."""

    __tablename__ = "out_of_area_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         index=True)
    part: Mapped[str] = mapped_column(String(16))
    ground: Mapped[str | None] = mapped_column(String(32), nullable=True)
    text: Mapped[str] = mapped_column(Text)
    held_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    participants: Mapped[str | None] = mapped_column(Text, nullable=True)
    authority: Mapped[str] = mapped_column(String(128))
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EraHolding(Base):
    """Where the full ERA of a case is held (NASSO 3.3, 3.11): the system and its
    reference there (e.g. "council EDRMS", "HR/ERA/2026/0042"). The latest is current."""

    __tablename__ = "era_holdings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         index=True)
    system: Mapped[str] = mapped_column(String(128))
    reference: Mapped[str] = mapped_column(String(256))
    agency: Mapped[str] = mapped_column(String(32))
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WrittenFile(Base):
    """A file geo_era wrote outside the store (an ERA document, a field sheet, a report),
    so that weeding removes it with what it was made from (NASSO 3.11, R49).

    ``case_id`` names the case (no foreign key: the row outlives the case's deletion until
    the file is removed, so a weeding interrupted between the two finishes next time);
    NULL for a report, weeded by age. ``sha256`` is the content written: a file changed
    since is left in place, never deleted."""

    __tablename__ = "written_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(32))
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    written_by: Mapped[str] = mapped_column(String(128))
    written_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
class PlacementMove(Base):
    """That a subject moved in to a property after a manageable Part C or Part D
    decision (NASSO 3.11, 3.13): the placement history the case store keeps, which
    overlays the imported ``placements`` layer (:mod:`geo_era.casework.placements`).

    A move ends the subject's previous placement on its date. ``case_id`` becomes NULL
    when the case is weeded; ``case_reference`` keeps which case it followed. An
    out-of-area move carries the placing authority and whether the receiving
    authority's consent was recorded on the case."""

    __tablename__ = "placement_moves"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject_id: Mapped[str] = mapped_column(String(64), index=True)
    property_id: Mapped[str] = mapped_column(String(64))
    moved_in_on: Mapped[dt.date] = mapped_column(Date)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), nullable=True, index=True)
    case_reference: Mapped[str] = mapped_column(String(16))
    part: Mapped[str] = mapped_column(String(1))
    authority: Mapped[str | None] = mapped_column(String(128), nullable=True)
    placing_authority: Mapped[str | None] = mapped_column(String(128), nullable=True)
    consent_recorded: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: ``temporary``: a temporary-accommodation placement under a homeless duty (Dorset
    #: MAPPA procedure section 19; :mod:`geo_era.housing.homelessness`), whose
    #: ``case_reference`` is the presentation's (``HLP-...``) and ``part`` ``T``; NULL:
    #: a move after an ERA decision
    kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    #: the day a temporary placement ends (NULL: open until the next move)
    ends_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


class DwellingOutcome(Base):
    """What a visit found at one dwelling of a candidate property's minimum set (NASSO
    3.8, 3.9; R44): the household fits the victim profile, does not, or nobody was home
    (a revisit is needed); for shared accommodation one record per occupant (R41). The
    latest record of a dwelling (and occupant) is its outcome; every record is kept."""

    __tablename__ = "case_dwellings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         index=True)
    #: the candidate property whose set the dwelling is in
    property_id: Mapped[str] = mapped_column(String(64))
    dwelling_id: Mapped[str] = mapped_column(String(64))
    #: shared accommodation: which occupant (``1``..``n``, or a label when the number of
    #: occupants is not known); NULL for any other dwelling
    occupant: Mapped[str | None] = mapped_column(String(32), nullable=True)
    outcome: Mapped[str] = mapped_column(String(16))
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    seen_on: Mapped[dt.date] = mapped_column(Date)
    #: what the visit established of the household (NULL: not established)
    children: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    adult_at_risk: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    agency: Mapped[str] = mapped_column(String(32))
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SetChange(Base):
    """A change the Responsible Authorities make to a candidate property's minimum set,
    with its reason (NASSO 3.9; R42, R43): ``extend`` by ``metres`` or ``rings`` of
    neighbours (the latest extension is the one in force), or ``add`` / ``remove`` one
    dwelling by hand (the latest change of a dwelling is the one in force)."""

    __tablename__ = "case_set_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         index=True)
    property_id: Mapped[str] = mapped_column(String(64))
    change: Mapped[str] = mapped_column(String(16))
    dwelling_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    metres: Mapped[float | None] = mapped_column(Float, nullable=True)
    rings: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    agency: Mapped[str] = mapped_column(String(32))
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Enquiry(Base):
    """An enquiry or concern received by a council's SOLO or a landlord's Link Officer
    (NASSO 5.4, 5.2; R73, R94-R96): what was raised, by whom (a kind of person only, and
    an optional reference for the reply), by what channel, about which property or
    area, where it was passed on, the confirmation given to the person raising it and
    the Responsible Authorities' outcome. Every text is sensitive: read only through
    :mod:`geo_era.services.enquiries` (audited).

    ``council`` is where the property or area lies; ``organisation`` the council or
    landlord that received it (a Link Officer sees only their own organisation's);
    ``landlord`` the landlord of the property, when the properties layer names one."""

    __tablename__ = "enquiries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    received_on: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(32))
    raised_by: Mapped[str] = mapped_column(String(32))
    contact_reference: Mapped[str | None] = mapped_column(Text, nullable=True)
    summary: Mapped[str] = mapped_column(Text)
    property_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    area: Mapped[str | None] = mapped_column(String(200), nullable=True)
    council: Mapped[str] = mapped_column(String(128), index=True)
    organisation: Mapped[str] = mapped_column(String(128), index=True)
    landlord: Mapped[str | None] = mapped_column(String(128), nullable=True)
    risk_to_children: Mapped[bool] = mapped_column(Boolean, default=False)
    media_incident: Mapped[bool] = mapped_column(Boolean, default=False)
    #: where it was passed on: a JSON list of :data:`geo_era.safeguarding.enquiries.ROUTES`
    routed_to: Mapped[list[str]] = mapped_column(JSON)
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_role: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    confirmed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    confirmed_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(32), nullable=True)
    outcome_notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    outcome_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    outcome_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    links: Mapped[list[EnquiryLink]] = relationship(
        back_populates="enquiry", cascade="all, delete-orphan", order_by="EnquiryLink.id")


class EnquiryLink(Base):
    """Which subject an enquiry turned out to concern, recorded by the Responsible
    Authorities and seen by nobody else (NASSO 5.4)."""

    __tablename__ = "enquiry_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    enquiry_id: Mapped[int] = mapped_column(ForeignKey("enquiries.id", ondelete="CASCADE"),
                                            index=True)
    subject_id: Mapped[str] = mapped_column(String(64), index=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    linked_by: Mapped[str] = mapped_column(String(128))
    linked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    enquiry: Mapped[Enquiry] = relationship(back_populates="links")
class ChildProtectionRecord(Base):
    """A child protection link of a subject (the Dorset MAPPA procedure §4, §13, §17;
    R111, R115, R116), one of three kinds:

    - ``referral``: a referral to child protection (to the council's Children & Families
      team) on ``referred_on``, ``to_whom``, ``reason``; then its ``outcome`` (in
      Scotland: an inter-agency referral discussion, a child protection investigation,
      a child protection planning meeting or case conference, or no further action) on
      ``outcome_on`` and whether the Offender Manager attended (``om_attended``);
    - ``initial_checks``: Children & Families' initial checks when notified of a
      registered subject (``referred_on`` = notified on, ``outcome_on`` = checked on,
      ``database_checked``, ``reason`` = what was found, ``concerns``);
    - ``education_notice``: the notice to the council's nominated Education contact
      (``to_whom``) that a subject lives near or loiters near a school (``ground``,
      ``school``, ``reason`` = what was said), given on ``referred_on``.

    ``authority`` is the council it belongs to (need to know is decided on it); a record
    made on a case keeps its case (and is weeded with it)."""

    __tablename__ = "child_protection_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(24), index=True)
    subject_id: Mapped[str] = mapped_column(String(64), index=True)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), nullable=True, index=True)
    authority: Mapped[str] = mapped_column(String(128), index=True)
    referred_on: Mapped[dt.date] = mapped_column(Date)
    to_whom: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    ground: Mapped[str | None] = mapped_column(String(32), nullable=True)
    school: Mapped[str | None] = mapped_column(String(200), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(32), nullable=True)
    outcome_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    om_attended: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    database_checked: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    concerns: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    agency: Mapped[str] = mapped_column(String(32))
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True),
                                                           nullable=True)

    @property
    def reference(self) -> str:
        return f"CPL-{self.id:06d}"
class DisclosureDecision(Base):
    """A decision to disclose, or not to disclose, information about a subject (NASSO
    68, 71; the Dorset MAPPA procedure §6, §8, §18; R98, R100, R112): to whom, what, who
    decided and on what authority (the police's principal discretion, or local authority
    social work in a case of child protection), the MAPPA meeting whose minutes record
    it, who will make the disclosure, where and when, and the advice given on how the
    information is to be used. ``purpose`` says which decision it is: a disclosure
    (``disclosure``), whether a risk is passed on to a landlord's Link Officer
    (``need_to_know``, 68), or whether a landlord is given the wording of an allocation
    restriction on one of its properties (``restriction_wording``, 3.12; then
    ``restriction_id`` and ``property_id``). ``made_on`` and ``made_by`` record the
    disclosure once made. ``council`` is the council the record belongs to (council
    staff see their own); ``agency`` the role that recorded it."""

    __tablename__ = "disclosure_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    purpose: Mapped[str] = mapped_column(String(24))
    subject_id: Mapped[str] = mapped_column(String(64), index=True)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), nullable=True, index=True)
    case_reference: Mapped[str | None] = mapped_column(String(16), nullable=True)
    council: Mapped[str] = mapped_column(String(128), index=True)
    recipient_type: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(200), index=True)
    disclose: Mapped[bool] = mapped_column(Boolean)
    content: Mapped[str | None] = mapped_column(Text, nullable=True)
    reasons: Mapped[str | None] = mapped_column(Text, nullable=True)
    authority: Mapped[str] = mapped_column(String(16))
    child_protection: Mapped[bool] = mapped_column(Boolean)
    meeting_level: Mapped[int | None] = mapped_column(Integer, nullable=True)
    meeting_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    minutes_reference: Mapped[str | None] = mapped_column(String(200), nullable=True)
    discloser: Mapped[str | None] = mapped_column(String(200), nullable=True)
    disclose_at: Mapped[str | None] = mapped_column(String(200), nullable=True)
    disclose_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    advice: Mapped[str | None] = mapped_column(Text, nullable=True)
    restriction_id: Mapped[int | None] = mapped_column(
        ForeignKey("allocation_restrictions.id", ondelete="SET NULL"), nullable=True,
        index=True)
    property_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    decided_on: Mapped[dt.date] = mapped_column(Date)
    agency: Mapped[str] = mapped_column(String(32))
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    made_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    made_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    made_recorded_by: Mapped[str | None] = mapped_column(String(128), nullable=True)

    @property
    def reference(self) -> str:
        return f"DIS-{self.id:06d}"


class KcsApplication(Base):
    """An application under the Sex Offender Community Disclosure Scheme (Keeping
    Children Safe; the MAPPA annual report 9.0, R134): when it was received, whether
    online, the applicant's relationship to the child, the subject it concerns when the
    named person is one, and its outcome and date. ``council`` is the council area it
    belongs to."""

    __tablename__ = "kcs_applications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    received_on: Mapped[dt.date] = mapped_column(Date)
    online: Mapped[bool] = mapped_column(Boolean)
    relationship: Mapped[str] = mapped_column(String(16))
    council: Mapped[str] = mapped_column(String(128), index=True)
    subject_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    outcome: Mapped[str | None] = mapped_column(String(32), nullable=True)
    outcome_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    outcome_by: Mapped[str | None] = mapped_column(String(128), nullable=True)

    @property
    def reference(self) -> str:
        return f"KCS-{self.id:06d}"
class LandlordNotification(Base):
    """What a landlord's Link Officer tells the SOLO about a tenancy they manage (NASSO
    5.3; :mod:`geo_era.housing.notifications`): a proposed move, a direct application,
    a tenancy issue or dispute, a complaint, potential legal action or proceedings for
    possession, or other information that has come to light.

    ``landlord`` and ``authority`` are what need to know is decided on: the landlord (the
    properties layer's ``landlord`` of ``property_id``) whose Link Officers see it, and
    the council the property lies in, whose SOLO receives it. ``subject_id`` is set only
    by the Responsible Authorities (linking it to a subject) and is never shown to the
    landlord; nor is ``note`` or the case of a review opened from it (``case_id``, NULL
    again when that case is weeded; ``case_reference`` keeps which case it was)."""

    __tablename__ = "landlord_notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    property_id: Mapped[str] = mapped_column(String(64))
    landlord: Mapped[str] = mapped_column(String(128), index=True)
    authority: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(32))
    occurred_on: Mapped[dt.date] = mapped_column(Date)
    details: Mapped[str] = mapped_column(Text)
    landlord_reference: Mapped[str] = mapped_column(String(64))
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    received_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    received_role: Mapped[str | None] = mapped_column(String(32), nullable=True)
    received_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True),
                                                            nullable=True)
    subject_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    linked_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    linked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True),
                                                          nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), nullable=True, index=True)
    case_reference: Mapped[str | None] = mapped_column(String(16), nullable=True)
    review_opened_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    review_opened_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True),
                                                                 nullable=True)

    @property
    def reference(self) -> str:
        return f"LN-{self.id:06d}"
class StaffSafetyMarker(Base):
    """A staff-safety marker on a property or a tenancy (NASSO 69-70, 5.3): how housing
    staff and contractors are to deal with the home ("visit in pairs", "meet in the
    office only", "repairs access through the SOLO" and the Link Officer) and a practical
    instruction in free text, shown outside the Responsible Authorities only once an RA
    officer has reviewed it. ``subject_id`` and ``reason`` are the Responsible
    Authorities' alone. ``landlord`` and ``authority`` (the council the property lies in)
    are what need to know is decided on. A marker is shown outside the Responsible
    Authorities only before ``expires_on``; every marker is kept for them."""

    __tablename__ = "staff_safety_markers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    property_id: Mapped[str] = mapped_column(String(64), index=True)
    tenancy_reference: Mapped[str | None] = mapped_column(String(64), nullable=True)
    landlord: Mapped[str | None] = mapped_column(String(128), nullable=True)
    #: the landlord's name as it is matched (spaces trimmed, case folded)
    landlord_key: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True)
    authority: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True)
    #: the instruction codes (:data:`geo_era.safeguarding.markers.INSTRUCTIONS`)
    instructions: Mapped[list[str]] = mapped_column(JSON)
    practical_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    text_reviewed_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    text_reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True),
                                                                 nullable=True)
    subject_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    owner: Mapped[str] = mapped_column(String(128), index=True)
    review_on: Mapped[dt.date] = mapped_column(Date, index=True)
    expires_on: Mapped[dt.date] = mapped_column(Date, index=True)
    last_reviewed_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    last_reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True),
                                                                 nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    firms: Mapped[list[MarkerFirm]] = relationship(
        back_populates="marker", cascade="all, delete-orphan", order_by="MarkerFirm.id")


class MarkerFirm(Base):
    """A contractor firm a staff-safety marker is shared with (NASSO 70: repairs and
    maintenance); ``firm_key`` is its name case-folded, what a contractor's organisation
    is matched on."""

    __tablename__ = "staff_safety_marker_firms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    marker_id: Mapped[int] = mapped_column(
        ForeignKey("staff_safety_markers.id", ondelete="CASCADE"), index=True)
    firm: Mapped[str] = mapped_column(String(128))
    firm_key: Mapped[str] = mapped_column(String(128), index=True)

    marker: Mapped[StaffSafetyMarker] = relationship(back_populates="firms")
class HomelessPresentation(Base):
    """A subject's homeless presentation to a council and the duty owed (Housing
    (Scotland) Act 1987 Part II; Dorset MAPPA procedure section 19; NASSO 5.2): when,
    to which council (``authority``), the duty decided and why, and the local connection
    as recorded (never a bail hostel). Reference ``HLP-000042``."""

    __tablename__ = "homeless_presentations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject_id: Mapped[str] = mapped_column(String(64), index=True)
    authority: Mapped[str] = mapped_column(String(128), index=True)
    presented_on: Mapped[dt.date] = mapped_column(Date)
    duty: Mapped[str] = mapped_column(String(32))
    reasons: Mapped[str] = mapped_column(Text)
    local_connection: Mapped[str] = mapped_column(String(32))
    local_connection_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    intentional_grounds: Mapped[str | None] = mapped_column(String(32), nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def reference(self) -> str:
        return f"HLP-{self.id:06d}"


class HousingAdvice(Base):
    """Housing-options advice a council gave a subject, and the services it liaised
    with over other support needs (NASSO 5.2). Reference ``HOA-000042``."""

    __tablename__ = "housing_advice"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject_id: Mapped[str] = mapped_column(String(64), index=True)
    authority: Mapped[str] = mapped_column(String(128), index=True)
    given_on: Mapped[dt.date] = mapped_column(Date)
    options: Mapped[list[str]] = mapped_column(JSON)
    advice: Mapped[str] = mapped_column(Text)
    services: Mapped[list[str]] = mapped_column(JSON)
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def reference(self) -> str:
        return f"HOA-{self.id:06d}"


class TransferRequest(Base):
    """A request for an (urgent) transfer and its decision (Dorset MAPPA procedure
    section 19; NASSO 5.2): the subject's own, the police's after a risk assessment, a
    neighbouring tenant's (the "specific risk" test) or an offender's family's.
    ``authority`` is the council of the tenancy, ``landlord`` its landlord,
    ``receiving_authority`` the council a move to another area goes to (which then sees
    what is ``shared``). ``recorded_as`` and ``recorded_org`` say who recorded it: a
    Link Officer sees only their own organisation's records. Reference ``TRF-000042``."""

    __tablename__ = "transfer_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    authority: Mapped[str] = mapped_column(String(128), index=True)
    subject_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    property_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    landlord: Mapped[str | None] = mapped_column(String(128), nullable=True)
    requested_on: Mapped[dt.date] = mapped_column(Date)
    grounds: Mapped[str] = mapped_column(Text)
    urgent: Mapped[bool] = mapped_column(Boolean)
    at_risk_after_disclosure: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    tenant_agrees: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    specific_risk: Mapped[str | None] = mapped_column(String(32), nullable=True)
    assistance: Mapped[str | None] = mapped_column(String(32), nullable=True)
    receiving_authority: Mapped[str | None] = mapped_column(String(128), nullable=True,
                                                            index=True)
    decision: Mapped[str] = mapped_column(String(16), default="pending")
    decision_reasons: Mapped[str | None] = mapped_column(Text, nullable=True)
    shared: Mapped[str | None] = mapped_column(Text, nullable=True)
    case_reference: Mapped[str | None] = mapped_column(String(16), nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    decided_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    recorded_as: Mapped[str] = mapped_column(String(32))
    recorded_org: Mapped[str] = mapped_column(String(128), index=True)
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def reference(self) -> str:
        return f"TRF-{self.id:06d}"


class VoidEvent(Base):
    """That a landlord's property became void (``available``) or was let (``let``), as
    its Link Officer published it (NASSO 5.3, 3.12): the live void status that applies
    over the properties layer's ``is_void`` without a re-import
    (:mod:`geo_era.housing.live_voids`). The latest event of a property is its status;
    every event is kept. ``landlord`` is the organisation that published it (the
    properties layer's ``landlord``), on which a Link Officer's need to know is
    decided."""

    __tablename__ = "void_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    property_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16))
    landlord: Mapped[str] = mapped_column(String(128), index=True)
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def reference(self) -> str:
        return f"VOID-{self.id:06d}"
