"""Name pools for the synthetic demo town (:mod:`geo_era.demo.demotown`).

Every name here is made up for demonstration data: town names are invented, street names
are generic (tree, plant, landscape and surname words with a street type) and housing
associations are fictional. None of them refers to a real person or organisation.
"""

from __future__ import annotations

#: The first town is always called this (it is the locality in the documentation examples).
FIRST_TOWN = "Inverallan"

#: Invented town names (shuffled per seed for the second and later towns).
TOWN_NAMES: tuple[str, ...] = (
    "Kilbrannock", "Auchtermorrie", "Balquhannan", "Glenshardie", "Strathcullen",
    "Dunvarrie", "Kinloanie", "Aberdrennan", "Pitcarrow", "Drumfennick", "Craigvannie",
    "Fintrallan", "Lochmarrow", "Ardbrechan", "Cairnhollie", "Balnacraigie", "Kirkvennie",
    "Inverquharrie", "Glenbrannock", "Auchenvorrie", "Strathmallow", "Dunshellan",
    "Kilmorrach", "Pitvennan", "Drumquhallie", "Ardmallachy", "Cairnbrechan", "Kinshardie",
    "Abervannie", "Balcarrow", "Lochdrennan", "Craigfennick", "Glenvorrach", "Fintullie",
    "Kirkdrennan", "Auchtershellan", "Strathquharrie", "Dunbrannock", "Pitmallow",
    "Inverbrechan", "Kilvannie", "Drumcarrow", "Ardfintrie", "Cairnmorrie", "Balshardie",
    "Lochquhannan", "Glenfennick", "Kinvorrie", "Aberquharrie", "Strathvennie",
    "Craigmallachy", "Dunfintrie", "Kirkbrannock", "Auchendrennan", "Pitshellan",
    "Invermallachy", "Kilcarrow", "Drumvorrach", "Ardquhannan", "Cairnshardie",
    "Balvennan", "Lochfintrie", "Glenmallow", "Kincarrow", "Aberfennick",
)

#: Words for street names. Words that are themselves street types or direction qualifiers
#: (Park, Brae, Hill, North, Upper, ...) are left out so that address parsers find the
#: street type at the end of the name.
STREET_WORDS: tuple[str, ...] = (
    # trees
    "Oak", "Elm", "Ash", "Birch", "Rowan", "Beech", "Hazel", "Holly", "Larch", "Pine",
    "Willow", "Alder", "Aspen", "Cedar", "Chestnut", "Cherry", "Hawthorn", "Juniper",
    "Laurel", "Lime", "Maple", "Poplar", "Sycamore", "Yew", "Spruce", "Whitebeam",
    "Blackthorn", "Elder", "Myrtle", "Hornbeam",
    # plants
    "Heather", "Bracken", "Thistle", "Bluebell", "Broom", "Gorse", "Primrose", "Clover",
    "Fern", "Ivy", "Foxglove", "Daisy", "Violet", "Tansy", "Yarrow", "Sorrel", "Campion",
    "Meadowsweet", "Bramble", "Cowslip",
    # landscape and places
    "Burnside", "Braeside", "Hillview", "Millbank", "Kirkland", "Westfield", "Eastfield",
    "Northfield", "Southfield", "Greenlaw", "Whitehill", "Blackhill", "Redhill", "Fairview",
    "Springfield", "Woodside", "Riverside", "Bankhead", "Broomhill", "Claremont", "Mayfield",
    "Marchfield", "Netherton", "Overton", "Muirhead", "Kirkton", "Milton", "Newton",
    "Townhead", "Mossend", "Gowanbank", "Station", "School", "Church", "Mill", "Castle",
    "Market", "Quarry", "Forge", "Tannery", "Bowling", "Glebe", "Manse", "Dovecot",
    "Orchard", "Meadow", "Moss", "Muir", "Haugh", "Knowe", "Carse", "Corrie", "Linn",
    "Burnbank", "Loanhead", "Craigend", "Windyknowe", "Sunnyside", "Southview", "Eastview",
    "Hopefield", "Rosebank", "Lochend", "Cairnbank", "Dykehead", "Whinfield",
    # surnames and old counties
    "Wallace", "Bruce", "Burns", "Scott", "Stewart", "Douglas", "Hamilton", "Murray",
    "Campbell", "Graham", "Gordon", "Lindsay", "Montrose", "Keir", "Carnegie", "Baird",
    "Telford", "Watt", "Napier", "Fleming", "Kelvin", "Moray", "Lennox", "Argyll", "Atholl",
    "Buchan", "Galloway", "Fergusson", "Hogg", "Ramsay", "Barclay", "Drummond", "Erskine",
    "Kinnaird", "Melville", "Ogilvie", "Sinclair", "Urquhart", "Wishart", "Lockhart",
)

#: Street types for ordinary streets (their order is fixed: names are drawn by index).
STREET_TYPES: tuple[str, ...] = (
    "Road", "Street", "Avenue", "Crescent", "Terrace", "Drive", "Place", "Gardens", "Grove",
    "Way", "View", "Park", "Lane", "Brae", "Wynd", "Loan", "Row",
)

#: Street types for the access roads of multi-storey blocks.
COURT_TYPES: tuple[str, ...] = ("Court", "Heights")

#: Fictional registered social landlords (housing associations).
RSL_NAMES: tuple[str, ...] = (
    "Rowanlea Housing Association", "Thistlebrae Housing Association",
    "Westerlea Housing Co-operative", "Cairnvorrie Homes", "Glenbrannock Housing Trust",
    "Auchenvorrie Housing Association", "Kirkvennie Homes Co-operative",
    "Strathmallow Housing Association",
)

#: Words for the names of sites (schools, parks, centres, churches, shops, pubs).
SITE_WORDS: tuple[str, ...] = (
    "St Columba's", "St Ninian's", "St Kentigern's", "St Bride's", "St Serf's", "Burnside",
    "Hillview", "Millbank", "Kirkland", "Westfield", "Rowan", "Thistle", "Heather",
    "Springfield", "Woodside", "Riverside", "Mayfield", "Netherton", "Overton", "Muirhead",
    "Kirkton", "Townhead", "Braeside", "Fairview", "Gowanbank", "Rosebank", "Lochend",
)
