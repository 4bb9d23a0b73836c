"""Write ``bench/RESULTS.md`` from the figures the benchmarks of one ``make bench`` run
wrote into ``bench/out/*.json``: every method's time and peak memory, the ratios against
the baselines measured in the same run, whether the results were identical, and the
goals, each met or not.

Only one run of one commit is ever shown. The run is ``bench/out/run.json`` (begun by
``python bench/common.py start``, the first step of ``make bench``); every benchmark's
JSON must carry that run's id and commit, measured with no tracked file changed, and
that commit must be the one checked out. Otherwise nothing is written: each file that
is missing, of another run or commit, or written without its provenance is named, and
the exit status is 1.

    python bench/results.py [--out bench/RESULTS.md] [--figures bench/out]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from common import changed, head

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out"
#: The benchmarks, in the order RESULTS.md shows them, with what each compares.
SECTIONS = (
    ("proximity", "Proximity: geo_era against naive geopandas"),
    ("postgis", "Proximity: geo_era against PostGIS (ST_DWithin with GiST indexes; KNN "
                "`<->`), same data"),
    ("network", "Walking distances: geo_era against networkx and pandana"),
    ("national", "National scale: 2.6 million addresses"),
    ("national_import", "A national AddressBase Plus CSV imported, beside the contract "
                        "import of the same dwellings"),
    ("osm_national", "National OSM: a FICTIONAL PBF of Scotland's size streamed into "
                     "buildings, sites and streets (`bench/osm_national.py`)"),
    ("voids", "Live voids at national scale: publish or let one void and check it again, "
              "against a re-import of the properties layer"),
    ("dask", "The Dask path: the national proximity job on 1 and 2 workers"),
    ("pages", "The pages on the demo town, one request at a time through a real server"),
    ("address_matching", "Landlords' lists as they come: 500 messy addresses of the demo "
                         "town matched to its properties layer"),
    ("screening", "Void screening and the allocation check at a large demo town"),
    ("api", "The HTTP API under load: sites-near and the minimum set through a real "
            "server"),
)
#: The script that writes each section's figures.
SCRIPTS = {"dask": "dask_scale.py"}


def load(folder: Path, name: str) -> dict[str, Any] | None:
    path = folder / f"{name}.json"
    try:
        found: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return found


def refusals(found: dict[str, dict[str, Any] | None], run: dict[str, Any] | None, *,
             checked_out: str, changed_now: list[str]) -> list[str]:
    """Why these figures cannot make one RESULTS.md: each a sentence with what to do;
    none when every section is of the run, of its commit, which is the one checked
    out, with nothing changed."""
    if run is None:
        return ["bench/out/run.json is missing: no make bench run was begun (its first "
                "step is python bench/common.py start)"]
    commit = str(run.get("commit"))
    out = []
    if commit != checked_out:
        out.append(f"the run measured commit {commit[:12]} but {checked_out[:12]} is "
                   "checked out: run make bench again")
    if run.get("changed") or changed_now:
        files = sorted(set(run.get("changed") or []) | set(changed_now))
        out.append(f"tracked files differ from the commit ({', '.join(files[:5])}): commit "
                   "or undo them and run make bench again")
    for name, figures in found.items():
        script = f"bench/{SCRIPTS.get(name, name + '.py')}"
        where = f"bench/out/{name}.json"
        if figures is None:
            out.append(f"{where} is missing or unreadable: {script} did not finish in this "
                       "run")
            continue
        made = figures.get("provenance")
        if not isinstance(made, dict):
            out.append(f"{where} has no provenance (written by an older {script}): run "
                       "make bench again")
        elif made.get("run") != run.get("run"):
            out.append(f"{where} is from another run (finished {made.get('finished')}): "
                       f"{script} did not finish in this run")
        elif made.get("commit") != commit:
            out.append(f"{where} measured commit {str(made.get('commit'))[:12]}, the run "
                       f"{commit[:12]}")
        elif made.get("changed"):
            out.append(f"{where} was measured with changed files "
                       f"({', '.join(made['changed'][:5])})")
    return out


def seconds(value: object) -> str:
    return "—" if value is None else f"{float(value):,.2f}"  # type: ignore[arg-type]


def megabytes(row: dict[str, Any]) -> str:
    for key, label in (("peak_rss_mb", ""), ("peak_growth_mb", "+")):
        if row.get(key) is not None:
            return f"{label}{float(row[key]):,.0f}"
    return "—"


def rows_table(rows: list[dict[str, Any]]) -> list[str]:
    lines = ["| task | method | seconds | peak memory (MB) | identical | note |",
             "|---|---|---:|---:|---|---|"]
    for row in rows:
        same = {True: "yes", False: "no", None: "reference"}.get(row.get("identical"), "—")
        lines.append(f"| {row.get('task', '')} | {row.get('method', '')} | "
                     f"{seconds(row.get('seconds'))} | {megabytes(row)} | {same} | "
                     f"{row.get('note', '') or ''} |")
    return lines


def national_lines(figures: dict[str, Any]) -> list[str]:
    lines = []
    build = figures.get("build")
    if build:
        lines.append(f"- Built, written and imported in {build['total_s']:.0f} s (generate "
                     f"{build['build_s']:.0f} s, write {build['write_s']:.0f} s, import and "
                     f"validate {build['import_s']:.0f} s), peak {build['peak_gb']:.1f} GB: "
                     + ", ".join(f"{k} {v:,}" for k, v in sorted(build["rows"].items())))
    loaded = figures["loaded"]
    lines += [
        f"- **Load + index** (`Workspace.snapshot()` in a fresh process: every layer read, "
        f"the site index, walking network and parameter engine built): "
        f"**{loaded['load_s']:.1f} s**, peak **{loaded['load_peak_gb']:.2f} GB** resident "
        f"({loaded['load_resident_gb']:.2f} GB after); {loaded['addresses']:,} addresses, "
        f"{loaded['sites']:,} sites.",
        f"- **ERA refresh** of every housed subject ({loaded['refresh_housed']:,} housed of "
        f"{loaded['refresh_subjects']:,} subjects): **{loaded['refresh_s']:.1f} s**; "
        f"{loaded['refresh_triggers']:,} review triggers found, "
        f"{loaded['refresh_triggers_expected']:,} planted "
        f"({'identical' if loaded['refresh_identical'] else 'DIFFERENT'}); "
        f"{loaded['refresh_with_conflicts']:,} homes with a hard conflict.",
        f"- **Allocation check** of {loaded['allocation_voids']:,} voids against every "
        f"housed subject: {loaded['allocation_s']:.1f} s "
        f"({loaded['allocation_flagged']:,} need a sensitive allocation).",
        f"- **Over-concentration**: the tables of all {loaded['reports_councils']} councils "
        f"(counts, rates, Gi* with 999 permutations) in {loaded['reports_tables_s']:.1f} s; "
        f"their published HTML and PDF in {loaded['reports_written_s']:.1f} s.",
        f"- Peak of the whole loaded process: {loaded['peak_gb']:.2f} GB.",
    ]
    return lines


def national_import_lines(figures: dict[str, Any]) -> list[str]:
    """``bench/national_import.py``: the AddressBase import against the contract's."""
    w, a, c = figures["write"], figures["addressbase"], figures["contract"]
    dropped = ", ".join(f"{k} {v:,}" for k, v in sorted(a["dropped"].items()))
    return [
        f"Data: {w['records']:,} FICTIONAL AddressBase Plus records ({w['csv_gb']:.2f} GB, "
        f"77 fields, no header) made from {w['dwellings']:,} addresses of the national "
        f"demo data set; imported into a store holding its buildings and streets.", "",
        "| import | seconds | peak memory (GB) | peak of the reading child (GB) | rows |",
        "|---|---:|---:|---:|---|",
        f"| `geo-era import --format addressbase` (services, audited) | {a['import_s']:,.1f} "
        f"| {a['peak_gb']:.2f} | {a['child_peak_gb']:.2f} | properties "
        f"{a['rows']['properties']:,}; dropped {dropped} |",
        f"| the chunked read alone (`read_addressbase`) | {a['read_s']:,.1f} | "
        f"{a['read_peak_gb']:.2f} | — | |",
        f"| `geo-era import properties.parquet` (the contract, same dwellings) | "
        f"{c['import_s']:,.1f} | {c['peak_gb']:.2f} | {c['child_peak_gb']:.2f} | "
        f"properties {c['rows']['properties']:,} |",
    ]


