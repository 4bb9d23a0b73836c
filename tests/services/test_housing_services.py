"""The housing, report and administration services called directly: who gets which
answer (a Link Officer's models declare nothing the matrix denies, by construction),
one audit entry a call, refusals audited, and the audit export's file written 0600."""

from __future__ import annotations

import json
import stat
import typing
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel
from typer.testing import CliRunner

from geo_era.cli import app as cli_app
from geo_era.errors import DataError, ForbiddenError
from geo_era.services import Caller, Services, admin, housing, reports
from geo_era.services.answers.housing import AllocationCheck, AllocationFlags, VoidScreening
from geo_era.services.answers.reports import InternalReport, PublishedReport
from geo_era.settings import Settings
from tests.conftest import LINK_OFFICER_NEVER_SEES, import_demo
from tests.services.parity import WHY, audit_count, audit_entries

#: a housing association with voids in the demo town (scale 1, seed 0)
LANDLORD = "Rowanlea Housing Association"
LINK = Caller("link", "rsl_link_officer", LANDLORD)
OMU = Caller("omu", "omu_analyst", "FICTIONAL Police OMU")
OPERATOR = Caller.operator("tester")


def declared(model: type[BaseModel], seen: set[type[BaseModel]] | None = None) -> set[str]:
    """Every field name a model declares, at any depth (nested models, lists, unions,
    and the typed columns a table row admits)."""
    seen = set() if seen is None else seen
    if model in seen:
        return set()
    seen.add(model)
    names = set(model.model_fields)
    types = [f.annotation for f in model.model_fields.values()]
    extra = typing.get_type_hints(model).get("__pydantic_extra__")
    if extra is not None:
        types.append(extra)
    while types:
        kind = types.pop()
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            names |= declared(kind, seen)
        else:
            types.extend(typing.get_args(kind))
    return names


@pytest.mark.parametrize("model", [AllocationFlags, PublishedReport])
def test_link_officer_models_declare_no_denied_field(model: type[BaseModel]) -> None:
    assert declared(model) & LINK_OFFICER_NEVER_SEES == set()


def test_the_full_models_do_carry_what_need_to_know_allows() -> None:
    assert "sensitive_because" in declared(AllocationCheck)
    assert "subject_id" in declared(InternalReport)  # the consent list
    assert "subject_id" not in declared(PublishedReport)


