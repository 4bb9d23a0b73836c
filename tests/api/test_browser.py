"""The pages in a real browser (Debian's headless Chromium driven by Playwright) against
a real ``geo-era serve`` on 127.0.0.1: sign in (password and second factor), the case
list, a case page with its map and layers, keyboard use, void screening with an uploaded
list, the sensitive-allocation check, need to know, and not one request to any host but
geo_era."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from geo_era import clock
from geo_era.casework.assessment import open_assessed_case
from geo_era.casework.cases import record_restriction
from geo_era.db.store import open_store
from geo_era.security.users import add_user
from tests.conftest import enrol_totp, import_demo, officer, served, totp_code

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "a long fictional passphrase"
PURPOSE = "ERA for new accommodation, MAPPA meeting"
#: The Link Officer's housing association: a landlord with voids in the demo town.
LANDLORD = "Rowanlea Housing Association"


def chromium() -> str:
    """Debian's Chromium; skip without it (fail under CI, which installs it)."""
    path = shutil.which("chromium") or (CHROMIUM if Path(CHROMIUM).exists() else None)
    if path is None:
        reason = ("no Chromium: install Debian's chromium package (.ci/run does) to run the "
                  "browser tests")
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser tests: {reason}")
        pytest.skip(reason)
    return path


@pytest.fixture(scope="module")
def site(demo_files: list[Path], tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[dict[str, Any]]:
    home = tmp_path_factory.mktemp("browser") / "home"
    store = import_demo(demo_files, home)
    engine = open_store(home)
    areas = store.read_attributes("areas", ["area_type", "name"])
    council = str(areas.loc[areas["area_type"] == "council", "name"].iloc[0])
    add_user(engine, "omu", role="omu_analyst", organisation="FICTIONAL Police OMU",
             password=PASSWORD)
    add_user(engine, "solo", role="solo", organisation=council, password=PASSWORD)
    add_user(engine, "link", role="rsl_link_officer", organisation=LANDLORD,
             password=PASSWORD)
    subjects = store.read("subjects")
    zoned = set(store.read("exclusion_zones")["subject_id"].astype(str))
    row = subjects[subjects["current_property_id"].notna()
                   & subjects["subject_id"].isin(zoned)].iloc[0]
    case = open_assessed_case(store, engine, subject_id=str(row["subject_id"]),
                              property_ids=[str(row["current_property_id"])],
                              case_type="annual_review", notified=clock.today(),
                              actor=officer())
    # the roles that see subject data sign in with a second factor; a Link Officer does
    # not need one
    secrets = {user: enrol_totp(engine, home, user) for user in ("omu", "solo")}
    props = store.read_attributes("properties", ["property_id", "is_void", "landlord",
                                                  "address"])
    voids = props["is_void"].fillna(False).astype(bool)
    void = str(props.loc[voids, "property_id"].iloc[0])
    # a restriction on one of the landlord's own voids: what a Link Officer is told of
    own = str(props.loc[voids & (props["landlord"] == LANDLORD), "property_id"].iloc[0])
    record_restriction(engine, case["case_id"], property_id=own,
                       restriction="no household with children", actor=officer())
    with served(home) as base:
        yield {"base": base.removesuffix("/api/v1"), "case": case, "void": void, "home_dir": home,
               "own_void": own, "home": str(row["current_property_id"]), "engine": engine,
               "secrets": secrets, "subjects": subjects["subject_id"].astype(str).tolist(),
               "addresses": dict(zip(props["property_id"].astype(str),
                                     props["address"].astype(str), strict=True))}
    engine.dispose()


@pytest.fixture(scope="module")
def browser(site: dict[str, Any]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium(), args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update",
            "--disable-sync"])
        yield launched
        launched.close()


