"""Benchmark: every page of geo_era's browser interface on the demo town, one request
at a time through a real ``geo-era serve`` on 127.0.0.1, against the 300 ms budget of
issue 19 (item 7).

Builds the FICTIONAL demo town (``geo-era demo-data --scale 1 --seed 0``) into a
temporary GEO_ERA_HOME, adds an OMU analyst per sign-in to time (``geo-era user add``,
password on standard input, a second factor enrolled here), opens an ERA case for a
FICTIONAL subject with two void candidates, assessed (as the casework tests do), starts
``geo-era serve`` and signs in on the pages as a browser does (the form's token, the
password step with a purpose, the code step). Then each page is asked ``--warmup`` times
and timed over ``--requests`` more: the sign-in page and its password step, the start
page, the case list, the case page (its map drawn inline), the find page, the
type-ahead, a property page with its map, the void screening form
and its result (every void screened for the case's subject, with the map), the report
form, opening a case (``/cases/new``), the physical check (``/case/physical``), the
reviews (``/reviews``), the review triggers (its form and a run) and Part C's
confirmation. The code step of the sign-in works once per
code, so it is timed once per user (``--signins`` users).

Every answer must be 200 (a page that answers otherwise is a failure, not a figure).
Prints the median and p95 (ms) of each page against the budget and writes them with
``--json`` (read by ``bench/results.py``). Exits 1 when a request failed or a page's
p95 is over the budget.

    python bench/pages.py --json bench/out/pages.json
    python bench/pages.py --requests 50 --warmup 5
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import secrets
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from common import write_json

from api import child_env, free_port, geo_era, start_server, stop_server, wait_healthy

BUDGET_MS = 300.0
ORG = "FICTIONAL Police Scotland OMU"
PURPOSE = "ERA for new accommodation, MAPPA meeting (benchmark)"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class Page:
    """One page to time: its name, method, path and form (``None`` for a GET); forms
    get the session's token added."""

    name: str
    method: str
    path: str
    form: dict[str, str] | None = None


@dataclass
class Timing:
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    note: str = ""

    def pct(self, q: float) -> float | None:
        return float(np.percentile(self.latencies_ms, q)) if self.latencies_ms else None

    @property
    def median(self) -> float | None:
        return statistics.median(self.latencies_ms) if self.latencies_ms else None


# --- the ground: demo town, users, a case ----------------------------------------------


def enrol(home: Path, key: str, username: str) -> str:
    """Enrol ``username``'s second factor, sealed with the server's key: the secret."""
    from geo_era.db.store import open_store, session_scope  # noqa: PLC0415
    from geo_era.security import second_factor  # noqa: PLC0415
    from geo_era.security.keys import SecretBox  # noqa: PLC0415
    from geo_era.security.users import find_user  # noqa: PLC0415
    from geo_era.settings import Settings  # noqa: PLC0415

    settings = Settings(home=home, secret_key=key)  # type: ignore[arg-type]
    engine = open_store(home)
    with session_scope(engine) as session:
        secret = second_factor.enrol(session, SecretBox.for_settings(settings, "totp"),
                                     find_user(session, username).id)
    engine.dispose()
    return secret


def open_case(home: Path) -> dict[str, Any]:
    """A case opened by the police for the subject with children in their victim
    profile, on two void flats, assessed (what the case page shows): its id, subject
    and candidates."""
    from geo_era.casework.assessment import open_assessed_case  # noqa: PLC0415
    from geo_era.data.layer_store import LayerStore  # noqa: PLC0415
    from geo_era.db.store import open_store  # noqa: PLC0415
    from geo_era.security.audit import Actor  # noqa: PLC0415

    store = LayerStore(home)
    engine = open_store(home)
    subjects = store.read_attributes("subjects", ["subject_id", "victim_profile"])
    with_children = subjects["victim_profile"].fillna("").str.contains("children")
    subject = str(subjects.loc[with_children, "subject_id"].iloc[0])
    props = store.read_attributes("properties", ["property_id", "is_void"])
    voids = props.loc[props["is_void"].fillna(False).astype(bool), "property_id"].astype(str)
    case = open_assessed_case(
        store, engine, subject_id=subject, property_ids=list(voids.iloc[:2]),
        case_type="initial_new", notified=dt.date.today(), agencies=["cjsw", "nhs"],
        actor=Actor("bench", "operator", "local", "benchmark ground", None))
    engine.dispose()
    return {"case_id": str(case["case_id"]), "subject_id": subject,
            "candidates": [str(a["property_id"]) for a in case["assessments"]],
            "address": str(store.read_attributes("properties", ["property_id", "address"])
                           .set_index("property_id").loc[voids.iloc[0], "address"])}


# --- the client ------------------------------------------------------------------------