@pytest.fixture(scope="module")
def services(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[Services]:
    home = tmp_path_factory.mktemp("services") / "home"
    import_demo(demo_files, home)
    found = Services(Settings(home=home))
    yield found
    found.engine.dispose()


def council_of(services: Services) -> str:
    areas = services.layers.read_attributes("areas", ["area_type", "name"])
    return str(areas.loc[areas["area_type"] == "council", "name"].iloc[0])


def test_the_allocation_check_by_audience(services: Services) -> None:
    homes = services.layers.read("subjects")["current_property_id"].dropna().astype(str)
    stock = services.layers.read_attributes("properties",
                                            ["property_id", "landlord", "is_void"])
    own = stock.loc[stock["is_void"].fillna(False).astype(bool)
                    & (stock["landlord"] == LANDLORD), "property_id"].astype(str)
    listed = [*homes.unique().tolist()[:2], "NOWHERE", own.iloc[0]]
    before = audit_count(services.engine)
    full = housing.allocation_check(services, OMU, justification=WHY, voids=listed)
    flags = housing.allocation_check(services, LINK, justification=WHY, voids=listed)
    asked = housing.allocation_check(services, OPERATOR, justification=WHY, voids=listed,
                                     flags_only=True)
    assert isinstance(full, AllocationCheck)
    assert isinstance(flags, AllocationFlags) and isinstance(asked, AllocationFlags)
    assert full.voids[0].sensitive_because
    # anyone with need to know may ask for the flags alone, of any void
    assert [v.sensitive_allocation for v in asked.voids] == \
        [v.sensitive_allocation for v in full.voids]
    # a Link Officer: their own organisation's void only; a subject's home and an id
    # that does not exist read alike (issue 17, finding 2)
    assert [v.property_id for v in flags.voids] == [own.iloc[0]]
    assert [(e.row, e.value) for e in flags.row_errors] == [
        (1, listed[0]), (2, listed[1]), (3, "NOWHERE")]
    assert len({e.problem for e in flags.row_errors}) == 1
    entries = audit_entries(services.engine)[before:]
    assert [(e.actor, e.operation, e.recipients) for e in entries] == [
        ("omu", "consultation", None),
        ("link", "disclosure", [LANDLORD]),
        ("tester", "disclosure", ["local"])]


def test_a_recorded_home_is_never_flagged_to_a_landlord_as_such(services: Services
                                                                ) -> None:
    """Issue 17, finding 2: the flag on a subject's recorded home would be their
    address. The core leaves that reason out of a restricted answer (the Responsible
    Authorities still see that the record needs updating)."""
    from geo_era.housing.allocations import allocation_check as core_check
    from geo_era.housing.void_lists import from_ids
    from tests.conftest import officer

    homes = services.layers.read("subjects")["current_property_id"].dropna().astype(str)
    snap = services.workspace.snapshot()
    listed = from_ids(snap, homes.unique().tolist())
    full = core_check(snap, services.engine, listed, actor=officer(), restricted=False)
    only_home = [k for k, rs in enumerate(full.reasons)
                 if [r["kind"] for r in rs] == ["recorded_home"]]
    assert only_home, "a home flagged for being a home alone"
    told = core_check(snap, services.engine, listed, actor=officer(), restricted=True,
                      for_landlord=True)
    assert not any(told.sensitive[k] for k in only_home)
    assert all(r["kind"] != "recorded_home" for rs in told.reasons for r in rs)


def test_screening_needs_a_justification_and_a_role_allowed(services: Services) -> None:
    subject = str(services.layers.read("subjects")["subject_id"].iloc[0])
    before = audit_count(services.engine)
    with pytest.raises(DataError, match="needs a justification"):
        housing.screen(services, OMU, subject_id=subject, justification=None)
    assert audit_count(services.engine) == before
    with pytest.raises(ForbiddenError):
        housing.screen(services, LINK, subject_id=subject, justification=WHY)
    denied = audit_entries(services.engine)[before:]
    assert [(e.actor, e.outcome, e.record_ids) for e in denied] == [
        ("link", "denied", [subject])]
    done = housing.screen(services, OMU, subject_id=subject, justification=WHY, top=2)
    assert isinstance(done, VoidScreening) and len(done.voids) == 2
    entry = audit_entries(services.engine)[-1]
    assert (entry.operation, entry.record_type, entry.record_ids, entry.justification) == (
        "consultation", "subject", [subject], WHY)


def test_a_link_officer_always_gets_the_published_report(services: Services) -> None:
    asked = reports.Asked(council_of(services), 2026)
    report = reports.overconcentration_report(services, LINK, asked, justification=None)
    assert isinstance(report, PublishedReport) and report.published
    internal = reports.overconcentration_report(services, OMU, asked, justification=WHY)
    assert isinstance(internal, InternalReport) and not internal.published
    choices = reports.report_choices(services, LINK)
    assert choices.published_only and choices.councils == [council_of(services)]
    solo = Caller("solo", "solo", "FICTIONAL Other Council")
    assert reports.report_choices(services, solo).councils == []


def test_audit_verify_and_users(services: Services) -> None:
    with pytest.raises(ForbiddenError):
        admin.audit_verify(services, OMU)
    assert admin.audit_verify(services, Caller("aud", "auditor", "FICTIONAL Audit")).intact
    with pytest.raises(ForbiddenError):
        admin.add_user(services, Caller("adm", "admin", "FICTIONAL Council"),
                       username="someone", role="solo", organisation="x",
                       password="a long fictional passphrase")
    added = admin.add_user(services, OPERATOR, username="someone", role="solo",
                           organisation="FICTIONAL Council",
                           password="a long fictional passphrase")
    assert (added.username, added.role) == ("someone", "solo")


def test_the_audit_export_from_the_command_line(services: Services, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    auditor = Caller("aud", "auditor", "FICTIONAL Audit")
    for _ in range(3):  # at least three entries, whichever test ran first
        admin.audit_export(services, auditor, justification=WHY, limit=1)
    monkeypatch.setenv("GEO_ERA_HOME", str(services.settings.home))
    runner = CliRunner()
    refused = runner.invoke(cli_app, ["audit", "export", "--limit", "3"])
    assert refused.exit_code != 0 and "needs a justification" in str(refused.exception)
    out = tmp_path / "export.json"
    done = runner.invoke(cli_app, ["audit", "export", "--justification", WHY,
                                   "--after-seq", "1", "--limit", "2", "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert [e["seq"] for e in exported["entries"]] == [2, 3]
    assert exported["verification"]["intact"]
    entry = audit_entries(services.engine)[-1]
    assert (entry.record_type, entry.record_ids) == ("audit_log", ["2-3"])
    printed = runner.invoke(cli_app, ["audit", "export", "--justification", WHY,
                                      "--since", "2000-01-01", "--limit", "1"])
    assert printed.exit_code == 0, printed.output
    assert [e["seq"] for e in json.loads(printed.output)["entries"]] == [1]