def sign_in(browser: Any, site: dict[str, Any], username: str) -> tuple[Any, list[str]]:
    """Sign in in a new page: the password, then (for roles that see subject data) the
    second factor's code."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{site['base']}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Purpose of this session").fill(PURPOSE)
    page.get_by_role("button", name="Sign in").click()
    if username in site["secrets"]:
        page.wait_for_url("**/login/code")
        page.get_by_label("Code").fill(totp_code(site["engine"], username,
                                                 site["secrets"][username]))
        page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{site['base']}/")  # the start page
    page.wait_for_load_state("networkidle")
    return page, requests


def hosts(requests: list[str]) -> set[str]:
    return {urlsplit(u).hostname or "" for u in requests if not u.startswith(("data:",
                                                                             "about:"))}


def test_analyst_opens_a_case_and_sees_its_map(browser: Any, site: dict[str, Any]) -> None:
    page, requests = sign_in(browser, site, "omu")
    case = site["case"]
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cases",
                                                            exact=True).click()
    assert page.get_by_role("heading", name="Open ERA cases").is_visible()
    page.get_by_role("button", name=f"Open {case['case_id']}").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name=case["case_id"], exact=False).is_visible()
    frame = page.frame_locator("iframe.map")
    frame.locator(".leaflet-container").wait_for(timeout=15_000)
    control = frame.locator(".leaflet-control-layers")
    for layer in ("background (loaded layers)", "distance rings", "minimum set",
                  "walking route to the nearest of each category", "candidate",
                  "exclusion zones"):
        assert control.get_by_text(layer, exact=False).count() >= 1, layer
    drawn = frame.locator(".leaflet-overlay-pane canvas").first  # drawn, not only listed
    box = drawn.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 300
    assert frame.get_by_role("button", name="Measure a distance").count() == 1
    assert page.get_by_role("heading", name="Part C — Approval").is_visible()
    assert page.get_by_role("heading", name="Minimum set (NASSO 3.9): households to check"
                            ).is_visible()
    assert hosts(requests) == {"127.0.0.1"}, sorted(set(requests))
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the ERA document (PDF)").click()
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    page.close()


def test_keyboard_only(browser: Any, site: dict[str, Any]) -> None:
    page = browser.new_page()
    page.bring_to_front()
    page.goto(f"{site['base']}/login")
    # the username field takes the focus by itself
    page.wait_for_function("document.activeElement && document.activeElement.id === "
                           "'username'", timeout=10_000)
    page.keyboard.type("omu")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    page.keyboard.type(PURPOSE)
    page.keyboard.press("Enter")
    # the second factor's code, by keyboard too (its field takes the focus)
    page.wait_for_url("**/login/code")
    page.wait_for_function("document.activeElement && document.activeElement.id === "
                           "'code'", timeout=10_000)
    page.keyboard.type(totp_code(site["engine"], "omu", site["secrets"]["omu"]))
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Your work").wait_for(timeout=10_000)
    # and on to the case from the start page, by keyboard: Tab to its button, Enter
    # (past the skip link, the header, the navigation and the counts)
    button = page.get_by_role("button", name=f"Open {site['case']['case_id']}")
    for _ in range(40):  # the navigation grows with the pages a role may use
        page.keyboard.press("Tab")
        if button.evaluate("b => b === document.activeElement"):
            break
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Part C — Approval").wait_for(timeout=10_000)
    page.close()


def test_pages_follow_need_to_know(browser: Any, site: dict[str, Any]) -> None:
    link, _ = sign_in(browser, site, "link")
    assert site["case"]["subject_id"] not in link.content()  # the start page
    assert link.get_by_role("link", name="Check your voids", exact=False).count() == 1
    link.goto(f"{site['base']}/cases")
    assert "may not see this page" in link.content()
    assert site["case"]["subject_id"] not in link.content()
    link.close()
    solo, requests = sign_in(browser, site, "solo")
    solo.get_by_role("button", name=f"Open {site['case']['case_id']}").click()
    frame = solo.frame_locator("iframe.map")
    frame.locator(".leaflet-container").wait_for(timeout=15_000)
    assert frame.locator(".leaflet-control-layers").get_by_text("exclusion zones").count() \
        >= 1  # a SOLO may see zones (the matrix's zone_show)
    assert hosts(requests) == {"127.0.0.1"}
    solo.close()


def upload(*ids: str) -> dict[str, Any]:
    """A CSV list of voids for a file input (a second column keeps an empty id a row)."""
    rows = "".join(f"{i},x\n" for i in ids)
    return {"name": "voids.csv", "mimeType": "text/csv",
            "buffer": f"property_id,note\n{rows}".encode()}


def test_solo_screens_an_uploaded_list(browser: Any, site: dict[str, Any]) -> None:
    page, requests = sign_in(browser, site, "solo")
    page.get_by_role("link", name="Void screening").click()
    page.get_by_label("Subject id").fill(site["case"]["subject_id"])
    page.get_by_label("List of voids (optional)").set_input_files(
        files=[upload(site["void"], "DT-NOT-THERE", "")])
    page.get_by_role("button", name="Screen voids").click()
    page.get_by_role("heading", name="Voids screened for").wait_for(timeout=15_000)
    errors = page.locator("table.row-errors tbody tr")
    assert errors.count() == 2
    assert "DT-NOT-THERE" in errors.nth(0).inner_text()
    assert "not in the properties layer" in errors.nth(0).inner_text()
    assert "property_id is empty" in errors.nth(1).inner_text()
    screened = page.locator("table.screened tbody tr")
    assert screened.count() == 1
    row = screened.first.inner_text()
    assert site["void"] in row and ("#1" in row or "ruled out" in row)
    frame = page.frame_locator("iframe.map")
    frame.locator(".leaflet-container").wait_for(timeout=15_000)
    control = frame.locator(".leaflet-control-layers")
    for layer in ("manageable voids, ranked", "ruled-out voids", "exclusion zones",
                  "background (loaded layers)"):
        assert control.get_by_text(layer, exact=False).count() >= 1, layer
    drawn = frame.locator(".leaflet-overlay-pane canvas").first  # drawn, not only listed
    box = drawn.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 300
    assert hosts(requests) == {"127.0.0.1"}, sorted(set(requests))
    page.close()


def test_solo_screens_a_list_of_addresses_and_sees_the_held_rows(
        browser: Any, site: dict[str, Any]) -> None:
    """R74, issue 22 item 6: a landlord's list with addresses and no ids: the matched
    row is screened; the row held for review is shown with its likely home and its
    confidence, and is not screened."""
    from geo_era.data.layer_store import LayerStore

    layer = LayerStore(site["home_dir"]).read_attributes("properties",
                                                         ["property_id", "address"])
    address = str(layer.loc[layer["property_id"] == site["void"], "address"].iloc[0])
    close = address.rsplit(",", 1)[0]  # the locality left out
    held = close.rsplit(" ", 1)[0] + " Rose"  # the street type changed: held for review
    page, _ = sign_in(browser, site, "solo")
    page.get_by_role("link", name="Void screening").click()
    page.get_by_label("Subject id").fill(site["case"]["subject_id"])
    page.get_by_label("List of voids (optional)").set_input_files(files=[{
        "name": "voids.csv", "mimeType": "text/csv",
        "buffer": f'address\n"{address.upper()}"\n"{held}"\n'.encode()}])
    page.get_by_role("button", name="Screen voids").click()
    page.get_by_role("heading", name="Voids screened for").wait_for(timeout=15_000)
    errors = page.locator("table.row-errors tbody tr")
    assert errors.count() == 1
    text = errors.first.inner_text()
    assert held in text and f"held for confirmation: likely {site['void']}" in text
    assert "confidence" in text
    screened = page.locator("table.screened tbody tr")
    assert screened.count() == 1 and site["void"] in screened.first.inner_text()
    page.close()


def test_link_officer_checks_allocations_but_may_not_screen(browser: Any,
                                                            site: dict[str, Any]) -> None:
    page, requests = sign_in(browser, site, "link")
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Void screening").count() == 0
    nav.get_by_role("link", name="Sensitive allocations").click()
    page.get_by_label("List of voids (optional)").set_input_files(
        files=[upload(site["own_void"], site["home"], "")])
    page.get_by_role("button", name="Check voids").click()
    page.get_by_role("heading", name="Voids checked").wait_for(timeout=15_000)
    flagged = page.locator("table.allocations tbody tr", has_text=site["own_void"])
    assert "sensitive allocation required — contact the SOLO" in flagged.inner_text()
    headers = page.locator("table.allocations thead th").all_inner_texts()
    assert headers == ["Property id", "Address", "Sensitive allocation"]  # no reasons
    # a subject's home is not the landlord's void: it reads as any other id (issue 17)
    assert page.locator("table.allocations tbody tr", has_text=site["home"]).count() == 0
    assert page.locator("table.row-errors tbody tr").count() == 2
    content = page.content()
    assert not [s for s in site["subjects"] if s in content]
    page.goto(f"{site['base']}/voids")
    assert "may not see this page" in page.content()
    assert hosts(requests) == {"127.0.0.1"}, sorted(set(requests))
    page.close()


#: The number of areas drawn by every Folium GeoJSON layer of a map (their Leaflet
#: layers, one per feature), counted in the page.
COUNT_FEATURES = """() => Object.keys(window)
    .filter(k => k.startsWith("geo_json_") && window[k] && window[k].getLayers)
    .reduce((n, k) => n + window[k].getLayers().length, 0)"""


def test_solo_reads_the_over_concentration_report(browser: Any, site: dict[str, Any]
                                                  ) -> None:
    page, requests = sign_in(browser, site, "solo")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Over-concentration").click()
    page.get_by_label("Year").fill("2026")
    page.get_by_role("button", name="Show the report").click()
    page.get_by_role("heading", name="Areas of concern").wait_for(timeout=30_000)
    frame = page.frame_locator("iframe.map")
    frame.locator(".leaflet-container").wait_for(timeout=15_000)
    drawn = page.frames[1].evaluate(COUNT_FEATURES)
    rows = page.locator("section.annex table.areas tbody tr").count()
    assert drawn == rows > 0  # every data zone of the council on the map
    assert page.get_by_text("OFFICIAL-SENSITIVE", exact=False).count() >= 1
    assert hosts(requests) == {"127.0.0.1"}, sorted(set(requests))
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the PDF").click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    page.close()


def test_solo_reads_the_era_performance_report(browser: Any, site: dict[str, Any]
                                              ) -> None:
    """R126, R131: the SOLO follows the navigation to the ERA performance report, is
    offered their own council only, and reads its tables, marked, with nothing fetched
    from another host; the PDF downloads."""
    page, requests = sign_in(browser, site, "solo")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="ERA performance").click()
    assert page.get_by_label("Council").locator("option").count() == 1
    page.get_by_label("Reporting year").fill("2026")
    page.get_by_role("button", name="Show the report").click()
    heading = "ERAs completed within the timescale, by type"
    page.get_by_role("heading", name=heading).wait_for(timeout=30_000)
    types = page.locator("#performance table").first.locator("tbody tr td:first-child")
    assert types.all_inner_texts() == ["initial_new", "initial_resident", "annual_review"]
    assert page.locator("#report-marking").inner_text().startswith("OFFICIAL-SENSITIVE")
    assert hosts(requests) == {"127.0.0.1"}, sorted(set(requests))
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the PDF").click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    page.close()


@pytest.mark.shared_data
def test_the_edinburgh_report_file_maps_all_597_data_zones(browser: Any,
                                                           tmp_path: Path) -> None:
    """The standalone report.html in Chromium: the map draws all 597 real data zones,
    and the file asks no host for anything."""
    from geo_era.overconcentration.document import write_report
    from tests.overconcentration.test_report import edinburgh_report

    write_report(edinburgh_report(tmp_path / "home"), tmp_path / "out")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto((tmp_path / "out" / "report.html").as_uri())
    page.frame_locator("iframe.map").locator(".leaflet-container").wait_for(timeout=15_000)
    assert page.frames[1].evaluate(COUNT_FEATURES) == 597
    assert not [u for u in requests if not u.startswith(("file:", "data:", "about:"))]
    page.close()


def test_an_address_typed_and_picked_opens_the_property_page_with_its_map(
        browser: Any, site: dict[str, Any]) -> None:
    """R26, R39: type a demo address (a flat in the other notation than the layer's) in
    lower case, choose it
    from the type-ahead with the keyboard, and land on its property page with a map at
    least 60% of the window's height, its legend folded away or beside the data."""
    from geo_era.data.address_search import read_query

    page, requests = sign_in(browser, site, "omu")
    page.get_by_role("link", name="Find").click()
    page.wait_for_url("**/find")
    target, address = next((pid, a) for pid, a in sorted(site["addresses"].items())
                           if re.match(r"^[1-9]F\d ", a))  # an Edinburgh flat
    box = page.get_by_role("combobox", name="Address or property id")
    # written by hand: an Edinburgh flat typed in Glasgow notation and a Glasgow one in
    # Edinburgh's, lower case, without the town (any other address as it is)
    street = address.rsplit(",", 1)[0]
    edinburgh = re.match(r"^([1-9])F(\d) (.*)$", street)
    glasgow = re.match(r"^Flat ([1-9])/(\d), (.*)$", street)
    typed = (f"flat {edinburgh[1]}/{edinburgh[2]}, {edinburgh[3]}" if edinburgh else
             f"{glasgow[1]}f{glasgow[2]} {glasgow[3]}" if glasgow else street).lower()
    assert read_query(typed).number is not None
    box.press_sequentially(typed, delay=20)
    options = page.get_by_role("listbox", name="Matching properties")
    options.get_by_role("option").first.wait_for(timeout=10_000)
    assert target in options.get_by_role("option").first.inner_text()
    box.press("ArrowDown")
    box.press("Enter")
    page.wait_for_url("**/property")  # its id in the form's body, never the URL
    assert page.get_by_role("heading", name=address).is_visible()
    frame = page.frame_locator("iframe.map")
    frame.locator(".leaflet-container").wait_for(timeout=15_000)
    shown = page.locator("iframe.map").bounding_box()
    assert shown is not None and shown["height"] >= 0.6 * 900
    legend = frame.locator("details.geo-era-legend")
    assert legend.count() == 1
    assert frame.locator(".leaflet-control-layers-expanded").count() == 0
    assert page.get_by_role("heading", name="Minimum set (NASSO 3.9)").is_visible()
    assert hosts(requests) == {"127.0.0.1"}, sorted(set(requests))
    page.close()
