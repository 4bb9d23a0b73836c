"""Scotland's MAPPA areas: which council belongs to which (NASSO 1.0, R130).

The annual MAPPA report of Scotland "is an aggregate of data collated via the 10 MAPPA
areas"; each area's Strategic Oversight Group reports for a group of councils.
:data:`DEFAULT_AREAS` is that grouping for the 32 councils, by the councils' names as
the ONS / National Records of Scotland council-area boundaries give them.

Source: the Scottish Government's *MAPPA in Scotland: national overview report
2022-2023*, Appendix A "Geographical MAPPA Region Model for Scotland", and the areas'
own annual reports (e.g. Lanarkshire MAPPA, North and South Lanarkshire; South West
Scotland MAPPA, the three Ayrshires and Dumfries and Galloway; Forth Valley MAPPA,
Clackmannanshire, Falkirk and Stirling). The grouping changes from time to time:
``GEO_ERA_MAPPA_AREAS`` names a CSV (``council,mappa_area``) that replaces it whole
(:func:`geo_era.settings.mappa_area_table`).

A council is matched by name, case-insensitively and with or without a trailing
"Council" ("Fife" and "Fife Council" are the same council). A council of the areas layer
that no area lists is reported as a MAPPA area of its own, and the report says so.
"""

from __future__ import annotations

#: MAPPA area -> its councils (Scotland's 10 areas, 32 councils).
_GROUPS: dict[str, tuple[str, ...]] = {
    "Glasgow": ("Glasgow City",),
    "Lanarkshire": ("North Lanarkshire", "South Lanarkshire"),
    "North Strathclyde": ("Argyll and Bute", "East Dunbartonshire", "East Renfrewshire",
                          "Inverclyde", "Renfrewshire", "West Dunbartonshire"),
    "South West Scotland": ("East Ayrshire", "North Ayrshire", "South Ayrshire",
                            "Dumfries and Galloway"),
    "Lothian and Borders": ("City of Edinburgh", "East Lothian", "Midlothian",
                            "West Lothian", "Scottish Borders"),
    "Fife": ("Fife",),
    "Forth Valley": ("Clackmannanshire", "Falkirk", "Stirling"),
    "Tayside": ("Angus", "Dundee City", "Perth and Kinross"),
    "North East": ("Aberdeen City", "Aberdeenshire", "Moray"),
    "Highland and Islands": ("Highland", "Orkney Islands", "Shetland Islands",
                             "Na h-Eileanan Siar"),
}

#: council -> MAPPA area, the default of ``GEO_ERA_MAPPA_AREAS``.
DEFAULT_AREAS: dict[str, str] = {council: area for area, councils in _GROUPS.items()
                                 for council in councils}
assert len(DEFAULT_AREAS) == 32 and len(_GROUPS) == 10


def council_key(name: str) -> str:
    """How councils are matched: case-folded, spaces collapsed, a trailing "council"
    dropped ("Fife Council" -> "fife")."""
    key = " ".join(name.split()).casefold()
    return key.removesuffix(" council").strip()
