"""The over-concentration report's short narrative: one paragraph a string, in plain
language, from the report's own (internal or published) figures."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from geo_era.overconcentration.disclosure import BASE, MARKER, THRESHOLD
from geo_era.overconcentration.statistics import ALPHA

if TYPE_CHECKING:
    from geo_era.overconcentration.report import Report


def narrative(report: Report) -> list[str]:
    """The report's short narrative, one paragraph a string, plain language."""
    return [*_placed(report), _spread(report), _clusters(report), *_flows(report)]


def _placed(report: Report) -> list[str]:
    """How many were housed on 31 March, their rates, and the change on earlier years."""
    year, table = report.year, report.authority_table
    row = table.loc[year]
    day = f"31 March {year}"
    counts: dict[int, int | None] = {
        y: None if pd.isna(v) else int(v)
        for y, v in zip(report.years, table["count"], strict=True)}
    count = counts[year]
    if count is None:
        return [f"On {day} fewer than {THRESHOLD} people managed under MAPPA were "
                f"housed in {report.authority}; the figure is not published."]
    rate = row["rate_per_100k"]
    per = f" ({rate:.1f} per 100,000 residents, {row['rate_per_1k_households']:.2f} " \
          f"per 1,000 households)" if pd.notna(rate) else ""
    out = [f"On {day}, {count:,} people managed under MAPPA were housed in "
           f"{report.authority}{per}."]
    if len(report.years) > 1:
        before = counts[year - 1]
        first = report.years[0]
        start = counts[first]
        parts = []
        if before is not None:
            parts.append(_changed(count - before, f"on {year - 1}"))
        if first != year - 1 and start is not None:
            parts.append(_changed(count - start, f"since {first}"))
        if parts:
            out.append("That is " + " and ".join(parts) + ".")
    return out


def _spread(report: Report) -> str:
    """How the placements spread over the finest level's areas (published: what was
    withheld)."""
    finest = report.levels[-1]
    now = finest.table["count"]
    high = int((finest.table["location_quotient"] >= 2).sum())
    if report.published:
        return (f"Counts are shown for {len(now):,} {finest.plural}. To protect the "
                f"people counted, {finest.suppressed:,} counts under {THRESHOLD}, or "
                f"that would let one be worked out, are not published ([c]); the others "
                f"are rounded to the nearest {BASE}, and totals are rounded "
                f"separately, so they need not add up. Of the {finest.plural} whose "
                f"counts are published, {high:,} had twice the authority's rate or "
                f"more (each compared with {report.authority} as a whole: its published "
                f"total over its population).")
    housed = int((now.fillna(0) > 0).sum())
    most = int(now.fillna(0).max()) if len(now) else 0
    return (f"Placements were spread over {housed:,} of {len(now):,} "
            f"{finest.plural}; the most in one was {most}. {high:,} "
            f"{finest.plural} had twice the authority's rate or more.")


def _clusters(report: Report) -> str:
    """What Gi* found: the areas of concern (published: named only when large)."""
    level = report.level(report.concern_level) if report.concern_level \
        else report.levels[-1]
    searched = (f"({report.permutations} permutations, false discovery rate "
                f"{ALPHA:.0%})")
    if report.published:
        named = len(report.concerns)
        return (f"Getis-Ord Gi* looked for clusters of {level.plural} with more "
                f"placements than chance would give {searched}. "
                + (f"{named} cluster{'s' if named > 1 else ''} holding at least "
                   f"{THRESHOLD} placements {'are' if named > 1 else 'is'} named below, "
                   "without figures." if named else
                   f"No cluster holding at least {THRESHOLD} placements was found; "
                   "smaller ones are not named, to protect the people in them."))
    if not report.concerns:
        return (f"Getis-Ord Gi* found no cluster of {level.plural} with more "
                f"placements than chance would give {searched}.")
    hot = sum(len(c.area_ids) for c in report.concerns)
    return (f"Getis-Ord Gi* found {hot} {level.plural} in "
            f"{len(report.concerns)} cluster{'s' if len(report.concerns) > 1 else ''}"
            f" with more placements than chance would give {searched}. These are the "
            f"areas of concern under NASSO 5.2: the partners should weigh them when "
            f"agreeing further placements there.")


def _flows(report: Report) -> list[str]:
    """Out-of-area placements (NASSO 3.13), and those without recorded consent."""
    flows = report.out_of_area
    if len(flows) > 1:
        total = flows.iloc[-1]
        out = [f"Out-of-area placements (NASSO 3.13): {_flow(total.iloc[1])} into "
               f"{report.authority} by other authorities and {_flow(total.iloc[2])} "
               f"by {report.authority} into others."]
    else:
        out = ["There were no out-of-area placements into or out of "
               f"{report.authority}."]
    lacking = report.without_consent
    if lacking is not None and len(lacking):
        out.append(f"{len(lacking)} out-of-area placement"
                   f"{'s have' if len(lacking) > 1 else ' has'} no recorded "
                   "consent of the receiving authority: listed below for follow-up.")
    return out


def _changed(delta: int, when: str) -> str:
    if delta == 0:
        return f"no change {when}"
    return f"{'up' if delta > 0 else 'down'} {abs(delta):,} {when}"


def _flow(value: object) -> str:
    return "a number not published" if value == MARKER else f"{int(value):,}"  # type: ignore[call-overload]