def api_lines(figures: dict[str, Any]) -> list[str]:
    """``bench/api.py``: each endpoint's throughput and latency under load, one table per
    run (one worker, two workers, one worker on the national data set)."""
    runs = [(f"{workers} worker(s), demo town", run) for workers, run in figures["runs"].items()]
    if figures.get("national"):
        n = figures["national"]
        runs.append((f"1 worker, national data set ({n['addresses']:,} addresses)", n))
    lines = ["| run | endpoint | clients | requests | requests/s | p50 (ms) | p95 (ms) | "
             "p99 (ms) | errors | server CPU per answer (ms) |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for title, run in runs:
        for name, r in run["endpoints"].items():
            cpu = r.get("server_cpu_ms")
            lines.append(f"| {title} | {name} | {run['clients']} | {r['requests']:,} | "
                         f"{r['rps']:,.1f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | "
                         f"{r['p99_ms']:.1f} | {r['errors']} | "
                         f"{'-' if cpu is None else f'{cpu:.2f}'} |")
    inside = figures.get("in_process_ms", {})
    if inside:
        lines += ["", "In process, per call (ms): " + "; ".join(
            f"{name}: {v['plain']:.1f} loading the layers, {v['workspace']:.2f} from the "
            "loaded workspace" for name, v in inside.items()) + "."]
    return lines


def api_goal(title: str, run: dict[str, Any]) -> tuple[str, str, bool]:
    """A run's goal line: each data endpoint at its goals (requests/s when given, p95),
    with no errors."""
    g = run["goals"]
    timed = {name: r for name, r in run["endpoints"].items() if r.get("goal")}
    wanted = (f">= {g['rps']:g} requests/s with " if "rps" in g else "") + \
        f"p95 <= {g['p95_ms']:g} ms"
    return (f"{title}: each data endpoint {wanted}, no errors",
            "; ".join(f"{name} {r['rps']:,.0f}/s, p95 {r['p95_ms']:.0f} ms"
                      for name, r in timed.items()),
            all(r["rps"] >= g.get("rps", 0.0) and r["p95_ms"] <= g["p95_ms"]
                and r["errors"] == 0 for r in timed.values()))


def screening_lines(figures: dict[str, Any]) -> list[str]:
    """``bench/screening.py``: screening every void and the allocation check."""
    return [
        f"Data: {figures['addresses']:,} addresses, {figures['voids']:,} voids, "
        f"{figures['housed']:,} housed subjects.", "",
        "| task | seconds | note |", "|---|---:|---|",
        f"| load | {figures['load_s']:.2f} | |",
        f"| screen every void for one subject | {figures['screen_s']:.2f} | "
        f"{figures['ranked']:,} ranked, {figures['ruled_out']:,} ruled out, "
        f"{figures['walked']:,} walked |",
        f"| the same, one void at a time (today's check per property, scaled from a "
        f"sample) | {figures['baseline_s']:.2f} | "
        f"{figures['baseline_s'] / figures['screen_s']:.0f}x slower |",
        f"| allocation check of every void against every housed subject | "
        f"{figures['allocations_s']:.2f} | {figures['sensitive']:,} need a sensitive "
        "allocation |",
    ]


def pages_lines(figures: dict[str, Any]) -> list[str]:
    """The table of ``bench/pages.py``: each page's median and p95 against the budget."""
    budget = float(figures["budget_ms"])
    lines = [f"Each page asked {figures['warmup']} times untimed, then timed over "
             f"{figures['requests']} requests, signed in as an OMU analyst "
             f"({figures['workers']} uvicorn worker(s)); budget {budget:g} ms.", "",
             "| page | requests | median (ms) | p95 (ms) | within budget | note |",
             "|---|---:|---:|---:|---|---|"]
    for name, row in figures["pages"].items():
        if row["skipped"]:
            lines.append(f"| {name} | — | — | — | — | {row['note']} |")
            continue
        p95 = row["p95_ms"]
        within = row["errors"] == 0 and p95 is not None and p95 <= budget
        note = "; ".join(filter(None, [row["note"], f"{row['errors']} failed requests"
                                       if row["errors"] else ""]))
        lines.append(f"| {name} | {row['requests']} | {seconds(row['median_ms'])} | "
                     f"{seconds(p95)} | {'yes' if within else '**no**'} | {note} |")
    return lines


def address_lines(figures: dict[str, Any]) -> list[str]:
    """``bench/address_matching.py``: what was accepted, held and missed, and the mess."""
    rows = figures["rows"]
    return [
        f"{rows} addresses written as a landlord's list might (seed {figures['seed']}), each "
        f"of a distinct home of the demo town's {figures['homes']:,}, and "
        f"{figures['traps']} of homes the town lacks; matched in "
        f"{figures['seconds']:.2f} s (the layer's index built once, in "
        f"{figures['index_seconds']:.2f} s).", "",
        "| accepted, right home | accepted, wrong home | held for review (right home "
        "proposed) | unmatched | homes the town lacks accepted |",
        "|---:|---:|---:|---:|---:|",
        f"| {figures['accepted_right']} ({figures['rate']:.1%}) | "
        f"{figures['accepted_wrong']} | {figures['review']} ({figures['review_right']}) | "
        f"{figures['unmatched']} | {figures['trap_accepted']} |", "",
        "The mess, by kind (rows may have several): "
        + ", ".join(f"{k} {v}" for k, v in figures["kinds"].items()) + "."]


def pages_goal(pages: dict[str, Any]) -> tuple[str, str, bool | None]:
    """(goal, measured, met) of issue 19's budget: no page over it (p95)."""
    budget = float(pages["budget_ms"])
    timed = {name: row for name, row in pages["pages"].items() if not row["skipped"]}
    over = [name for name, row in timed.items()
            if row["errors"] or row["p95_ms"] is None or row["p95_ms"] > budget]
    slowest = max(timed.items(), key=lambda item: item[1]["p95_ms"] or 0.0)
    return (f"no page over {budget:g} ms on the demo town (p95, one request at a time)",
            f"{len(timed) - len(over)} of {len(timed)} pages within; slowest "
            f"{slowest[0]} {slowest[1]['p95_ms'] or 0:.0f} ms"
            + (f"; over: {', '.join(over)}" if over else ""), not over)


def goals(found: dict[str, dict[str, Any] | None]) -> list[tuple[str, str, bool | None]]:
    """(goal, measured, met) for each point of the issue's "Done when"."""
    out: list[tuple[str, str, bool | None]] = []
    postgis, proximity = found.get("postgis"), found.get("proximity")
    if postgis:
        r = postgis["ratios"]
        same = all(row.get("identical") is not False for row in postgis["rows"])
        out.append(("proximity: all sites within R and nearest within R each >= 5x "
                    "PostGIS's best tuned query alone, identical result sets",
                    f"within {r['within_query']:.1f}x (query alone; "
                    f"{r['within_with_load']:.1f}x with load), nearest within R "
                    f"{r['nearest_within']:.1f}x, unbounded nearest (KNN) {r['nearest']:.1f}x; "
                    f"identical: {'yes' if same else 'NO'}",
                    min(r["within_query"], r["nearest_within"]) >= 5 and same))
    else:
        out.append(("proximity >= 5x faster than PostGIS", "not run (no PostGIS server)",
                    None))
    if proximity:
        r = proximity["ratios"]
        out.append(("proximity >= 10x faster than naive geopandas, identical result sets",
                    f"within {r['within_naive']:.1f}x, nearest within R "
                    f"{r['nearest_within_naive']:.1f}x; geo_era identical to the exact "
                    f"oracle: {'yes' if proximity['within']['identical_to_exact'] else 'NO'}",
                    min(r["within_naive"], r["nearest_within_naive"]) >= 10
                    and bool(proximity["within"]["identical_to_exact"])))
        out.append(("unbounded nearest of each category >= 10x geopandas sjoin_nearest, "
                    "equal distances",
                    f"{r['nearest_sjoin_nearest']:.1f}x",
                    r["nearest_sjoin_nearest"] >= 10 and bool(proximity.get("ok", True))))
    network = found.get("network")
    if network and "pandana_vs_geo_era" in network["ratios"]:
        r = network["ratios"]
        out.append(("walking distances no slower than pandana",
                    f"pandana takes {r['pandana_vs_geo_era']:.1f}x geo_era's time "
                    f"({r['pandana_with_preprocessing_vs_geo_era']:.0f}x with its "
                    "preprocessing); distances agree",
                    r["pandana_vs_geo_era"] >= 1 and bool(network.get("ok"))))
    national = found.get("national")
    if national:
        loaded, g = national["loaded"], national["goals"]
        out.append((f"national load + index <= {g['load_s']:g} s and <= {g['load_gb']:g} GB",
                    f"{loaded['load_s']:.1f} s, {loaded['load_peak_gb']:.2f} GB",
                    loaded["load_s"] <= g["load_s"] and loaded["load_peak_gb"] <= g["load_gb"]))
        out.append((f"national ERA refresh <= {g['refresh_s']:g} s",
                    f"{loaded['refresh_s']:.1f} s for {loaded['refresh_housed']:,} housed "
                    "subjects", loaded["refresh_s"] <= g["refresh_s"]
                    and bool(loaded["refresh_identical"])))
    imported = found.get("national_import")
    if imported:
        a, c = imported["addressbase"], imported["contract"]
        peak = max(a["peak_gb"], a["child_peak_gb"])
        contract = max(c["peak_gb"], c["child_peak_gb"])
        ratio = imported["goal_ratio"]
        out.append((f"a national AddressBase CSV imports in bounded memory: peak within "
                    f"{ratio:g}x the contract import's of the same dwellings",
                    f"{imported['write']['records']:,} records in {a['import_s']:.0f} s, "
                    f"peak {peak:.2f} GB (the chunked read {a['read_peak_gb']:.2f} GB); the "
                    f"contract import {c['import_s']:.0f} s, {contract:.2f} GB",
                    peak <= ratio * contract))
        if "goal_seconds" in imported:
            out.append((f"the national AddressBase import <= {imported['goal_seconds']:g} s "
                        f"and <= {imported['goal_gb']:g} GB peak",
                        f"{a['import_s']:.1f} s, {peak:.2f} GB",
                        a["import_s"] <= imported["goal_seconds"]
                        and peak <= imported["goal_gb"]))
    osm = found.get("osm_national")
    if osm and "peak_full_vs_part" in osm:
        full = next(r for r in osm["rows"] if r["file"] == "full"
                    and r["method"].startswith("stream_pbf_layers"))
        growth = osm["nodes_full_vs_part"]
        out.append((f"a national OSM PBF streams in bounded memory: {growth:.0f}x the nodes "
                    f"take under {growth / 4:g}x the peak memory, the rows as the file holds",
                    f"{osm['data']['pbf_mb']:,.0f} MB, {osm['data']['nodes']:,} nodes in "
                    f"{full['seconds']:.0f} s, peak {full['peak_rss_mb']:,.0f} MB: "
                    f"{osm['peak_full_vs_part']:.2f}x a tenth's",
                    osm["peak_full_vs_part"] < growth / 4
                    and all(r["identical"] for r in osm["rows"])))
    voids = found.get("voids")
    if voids:
        out.append((f"publish or let one void and re-answer its allocation check < "
                    f"{voids['goal_ms']:g} ms at national scale",
                    f"worst median {voids['worst_median_ms']:.1f} ms; a re-import "
                    f"{voids['ratios']['reimport_vs_live']:,.0f}x slower; same answer: "
                    f"{'yes' if voids['identical'] else 'NO'}",
                    voids["worst_median_ms"] < voids["goal_ms"] and bool(voids["identical"])
                    and bool(voids["flagged_as_expected"])))
    dask = found.get("dask")
    if dask:
        r = dask["ratios"]
        same = all(row.get("identical") is not False for row in dask["rows"])
        out.append(("the Dask path equal, and >= 1.5x faster with 2 workers than with 1",
                    f"{r['two_vs_one_worker']:.2f}x (against the single process without "
                    f"Dask: 2 workers {r['two_workers_vs_single_process']:.2f}x, 1 worker "
                    f"{r['one_worker_vs_single_process']:.2f}x); identical: "
                    f"{'yes' if same else 'NO'}",
                    r["two_vs_one_worker"] >= 1.5 and same))
    pages = found.get("pages")
    if pages:
        out.append(pages_goal(pages))
    served = found.get("api")
    if served and "runs" in served:
        for workers, run in served["runs"].items():
            out.append(api_goal(f"the API under load ({workers} worker(s), demo town)", run))
        if served.get("national"):
            out.append(api_goal("sites-near with walking on the national data set "
                                "(1 worker)", served["national"]))
    screened = found.get("screening")
    if screened and "goals_s" in screened:
        g = screened["goals_s"]
        out.append((f"screen {screened['voids']:,} voids <= {g['screen']:g} s; their "
                    f"allocation check <= {g['allocations']:g} s",
                    f"{screened['screen_s']:.2f} s; {screened['allocations_s']:.2f} s",
                    screened["screen_s"] <= g["screen"]
                    and screened["allocations_s"] <= g["allocations"]))
    matching = found.get("address_matching")
    if matching:
        out.append((f"messy addresses of the demo town: >= {matching['goal']:.0%} accepted "
                    "for the right home, no wrong match accepted without review",
                    f"{matching['rate']:.1%} of {matching['rows']}; wrong accepted "
                    f"{matching['accepted_wrong']}, of homes the town lacks "
                    f"{matching['trap_accepted']}; held for review {matching['review']}",
                    bool(matching["met"])))
    return out


def header(run: dict[str, Any], found: dict[str, dict[str, Any]]) -> str:
    """Which run of which commit, when and on what."""
    finished = max(str(f["provenance"]["finished"]) for f in found.values())
    m = run.get("machine", {})
    return (f"Written by `make bench` (`bench/results.py`) from one run "
            f"({str(run['run'])[:12]}) of commit {str(run['commit'])[:12]}, begun "
            f"{str(run['started'])[:16].replace('T', ' ')} UTC and ended "
            f"{finished[:16].replace('T', ' ')} UTC, on this machine: {m.get('cores')} "
            f"cores ({m.get('cpu') or 'CPU not known'}), {m.get('memory_gb')} GB, Python "
            f"{m.get('python')}, {m.get('platform')}. Every ratio is baseline time / geo_era "
            "time, both measured in the same run on the same data. Peak memory is the "
            "process's peak resident size (VmHWM), or `+N` how far a step raised it.")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=BENCH / "RESULTS.md")
    parser.add_argument("--figures", type=Path, default=OUT,
                        help="the folder of the run's JSON files and run.json")
    args = parser.parse_args()
    found = {name: load(args.figures, name) for name, _ in SECTIONS}
    run = load(args.figures, "run")
    refused = refusals(found, run, checked_out=head(), changed_now=changed())
    if refused or run is None:
        print(f"{args.out} not written: its figures must all come from one make bench run "
              "of the commit checked out", file=sys.stderr)
        for line in refused:
            print(f"  - {line}", file=sys.stderr)
        return 1
    complete = {name: figures for name, figures in found.items() if figures is not None}
    lines = ["# Benchmark results", "", header(run, complete), "",
             "## Goals", "", "| goal | measured | met |", "|---|---|---|"]
    checked = goals(found)
    for goal, measured, met in checked:
        lines.append(f"| {goal} | {measured} | "
                     f"{ {True: 'yes', False: '**no**', None: 'not run'}[met] } |")
    for name, title in SECTIONS:
        lines += ["", f"## {title}", ""]
        figures = complete[name]
        if name == "national":
            lines += national_lines(figures)
            continue
        if name == "national_import":
            lines += national_import_lines(figures)
            continue
        if name == "pages":
            lines += pages_lines(figures)
            continue
        if name == "address_matching":
            lines += address_lines(figures)
            continue
        if name == "api":
            lines += api_lines(figures)
            continue
        if name == "screening":
            lines += screening_lines(figures)
            continue
        if name == "proximity":
            figures["data"] = {k: figures[k] for k in ("properties", "sites", "radius_m")}
        if "data" in figures:
            lines.append("Data: " + ", ".join(f"{k} {v:,}" if isinstance(v, int) else
                                              f"{k} {v}" for k, v in figures["data"].items())
                         + ".")
            lines.append("")
        lines += rows_table(figures.get("rows", []))
        ratios = figures.get("ratios", {})
        if ratios:
            lines += ["", "Ratios: " + ", ".join(f"{k} **{v:.1f}x**" for k, v in
                                                 ratios.items()) + "."]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    for goal, measured, met in checked:
        print(f"  {'met' if met else 'NOT MET' if met is False else 'not run'}: {goal}: "
              f"{measured}")
    return 0 if all(met is not False for _, _, met in checked) else 1


if __name__ == "__main__":
    sys.exit(main())
