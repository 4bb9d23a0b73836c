"""The services of the spatial questions and the layers, called as every interface calls
them: the answer each audience gets, the audit entry each leaves, and the mode of each
file written."""

from __future__ import annotations

import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from geo_era.errors import DataError, ForbiddenError, ImportRefusedError
from geo_era.security.audit import AuditEntry
from geo_era.services import Caller, Services, analysis, data
from geo_era.services.answers.analysis import (
    CheckFlags,
    CheckResult,
    MinimumSetAnswer,
    MinimumSetWithoutHouseholds,
)
from geo_era.settings import Settings
from tests.conftest import copy_home, import_demo
from tests.services.parity import WHY, audit_entries

OPERATOR = Caller.operator("tester")
OMU = Caller("user.omu", "omu_analyst", "FICTIONAL Police OMU")
LINK = Caller("user.link", "rsl_link_officer", "FICTIONAL Housing Association")
ADMIN = Caller("user.admin", "admin", "FICTIONAL Council")


@pytest.fixture(scope="module")
def template(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("services") / "home"
    import_demo(demo_files, home)
    return home


@pytest.fixture
def services(template: Path, tmp_path: Path) -> Iterator[Services]:
    home = tmp_path / "home"
    copy_home(template, home)
    found = Services(Settings(home=home))
    yield found
    found.engine.dispose()


def housed(services: Services) -> tuple[str, str]:
    """A subject with a home, and that home: a check with findings."""
    subjects = services.layers.read("subjects")
    row = subjects.dropna(subset=["current_property_id"]).iloc[0]
    return str(row["subject_id"]), str(row["current_property_id"])


def entries(services: Services) -> list[AuditEntry]:
    return audit_entries(services.engine)


def test_check_gives_each_audience_its_model_and_one_entry(services: Services) -> None:
    subject, home = housed(services)
    full = analysis.check(services, OMU, subject_id=subject, property_id=home,
                          justification=WHY)
    with pytest.raises(ForbiddenError):  # issue 17, finding 2: never by subject
        analysis.check(services, LINK, subject_id=subject, property_id=home,
                       justification=WHY)
    flags = analysis.check(services, OMU, subject_id=subject, property_id=home,
                           justification=WHY, flags_only=True)
    assert isinstance(full, CheckResult) and full.conflicts + full.warnings
    assert isinstance(flags, CheckFlags) and flags.sensitive_allocation
    made = entries(services)
    assert [(e.actor, e.operation, e.record_type, e.record_ids, e.outcome)
            for e in made] == [(who, "consultation", kind, [subject, home], outcome)
                               for who, kind, outcome in (
                                   ("user.omu", "subject", "allowed"),
                                   ("user.link", "check", "denied"),
                                   ("user.omu", "subject", "allowed"))]


def test_check_needs_a_justification_and_refusals_are_audited(services: Services) -> None:
    subject, home = housed(services)
    with pytest.raises(DataError, match="needs a justification"):
        analysis.check(services, OMU, subject_id=subject, property_id=home,
                       justification="  ")
    assert entries(services) == []
    with pytest.raises(ForbiddenError):
        analysis.check(services, Caller("a", "auditor", "x"), subject_id=subject,
                       property_id=home, justification=WHY)
    [denied] = entries(services)
    assert (denied.outcome, denied.record_ids) == ("denied", [subject, home])


def test_the_minimum_set_by_audience(services: Services) -> None:
    _, home = housed(services)
    full = analysis.minimum_set(services, OMU, property_id=home, extend_rings=1,
                                justification=WHY)
    assert isinstance(full, MinimumSetAnswer)
    # without a justification the Responsible Authorities get the set without households
    bare = analysis.minimum_set(services, OMU, property_id=home, extend_rings=1)
    assert isinstance(bare, MinimumSetWithoutHouseholds)
    assert [m.property_id for m in bare.properties] == \
        [m.property_id for m in full.properties]
    assert "household" not in bare.model_dump_json()
    # issue 17, finding 2: a Link Officer gets no minimum set at all
    with pytest.raises(ForbiddenError):
        analysis.minimum_set(services, LINK, property_id=home, justification=WHY)
    # issue 17, finding 3: every call is recorded; the households only as a consultation
    # with its justification; the refusal as denied
    assert [(e.role, e.record_type, e.justification, e.outcome)
            for e in entries(services)] == [
        ("omu_analyst", "household", WHY, "allowed"),
        ("omu_analyst", "minimum_set", None, "allowed"),
        ("rsl_link_officer", "parameters", None, "denied")]


def test_sites_near_default_radius(services: Services) -> None:
    _, home = housed(services)
    near = analysis.sites_near(services, OMU, property_id=home)
    assert near.radius_m == services.settings.default_radius_m
    with pytest.raises(ForbiddenError):
        analysis.sites_near(services, Caller("a", "auditor", "x"), property_id=home)


def test_a_map_of_a_subject_is_private_and_audited(services: Services,
                                                   tmp_path: Path) -> None:
    subject, home = housed(services)
    plain = analysis.era_map(services, OPERATOR, property_id=home, out=tmp_path / "p.html")
    assert not plain.private and entries(services) == []
    assert stat.S_IMODE((tmp_path / "p.html").stat().st_mode) == 0o644
    with pytest.raises(DataError, match="needs a justification"):
        analysis.era_map(services, OPERATOR, property_id=home, out=tmp_path / "s.html",
                         subject_id=subject)
    assert not (tmp_path / "s.html").exists()
    done = analysis.era_map(services, OPERATOR, property_id=home, out=tmp_path / "s.html",
                            subject_id=subject, justification=WHY)
    assert done.private
    assert stat.S_IMODE((tmp_path / "s.html").stat().st_mode) == 0o600
    [entry] = entries(services)
    assert (entry.operation, entry.record_type, entry.record_ids) == (
        "consultation", "subject", [subject, home])
    with pytest.raises(ForbiddenError):
        analysis.era_map(services, LINK, property_id=home, out=tmp_path / "l.html",
                         subject_id=subject, justification=WHY)
    assert entries(services)[-1].outcome == "denied"
    assert not (tmp_path / "l.html").exists()


def test_the_proximity_table_is_shared(services: Services, tmp_path: Path) -> None:
    out = tmp_path / "out" / "prox.csv"
    done = analysis.proximity_table(services, OPERATOR, out=out, radius_m=300.0)
    table = pd.read_csv(out)
    assert len(table) == done.properties and done.sites > 0
    assert done.pairs_within == int(table.filter(like="_within").to_numpy().sum())
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    assert [p.name for p in out.parent.iterdir()] == ["prox.csv"]  # no temporary left


def sites_file(services: Services, folder: Path, *, bad: bool = False) -> Path:
    sites = services.layers.read("sites")
    assert isinstance(sites, gpd.GeoDataFrame)
    if bad:
        sites = sites.assign(category="pubs")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "sites.geojson"
    sites.to_file(path, driver="GeoJSON")
    return path


def _read_during_import(services: Services, tmp_path: Path,
                        started: threading.Event) -> float:
    """Seconds an audited read (a running server's consultation) waited, recorded once
    ``started`` is set while a sites import runs; the import is finished on return and
    must have published one new data version, after the read's entry."""
    from geo_era.security.audit import Actor, ConsultationLog

    version = services.layers.data_version
    importing = threading.Thread(target=data.import_layers, args=(services, ADMIN),
                                 kwargs={"files": [sites_file(services, tmp_path / "ok")]})
    importing.start()
    assert started.wait(30)
    began = time.perf_counter()
    ConsultationLog(services.engine).record(
        Actor("user.omu", "omu_analyst", "FICTIONAL Police Scotland OMU"),
        record_type="sites_near", record_ids=["P1"])
    waited = time.perf_counter() - began
    importing.join()
    assert services.layers.data_version == version + 1
    assert [e.record_type for e in entries(services)][-2:] == ["sites_near", "import"]
    return waited


def test_an_import_keeps_no_audited_read_waiting_and_publishes_only_with_its_entry(
        services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 23: an import holds the audit chain's lock only while its layers are
    published, not while it reads, checks and writes them: a consultation recorded
    meanwhile (a running server's audited read) is not kept waiting, and comes before
    the import's entry in the chain. If the import's entry cannot be written, nothing is
    published."""
    from geo_era.data.layer_store import LayerStore

    writing = threading.Event()
    real_write = LayerStore._write_layer

    def slow_write(store: LayerStore, name: str, frame: pd.DataFrame, version: int) -> Path:
        writing.set()
        time.sleep(1.5)  # a national layer takes seconds to write
        return real_write(store, name, frame, version)

    monkeypatch.setattr(LayerStore, "_write_layer", slow_write)
    version = services.layers.data_version
    waited = _read_during_import(services, tmp_path, writing)
    assert waited < 1.0, f"an audited read waited {waited:.2f} s for the import"

    import geo_era.security.audit as audit_module

    def refused(*args: object, **kwargs: object) -> None:
        raise OSError("the case store is full")

    monkeypatch.setattr(LayerStore, "_write_layer", real_write)
    monkeypatch.setattr(audit_module, "_chain", refused)
    with pytest.raises(OSError):
        data.import_layers(services, ADMIN, files=[sites_file(services, tmp_path / "2")])
    assert services.layers.data_version == version + 1  # nothing published
    monkeypatch.undo()
    assert [e.record_type for e in entries(services)][-1] == "import"
    assert len([e for e in entries(services) if e.record_type == "import"]) == 1


def test_an_import_holds_the_audit_chain_only_for_the_catalogs_rename(
        services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 23: the new catalog is written and flushed to disk before the import's
    audit entry takes the chain's lock, so an audited read recorded while the disk is
    slow to flush it (0.1 s and more under a national import's writes) does not wait
    for that flush. The catalog is still replaced only with the entry (above)."""
    import os

    import geo_era._io as io_module

    flushing = threading.Event()
    real_fsync = os.fsync

    def slow_fsync(fd: int) -> None:
        if os.readlink(f"/proc/self/fd/{fd}").rsplit("/", 1)[-1].startswith(".catalog"):
            flushing.set()
            time.sleep(1.5)  # a disk busy with the import's layer files
        real_fsync(fd)

    monkeypatch.setattr(io_module.os, "fsync", slow_fsync)
    waited = _read_during_import(services, tmp_path, flushing)
    assert waited < 1.0, f"an audited read waited {waited:.2f} s for the catalog's flush"
    assert not [p.name for p in services.layers.home.iterdir()
                if p.name.startswith(".catalog")]  # no temporary file left behind


def test_an_import_is_audited_only_when_it_succeeds(services: Services,
                                                    tmp_path: Path) -> None:
    version = services.layers.data_version
    with pytest.raises(ImportRefusedError):
        data.import_layers(services, ADMIN,
                           files=[sites_file(services, tmp_path / "bad", bad=True)])
    assert entries(services) == [] and services.layers.data_version == version
    with pytest.raises(ForbiddenError):
        data.import_layers(services, OMU, files=[sites_file(services, tmp_path / "ok")])
    assert [e.outcome for e in entries(services)] == ["denied"]
    (tmp_path / "ok" / "sites.prj").write_text("")  # a companion: named, not read alone
    report = data.import_layers(services, ADMIN,
                                files=[tmp_path / "ok" / "sites.geojson",
                                       tmp_path / "ok" / "sites.prj"])
    assert report.data_version == version + 1 and set(report.rows) == {"sites"}
    entry = entries(services)[-1]
    assert (entry.actor, entry.operation, entry.record_type, entry.record_ids,
            entry.outcome) == ("user.admin", "collection", "import",
                               ["sites.geojson", "sites.prj"], "allowed")
    listed = data.layers(services, OPERATOR)
    assert listed.data_version == version + 1
    assert listed.layers["sites"].sources == ["sites.geojson"]