def form_token(client: httpx.Client) -> str:
    found = TOKEN.search(client.get("/login").text)
    if found is None:
        raise SystemExit("the sign-in page carries no form token")
    return found.group(1)


def timed(client: httpx.Client, method: str, path: str,
          form: dict[str, str] | None) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    response = client.request(method, path, data=form)
    return (time.perf_counter() - started) * 1000, response


def signed_in(base: str, username: str, password: str, secret: str,
              code_step: Timing | None = None) -> httpx.Client:
    """A client signed in on the pages as ``username`` with the purpose; the code
    step's time added to ``code_step``."""
    import pyotp  # noqa: PLC0415

    client = httpx.Client(base_url=base, timeout=60, follow_redirects=False)
    first = client.post("/login", data={"csrf_token": form_token(client),
                                        "username": username, "password": password,
                                        "purpose": PURPOSE})
    if first.status_code != 303 or first.headers.get("location") != "/login/code":
        raise SystemExit(f"the password step answered {first.status_code}")
    ms, done = timed(client, "POST", "/login/code", {"csrf_token": form_token(client),
                                                     "code": pyotp.TOTP(secret).now()})
    if done.status_code != 303 or done.headers.get("location") != "/":
        raise SystemExit(f"the code step answered {done.status_code}: {done.text[:300]}")
    if code_step is not None:
        code_step.latencies_ms.append(ms)
    return client


def pages(ground: dict[str, Any]) -> list[Page]:
    case = {"case_id": ground["case_id"]}
    candidate = ground["candidates"][0]
    return [
        Page("start page", "GET", "/"),
        Page("case list", "GET", "/cases"),
        Page("case page (with its map)", "POST", "/case", case),
        Page("case page, other candidate", "POST", "/case",
             {**case, "property_id": ground["candidates"][1]}),
        Page("find page", "GET", "/find"),
        Page("find: address search (plain form)", "POST", "/find",
             {"q": ground["address"][:12]}),
        Page("type-ahead", "POST", "/find/properties",
             {"q": ground["address"][:8], "limit": "10"}),
        Page("property page (with its map)", "POST", "/property",
             {"property_id": candidate}),
        Page("void screening form", "GET", "/voids"),
        Page("void screening result (with its map)", "POST", "/voids",
             {"subject_id": ground["subject_id"], "top": ""}),
        Page("report form", "GET", "/reports"),
        Page("ERA performance report, all councils", "POST", "/reports/performance",
             {"year": "2026", "council": "all"}),
        Page("open a case", "GET", "/cases/new"),
        Page("physical check", "POST", "/case/physical",
             {**case, "property_id": candidate}),
        Page("reviews", "GET", "/reviews"),
        Page("review triggers: the run form", "GET", "/reviews/triggers"),
        Page("review triggers: a run", "POST", "/reviews/triggers", {"radius_m": "400"}),
        Page("Part C: its confirmation", "POST", "/case/part-c",
             {**case, "property_id": candidate, "manageable": "yes",
              "conclusion": "FICTIONAL", "reasons": "FICTIONAL"}),
    ]


def time_page(client: httpx.Client, page: Page, *, warmup: int, requests: int) -> Timing:
    timing = Timing()
    for k in range(warmup + requests):
        form = None if page.form is None else {"csrf_token": form_token(client),
                                               **page.form}
        ms, response = timed(client, page.method, page.path, form)
        if response.status_code != 200:
            timing.errors.append(f"HTTP {response.status_code}")
        elif k >= warmup:
            timing.latencies_ms.append(ms)
    return timing


def time_sign_in(base: str, username: str, password: str, *, warmup: int,
                 requests: int) -> tuple[Timing, Timing]:
    """The sign-in page (GET /login) and the password step (POST /login, answered by a
    redirect to the code step)."""
    client = httpx.Client(base_url=base, timeout=60, follow_redirects=False)
    page, step = Timing(), Timing()
    for k in range(warmup + requests):
        ms, response = timed(client, "GET", "/login", None)
        if response.status_code != 200:
            page.errors.append(f"HTTP {response.status_code}")
        elif k >= warmup:
            page.latencies_ms.append(ms)
        found = TOKEN.search(response.text)
        ms, answer = timed(client, "POST", "/login", {
            "csrf_token": found.group(1) if found else "", "username": username,
            "password": password, "purpose": PURPOSE})
        if answer.status_code != 303:
            step.errors.append(f"HTTP {answer.status_code}")
        elif k >= warmup:
            step.latencies_ms.append(ms)
    client.close()
    return page, step


def argon2_verify_ms(rounds: int = 7) -> float:
    """The median time (ms) of one argon2id verification with the parameters geo_era
    hashes passwords with (argon2-cffi's defaults, RFC 9106's second choice): the part
    of the password step spent on purpose, measured in this process."""
    from argon2 import PasswordHasher  # noqa: PLC0415

    hasher = PasswordHasher()
    hashed = hasher.hash("a FICTIONAL passphrase for timing")
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        hasher.verify(hashed, "a FICTIONAL passphrase for timing")
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


