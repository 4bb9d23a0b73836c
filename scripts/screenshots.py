"""The README's screenshots of the pages: the start page, a case page and the physical
check form, taken in Debian's Chromium (Playwright) from a real ``geo-era serve`` on
127.0.0.1 over a FICTIONAL demo home built for the purpose in a temporary folder.

    python scripts/screenshots.py [--out docs/screenshots] [--chromium /usr/bin/chromium]

The demo town (scale 1, seed 0) is imported, an OMU analyst (with a second factor) and
a case of two assessed candidates for a FICTIONAL subject are made, the police's
checklist and agreement are recorded so the case page shows some work, and the pages
are saved as ``start.png``, ``case.png`` and ``physical-check.png`` (1280 pixels wide,
each cut to at most :data:`MAX_HEIGHT` pixels and stored as an adaptive-palette PNG to
keep it small). Every request not to 127.0.0.1 is aborted; nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pyotp
from PIL import Image
from playwright.sync_api import Page, sync_playwright
from sqlalchemy import Engine

from geo_era.casework.assessment import open_assessed_case
from geo_era.casework.cases import database_checklist, record_agreement, record_check
from geo_era.data.imports import import_files
from geo_era.data.layer_store import LayerStore
from geo_era.db.store import open_store, session_scope
from geo_era.demo.demotown import build_demo_town, write_demo_town
from geo_era.security import second_factor
from geo_era.security.audit import Actor
from geo_era.security.keys import SecretBox
from geo_era.security.users import add_user, find_user
from geo_era.settings import Settings

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "a long fictional passphrase"
PURPOSE = "FICTIONAL demo: screenshots for the README"
WIDTH = 1280
#: The tallest a screenshot is kept (pixels): the top of a page, where its work is.
MAX_HEIGHT = 1600
#: FICTIONAL subject on a licence (CJSW leads) and two void candidates of the demo town.
SUBJECT = "FICTIONAL-S000005"
CANDIDATES = ["DT-0000064", "DT-0000227"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def build_home(home: Path) -> tuple[Engine, str, str]:
    """The demo town imported into ``home``, the analyst enrolled, a case opened and
    the police's part of it recorded: (engine, the analyst's TOTP secret, case id)."""
    files = write_demo_town(build_demo_town(scale=1.0, seed=0), home.parent / "source")
    store = LayerStore(home)
    import_files(files, store=store)
    engine = open_store(home)
    add_user(engine, "omu", role="omu_analyst", organisation="FICTIONAL Police OMU",
             password=PASSWORD)
    box = SecretBox.for_settings(Settings(home=home), "totp")
    with session_scope(engine) as session:
        secret = second_factor.enrol(session, box, find_user(session, "omu").id, None)
    actor = Actor("omu", "omu_analyst", "FICTIONAL Police OMU", PURPOSE, None)
    case = open_assessed_case(store, engine, subject_id=SUBJECT, property_ids=CANDIDATES,
                              case_type="initial_new", notified=dt.date.today(),
                              agencies=["nhs"], actor=actor)
    case_id = str(case["case_id"])
    for item in database_checklist("police_scotland", case.get("authority"), None):
        record_check(engine, case_id, agency="police_scotland", kind="database", item=item,
                     outcome="clear", actor=actor, property_id=CANDIDATES[0])
    record_agreement(engine, case_id, agency="police_scotland", agrees=True, actor=actor)
    return engine, secret, case_id


@contextmanager
def serve(home: Path) -> Iterator[str]:
    """``geo-era serve`` on 127.0.0.1 over ``home``: the pages' base URL."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEO_ERA_")}
    env.update(GEO_ERA_HOME=str(home),
               PYTHONPATH=os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH"))
                                          if p))
    with subprocess.Popen([sys.executable, "-m", "geo_era.cli", "serve", "--port", str(port)],
                          env=env, stdout=subprocess.DEVNULL) as server:
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise
                    time.sleep(0.2)
            yield base
        finally:
            server.terminate()
            server.wait(timeout=20)


def save(png: bytes, path: Path) -> int:
    """``png`` cut to :data:`MAX_HEIGHT` and written as an adaptive-palette PNG; its
    size in bytes."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image = image.crop((0, 0, image.width, min(image.height, MAX_HEIGHT)))
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    return path.stat().st_size


def sign_in(page: Page, base: str, secret: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Username").fill("omu")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Purpose of this session").fill(PURPOSE)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/login/code")
    page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Your work").wait_for()


def shoot(base: str, secret: str, case_id: str, out: Path, chromium: str) -> list[Path]:
    """Drive Chromium through the pages and write the screenshots into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update"])
        context = browser.new_context(viewport={"width": WIDTH, "height": 900})
        context.route(re.compile(r"^https?://"), lambda route: (
            route.continue_() if route.request.url.startswith("http://127.0.0.1:")
            else route.abort()))
        page = context.new_page()
        page.set_default_timeout(30_000)
        sign_in(page, base, secret)
        page.wait_for_load_state("networkidle")
        written.append(out / "start.png")
        save(page.screenshot(), written[-1])
        page.get_by_role("button", name=f"Open {case_id}").click()
        page.frame_locator("iframe.map").locator(".leaflet-container").wait_for()
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(1_000)  # the map's canvas drawn
        written.append(out / "case.png")
        save(page.screenshot(full_page=True), written[-1])
        page.locator("#physical-open").click()
        page.get_by_role("button", name="Save the physical check").wait_for()
        written.append(out / "physical-check.png")
        save(page.screenshot(full_page=True), written[-1])
        browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="geo-era-screens-") as folder:
        home = Path(folder) / "home"
        engine, secret, case_id = build_home(home)
        engine.dispose()
        with serve(home) as base:
            for path in shoot(base, secret, case_id, args.out, args.chromium):
                sys.stdout.write(f"{path} ({path.stat().st_size // 1024} KB)\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