# --- the run ---------------------------------------------------------------------------


def measure(args: argparse.Namespace, home: Path, key: str, *, port: int,
            ground: dict[str, Any], users: list[tuple[str, str, str]],
            log: Path) -> dict[str, Timing]:
    env = child_env(home, key)
    process, _how = start_server(env, port, workers=args.workers, log=log)
    base = f"http://127.0.0.1:{port}"
    results: dict[str, Timing] = {}
    try:
        wait_healthy(port, process, log)
        name, password, _secret = users[0]
        results["sign-in page"], results["sign-in: password step"] = time_sign_in(
            base, name, password, warmup=args.warmup, requests=args.requests)
        code = Timing(note=f"once per user ({len(users)} users): a code works once")
        clients = [signed_in(base, n, p, s, code) for n, p, s in users]
        results["sign-in: code step"] = code
        client = clients[0]
        for page in pages(ground):
            results[page.name] = time_page(client, page, warmup=args.warmup,
                                           requests=args.requests)
        for other in clients:
            other.close()
        if process.poll() is not None:
            raise SystemExit("the server exited during the run:\n"
                             + log.read_text(errors="replace")[-3000:])
    finally:
        stop_server(process)
    return results


def report(results: dict[str, Timing]) -> list[str]:
    """Print the table; answer the failures."""
    failures = []
    print(f"\n  {'page':<40} {'n':>4} {'median ms':>10} {'p95 ms':>8}  budget {BUDGET_MS:g} ms")
    for name, t in results.items():
        if not t.latencies_ms and not t.errors:
            print(f"  {name:<40} {'':>4} {'':>10} {'':>8}  {t.note}")
            continue
        p95 = t.pct(95)
        within = p95 is not None and p95 <= BUDGET_MS
        median = "—" if t.median is None else f"{t.median:.1f}"
        shown = "—" if p95 is None else f"{p95:.1f}"
        print(f"  {name:<40} {len(t.latencies_ms):>4} {median:>10} {shown:>8}  "
              f"{'within' if within else 'OVER'}{'; ' + t.note if t.note else ''}"
              f"{'; errors: ' + ', '.join(sorted(set(t.errors))) if t.errors else ''}")
        if t.errors:
            failures.append(f"{name}: {len(t.errors)} failed requests")
        if not within:
            failures.append(f"{name}: p95 over {BUDGET_MS:g} ms")
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=20, help="timed per page")
    parser.add_argument("--warmup", type=int, default=3, help="untimed first requests")
    parser.add_argument("--signins", type=int, default=5,
                        help="users signed in (the code step is timed once each)")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="geo-era-bench-pages-") as tmp:
        home = Path(tmp) / "home"
        key = secrets.token_urlsafe(48)
        env = child_env(home, key)
        started = time.perf_counter()
        geo_era(env, "demo-data", "--scale", "1", "--seed", str(args.seed))
        users = []
        for k in range(max(args.signins, 1)):
            name, password = f"bench-analyst-{k}", secrets.token_urlsafe(24)
            geo_era(env, "user", "add", name, "--role", "omu_analyst", "--org", ORG,
                    stdin=password + "\n")
            users.append((name, password, enrol(home, key, name)))
        ground = open_case(home)
        print(f"demo town (scale 1, seed {args.seed}, FICTIONAL), {len(users)} users and "
              f"a case of two assessed candidates made in {time.perf_counter() - started:.1f} s")
        print(f"each page: {args.warmup} untimed requests, then {args.requests} timed, one "
              f"at a time, signed in as an OMU analyst ({args.workers} uvicorn worker(s))")
        results = measure(args, home, key, port=free_port(), ground=ground, users=users,
                          log=Path(tmp) / "server.log")

    argon2_ms = argon2_verify_ms()
    step = results.get("sign-in: password step")
    if step is not None:
        step.note = (f"one argon2id verification alone takes {argon2_ms:.0f} ms here "
                     "(median): the cost of a password guess, on purpose")
    failures = report(results)
    write_json(args.json, "pages", {
        "budget_ms": BUDGET_MS, "requests": args.requests, "warmup": args.warmup,
        "workers": args.workers, "argon2_verify_ms": argon2_ms,
        "pages": {name: {"requests": len(t.latencies_ms), "median_ms": t.median,
                         "p95_ms": t.pct(95), "errors": len(t.errors), "note": t.note,
                         "skipped": not t.latencies_ms and not t.errors}
                  for name, t in results.items()}})
    if failures:
        print("\nFAILED: " + "; ".join(failures))
        return 1
    print(f"\nevery page answered 200; every p95 within {BUDGET_MS:g} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
